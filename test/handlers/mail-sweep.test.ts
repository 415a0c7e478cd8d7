/**
 * The sweeper against a backlog, on stateful tables whose conditional updates are honoured (test/helpers/aws.ts's
 * world with its tables): it drains more than a page in one run when its rate allows it, keeps to its rate and its
 * time, and — two sweeps and the notifier at once on the same backlog — sends every owed mail exactly once.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { keyNotice } from '../../shared/notices.js';
import { owedMarker } from '../../shared/mail.js';
import type { SweepResult } from '../../shared/services/notify.js';
import { addCustomer, ddb, installWorld, QueryCommand, SendEmailCommand, ses } from '../helpers/aws.js';
import { installTables } from '../helpers/aws/tables.js';
import type { Tables } from '../helpers/aws/tables.js';
import { ORDER } from '../helpers/handlers/read-admin-notify.js';

const NOTICES_STREAM = 'arn:aws:dynamodb:eu-west-1:123456789012:table/notices/stream/2026-12-01T00:00:00.000';
const ORDERS_STREAM = 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2026-12-01T00:00:00.000';

let tables: Tables;
let notify: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;
let sweep: (event?: unknown, context?: { getRemainingTimeInMillis(): number }) => Promise<SweepResult>;

/** Loads the sweeper and the notifier with `rate` as the SES rate the stack gives the sweeper. */
async function start(rate: number) {
  vi.stubEnv('SES_SEND_RATE', String(rate));
  const world = installWorld();
  tables = installTables(world);
  vi.resetModules();
  notify = (await import('../../functions/notify/index.js')).notify;
  sweep = (await import('../../functions/sweeper/index.js')).sweep;
  await addCustomer(world, 'alice', 'correct horse battery');
}

beforeEach(() => {
  // SES answers after a random few milliseconds, so that concurrent senders interleave at every step.
  ses.on(SendEmailCommand).callsFake(async () => {
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
    return { MessageId: 'm' };
  });
});
afterEach(() => void vi.unstubAllEnvs());

const orderId = (i: number) => `O${String(i).padStart(21, '0')}`;

/** `count` accepted orders whose confirmation has been owed for two minutes (past the grace period). */
function owedConfirmations(count: number) {
  const since = Date.now() - 120_000;
  for (let i = 0; i < count; i++)
    tables.put('orders', {
      ...ORDER,
      orderId: orderId(i),
      emailStatus: 'pending',
      emailOwed: owedMarker('owed', orderId(i)),
      emailOwedSince: since + i,
    });
}

/** How many times SES was asked to send each subject. */
function sendsBySubject(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const call of ses.commandCalls(SendEmailCommand)) {
    const subject = call.args[0].input.Message!.Subject!.Data!;
    counts.set(subject, (counts.get(subject) ?? 0) + 1);
  }
  return counts;
}

const owedOrders = () => tables.items('orders').filter((order) => order.emailOwed !== undefined);

describe('the sweeper drains a backlog', () => {
  it('sends a backlog of 500 owed confirmations in one run when its rate allows it (it once sent 100 a run)', async () => {
    await start(5000);
    owedConfirmations(500);
    const result = await sweep();
    expect(result).toMatchObject({ sent: 500, failed: 0, skipped: 0, errors: 0, oldestOwedSeconds: 120 });
    expect(sendsBySubject().size).toBe(500);
    expect(owedOrders()).toEqual([]);
    expect(tables.items('orders').every((order) => order.emailStatus === 'sent')).toBe(true);
  });

  it('keeps to its rate and stops at its deadline (its Lambda timeout less 10 s): the rest stay owed, oldest first', async () => {
    await start(2);
    owedConfirmations(10);
    // 12 s left on Lambda: sends for 2 s at 2/s, slots at 0, 0.5, 1 and 1.5 s.
    const result = await sweep(undefined, { getRemainingTimeInMillis: () => 12_000 });
    expect(result.sent).toBeGreaterThanOrEqual(3);
    expect(result.sent).toBeLessThanOrEqual(4);
    const sent = tables.items('orders').filter((order) => order.emailStatus === 'sent');
    expect(sent.map((order) => order.orderId)).toEqual(Array.from({ length: result.sent }, (_, i) => orderId(i)));
    expect(owedOrders()).toHaveLength(10 - result.sent);
  });

  it('one owed-mail index that cannot be read is counted as an error; the others are still drained to the end', async () => {
    await start(5000);
    owedConfirmations(50);
    ddb
      .on(QueryCommand, { TableName: 'notices' })
      .rejects(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));
    const result = await sweep();
    expect(result).toMatchObject({ sent: 50, errors: 1 });
    expect(owedOrders()).toEqual([]);
  });
});

describe('never twice', () => {
  it('two sweeps at once and the notifier on the same backlog: every owed mail is sent exactly once', async () => {
    await start(5000);
    owedConfirmations(300);
    const notices = Array.from({ length: 60 }, (_, i) => {
      const notice = keyNotice(
        'alice',
        {
          kind: 'key-added',
          keyId: `key-${i}`,
          fingerprint: 'n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg',
          alg: 'EdDSA',
          activeKeys: 2,
          requestId: `req-${i}`,
        },
        Date.now() - 120_000 + i,
      );
      tables.put('notices', { ...notice });
      return notice;
    });
    // The stream's records of the same mail, in batches of 10 as the event source mapping delivers them.
    const records = [
      ...tables.items('orders').map((order) => ({ arn: ORDERS_STREAM, image: order })),
      ...notices.map((notice) => ({ arn: NOTICES_STREAM, image: notice as unknown as Record<string, unknown> })),
    ];
    const batches = Array.from({ length: Math.ceil(records.length / 10) }, (_, b) => ({
      Records: records.slice(b * 10, b * 10 + 10).map(({ arn, image }, i) => ({
        eventName: 'INSERT' as const,
        eventSourceARN: arn,
        dynamodb: { SequenceNumber: String(b * 10 + i), NewImage: marshall(image) as never },
      })),
    }));

    const [first, second, ...answers] = await Promise.all([sweep(), sweep(), ...batches.map((batch) => notify(batch))]);
    for (const answer of answers) expect(answer.batchItemFailures).toEqual([]);
    expect(first.errors + second.errors).toBe(0);

    // Exactly once each: 300 confirmations (their subjects name the order) and 60 notices, one email each.
    const sends = ses.commandCalls(SendEmailCommand);
    expect(sends).toHaveLength(360);
    const confirmations = [...sendsBySubject()].filter(([subject]) => subject.startsWith('Order '));
    expect(confirmations).toHaveLength(300);
    expect(confirmations.every(([, times]) => times === 1)).toBe(true);
    expect(owedOrders()).toEqual([]);
    expect(tables.items('notices').every((notice) => notice.mailStatus === 'sent' && !notice.mailOwed)).toBe(true);
    // The sweeps did share the work (each sent some, or skipped what the other or the notifier held).
    expect(first.sent + second.sent + first.skipped + second.skipped).toBeGreaterThan(0);
  });
});
