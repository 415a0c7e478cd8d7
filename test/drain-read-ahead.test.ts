/**
 * drainBacklog reads the next page ahead while it sends this one, but attaches no handler to that read
 * until this page's sends have started. A read that fails meanwhile (DynamoDB throttles the owed index) is an
 * unhandled rejection for as long as the page takes to pace out (100 mails at 14/s: 7 s): Node's default is to throw
 * it, and the Lambda runtime ends the invocation with sends in flight.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createPacer, createSlots, drainBacklog, SYSTEM_CLOCK } from '../shared/pacing.js';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

describe('a read-ahead page that fails while this page is still sending', () => {
  it('is never left as an unhandled rejection', async () => {
    process.on('unhandledRejection', onUnhandled);
    const run = {
      pacer: createPacer(50, SYSTEM_CLOCK),
      slots: createSlots(1),
      deadline: Date.now() + 10_000,
      clock: SYSTEM_CLOCK,
    };
    const sent: number[] = [];
    const drained = drainBacklog(
      (cursor: number | undefined) =>
        cursor === undefined
          ? Promise.resolve({ items: [1, 2, 3, 4, 5], next: 1 })
          : Promise.reject(new Error('ProvisionedThroughputExceededException')),
      (item: number) => {
        sent.push(item);
        return Promise.resolve();
      },
      run,
    );
    await expect(drained).rejects.toThrow('ProvisionedThroughputExceededException');
    expect(sent).toEqual([1, 2, 3, 4, 5]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(unhandled).toEqual([]);
  });
});
