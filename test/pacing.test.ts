/**
 * The pacer, the bound on work in flight, the paged drain and the drain-time arithmetic (shared/pacing.ts), on a fake
 * clock whose time moves only when every waiter has asked to sleep: the times asserted are the pacer's own.
 */
import { describe, expect, it } from 'vitest';
import { createPacer, createSlots, drainBacklog, drainSeconds } from '../shared/pacing.js';
import type { BacklogPage, Clock } from '../shared/pacing.js';
import { SWEEP_SCHEDULE } from '../shared/services/deliver.js';

/** A clock at 0 that wakes sleepers in the order of their wake-up times, moving time to each. */
function fakeClock(): Clock & { readonly time: () => number } {
  let time = 0;
  let waking = false;
  const sleepers: Array<{ at: number; wake: () => void }> = [];
  const wakeNext = () => {
    waking = false;
    sleepers.sort((a, b) => a.at - b.at);
    const next = sleepers.shift();
    if (!next) return;
    time = Math.max(time, next.at);
    next.wake();
    schedule();
  };
  // After everything runnable now has run (and asked to sleep, or finished).
  const schedule = () => {
    if (waking || sleepers.length === 0) return;
    waking = true;
    setImmediate(wakeNext);
  };
  return {
    now: () => time,
    time: () => time,
    sleep: (ms) =>
      new Promise<void>((wake) => {
        sleepers.push({ at: time + ms, wake });
        schedule();
      }),
  };
}

describe('pacer', () => {
  it('hands out evenly spaced slots at the rate, to callers asking at once, one slot each', async () => {
    const clock = fakeClock();
    const pacer = createPacer(10, clock);
    const granted: number[] = [];
    await Promise.all(Array.from({ length: 25 }, () => pacer.take().then(() => granted.push(clock.now()))));
    expect(granted).toEqual(Array.from({ length: 25 }, (_, i) => i * 100));
  });

  it('refuses, taking nothing, a slot that would come at or after the deadline', async () => {
    const clock = fakeClock();
    const pacer = createPacer(10, clock);
    const answers = await Promise.all(Array.from({ length: 15 }, () => pacer.take(1000)));
    expect(answers.filter(Boolean)).toHaveLength(10); // slots 0, 100 … 900
    expect(clock.time()).toBe(900);
    // The refused slots were not taken: the next caller without a deadline gets the slot at 1000.
    await pacer.take();
    expect(clock.time()).toBe(1000);
  });

  it('lets a burst through at once, then the rate', async () => {
    const clock = fakeClock();
    const pacer = createPacer(4, clock, 3);
    const granted: number[] = [];
    await Promise.all(Array.from({ length: 6 }, () => pacer.take().then(() => granted.push(clock.now()))));
    expect(granted).toEqual([0, 0, 0, 250, 500, 750]);
  });

  it('refuses a rate or a burst that means nothing', () => {
    expect(() => createPacer(0, fakeClock())).toThrow(RangeError);
    expect(() => createPacer(Number.NaN, fakeClock())).toThrow(RangeError);
    expect(() => createPacer(5, fakeClock(), 0)).toThrow(RangeError);
    expect(() => createSlots(0)).toThrow(RangeError);
  });
});

describe('drainBacklog', () => {
  /** A backlog of `count` numbers read `size` at a time, recording each read. */
  function backlog(count: number, size: number) {
    const reads: number[] = [];
    const page = (cursor: number | undefined): Promise<BacklogPage<number, number>> => {
      const from = cursor ?? 0;
      reads.push(from);
      const items = Array.from({ length: Math.min(size, count - from) }, (_, i) => from + i);
      return Promise.resolve({ items, ...(from + size < count ? { next: from + size } : {}) });
    };
    return { page, reads };
  }

  it('pages through the whole backlog oldest first, paced, never more in flight than the bound', async () => {
    const clock = fakeClock();
    const { page, reads } = backlog(50, 7);
    const started: Array<{ item: number; at: number }> = [];
    let inFlight = 0;
    let most = 0;
    const run = { pacer: createPacer(20, clock), slots: createSlots(4), deadline: Infinity, clock };
    const count = await drainBacklog(
      page,
      async (item) => {
        started.push({ item, at: clock.now() });
        most = Math.max(most, ++inFlight);
        await clock.sleep(120); // each send takes 120 ms: at 20/s, three or so are in flight at once
        inFlight--;
      },
      run,
    );
    expect(count).toBe(50);
    expect(started.map(({ item }) => item)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(started.map(({ at }) => at)).toEqual(Array.from({ length: 50 }, (_, i) => i * 50));
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(4);
    expect(reads).toEqual([0, 7, 14, 21, 28, 35, 42, 49]);
  });

  it('stops at the deadline: what it did not start is left (for the next run), and it reads no further', async () => {
    const clock = fakeClock();
    const { page, reads } = backlog(1000, 100);
    const sent: number[] = [];
    const run = { pacer: createPacer(20, clock), slots: createSlots(8), deadline: 1000, clock };
    const count = await drainBacklog(page, (item) => Promise.resolve(void sent.push(item)), run);
    expect(count).toBe(20); // slots 0, 50 … 950
    expect(sent).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(reads).toEqual([0, 100]); // the first page, and the one read ahead
  });

  it('sends at the bound on work in flight when that, not the rate, is what limits it', async () => {
    const clock = fakeClock();
    const { page } = backlog(40, 10);
    const run = { pacer: createPacer(1000, clock), slots: createSlots(2), deadline: Infinity, clock };
    await drainBacklog(page, () => clock.sleep(100), run);
    // 40 sends of 100 ms, two at a time: 2 s (the pacer alone would allow 40 ms, one at a time would take 4 s).
    expect(clock.time()).toBeGreaterThanOrEqual(2000);
    expect(clock.time()).toBeLessThan(2050);
  });
});

describe('drainSeconds', () => {
  it('is backlog ÷ rate when sending never pauses', () => {
    expect(drainSeconds(130_000, 14)).toBeCloseTo(9285.71, 2);
    expect(drainSeconds(0, 14)).toBe(0);
  });

  it('counts the pauses between scheduled runs: 130,000 mails at 14/s take 32 full runs and 166 s of a 33rd', () => {
    expect(SWEEP_SCHEDULE).toEqual({ periodSeconds: 300, sendingSeconds: 285 });
    // 14 × 285 = 3,990 a run; 130,000 − 32 × 3,990 = 2,320 mails left, 165.7 s at 14/s.
    expect(drainSeconds(130_000, 14, SWEEP_SCHEDULE)).toBeCloseTo(32 * 300 + 2320 / 14, 6);
    // A backlog one run sends takes no pause at all.
    expect(drainSeconds(3990, 14, SWEEP_SCHEDULE)).toBeCloseTo(285, 6);
    expect(drainSeconds(3991, 14, SWEEP_SCHEDULE)).toBeCloseTo(300 + 1 / 14, 6);
  });

  it('refuses a rate or a schedule that means nothing', () => {
    expect(() => drainSeconds(10, 0)).toThrow(RangeError);
    expect(() => drainSeconds(10, 1, { periodSeconds: 60, sendingSeconds: 61 })).toThrow(RangeError);
  });
});
