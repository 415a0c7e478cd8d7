/**
 * Sending at a configured rate: a pacer (a token bucket kept as its next free slot), a bound on work in flight, and a
 * drain that pages through a backlog oldest first and hands each item to a sender, paced, until the backlog or the
 * time allowed ends. Pure: time comes from the clock it is given, so tests drive it with a fake one. The mail sweeper
 * (shared/services/notify.ts) drains the owed-mail indexes with it at the SES sending rate the stack is given.
 */

/** Where time comes from: now (epoch milliseconds), and a wait. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The process's clock (Date.now, so that tests that fake the date see it too). */
export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Hands out sending slots at a steady rate. */
export interface Pacer {
  /**
   * Waits for the next slot and returns true; returns false at once, taking nothing, when that slot would come at or
   * after `deadline` (epoch milliseconds).
   */
  take(deadline?: number): Promise<boolean>;
}

/**
 * A pacer of `ratePerSecond` slots a second, at most `burst` of them at once (default 1: evenly spaced, so that no
 * second ever holds more than the rate and one). Each caller reserves its slot when it asks, so callers running at
 * once never share one (a token bucket kept as its theoretical arrival time, GCRA).
 */
export function createPacer(ratePerSecond: number, clock: Clock, burst = 1): Pacer {
  if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) throw new RangeError('the rate must be positive');
  if (!Number.isInteger(burst) || burst < 1) throw new RangeError('the burst must be a positive integer');
  const interval = 1000 / ratePerSecond;
  // The theoretical arrival time of the next slot (GCRA): slots may come up to burst − 1 intervals before it.
  let due = -Infinity;
  return {
    async take(deadline = Infinity) {
      const now = clock.now();
      const base = Math.max(due, now);
      const slot = Math.max(now, base - (burst - 1) * interval);
      if (slot >= deadline) return false;
      due = base + interval;
      if (slot > now) await clock.sleep(slot - now);
      return true;
    },
  };
}

/** A page of a backlog, oldest first, and where the next one starts (none: the backlog ends here). */
export interface BacklogPage<T, Cursor> {
  readonly items: readonly T[];
  readonly next?: Cursor;
}

/** How a drain runs: the pacer it shares, the bound on work in flight it shares, and when it must stop taking work. */
export interface DrainRun {
  readonly pacer: Pacer;
  readonly slots: Slots;
  /** Epoch milliseconds: no item is started at or after it. */
  readonly deadline: number;
  readonly clock: Clock;
}

/** A bound on work in flight, shared by the drains of one run. */
export interface Slots {
  /** Waits for a free slot (first come, first served) and returns the function that frees it. */
  acquire(): Promise<() => void>;
}

/** At most `concurrency` pieces of work at once; the others wait their turn, first come first served. */
export function createSlots(concurrency: number): Slots {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be a positive integer');
  let free = concurrency;
  const waiting: Array<() => void> = [];
  const release = () => {
    // The slot passes straight to the next in line, or is freed.
    const next = waiting.shift();
    if (next) next();
    else free++;
  };
  return {
    async acquire() {
      if (free > 0) free--;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      let released = false;
      return () => {
        if (released) return;
        released = true;
        release();
      };
    },
  };
}

/**
 * Drains a backlog: reads `page(cursor)` after page (the next one read while this one is sent) and starts `send` on
 * each item in order, each once it holds a slot and the pacer's next slot, without waiting for the page to finish,
 * until the pages end or the next slot would come at or after the deadline; then waits for the sends it started.
 * `send` must not throw (it counts its own failures). Returns how many items were started.
 */
export async function drainBacklog<T, Cursor>(
  page: (cursor: Cursor | undefined) => Promise<BacklogPage<T, Cursor>>,
  send: (item: T) => Promise<void>,
  run: DrainRun,
): Promise<number> {
  const sending = new Set<Promise<void>>();
  let started = 0;
  try {
    let current: BacklogPage<T, Cursor> | undefined = await page(undefined);
    while (current) {
      const { items, next }: BacklogPage<T, Cursor> = current;
      // Read ahead: the next page's query overlaps this page's sending.
      const ahead: Promise<BacklogPage<T, Cursor>> | undefined = next === undefined ? undefined : page(next);
      // Handled now (awaited below for its error): a read that fails while this page is being sent must not be an
      // unhandled rejection, which would end the whole run with sends in flight.
      ahead?.catch(() => undefined);
      for (const item of items) {
        const release = await run.slots.acquire();
        if (!(await run.pacer.take(run.deadline))) {
          release();
          return started; // the page read ahead is not needed
        }
        started++;
        const sent: Promise<void> = send(item).finally(() => {
          release();
          sending.delete(sent);
        });
        sending.add(sent);
      }
      current = await ahead;
    }
    return started;
  } finally {
    await Promise.all(sending);
  }
}

/** A sweeper's schedule: it starts every `periodSeconds` and sends for at most `sendingSeconds` of each run. */
export interface SweepSchedule {
  readonly periodSeconds: number;
  readonly sendingSeconds: number;
}

/**
 * How long, in seconds, a backlog of `backlog` mails takes to send at `ratePerSecond`: backlog ÷ rate when sending
 * never pauses; with a `schedule`, each run sends rate × sendingSeconds and the next starts a period later, so the
 * pauses between runs count too (from the first run's start to the last mail, new mail arriving meanwhile not
 * counted).
 */
export function drainSeconds(backlog: number, ratePerSecond: number, schedule?: SweepSchedule): number {
  if (!(ratePerSecond > 0)) throw new RangeError('the rate must be positive');
  if (backlog <= 0) return 0;
  if (!schedule) return backlog / ratePerSecond;
  const { periodSeconds, sendingSeconds } = schedule;
  if (!(sendingSeconds > 0) || sendingSeconds > periodSeconds) throw new RangeError('0 < sendingSeconds ≤ period');
  const perRun = ratePerSecond * sendingSeconds;
  // Full runs before the last one; the last one sends what is left.
  const before = Math.ceil(backlog / perRun) - 1;
  return before * periodSeconds + (backlog - before * perRun) / ratePerSecond;
}
