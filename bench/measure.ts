/**
 * How the benchmarks measure: a rate (operations per second on one core), concurrent clients' latencies, and the
 * statistics reported from them (median, percentile).
 */

/** Runs `op` repeatedly for about `ms` milliseconds; returns operations per second. */
export async function rate(ms: number, op: (i: number) => unknown): Promise<number> {
  let count = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(ms) * 1_000_000n;
  while (process.hrtime.bigint() - start < budget) {
    for (let j = 0; j < 16; j++) await op(count++);
  }
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

/**
 * Runs `perClient` calls of `work(client, n)` on each of `clients` concurrent workers; returns the latencies (ms,
 * sorted) and the elapsed seconds.
 */
export async function drive(
  perClient: number,
  clients: number,
  work: (client: number, n: number) => Promise<void>,
): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let n = 0; n < perClient; n++) {
        const t = process.hrtime.bigint();
        await work(client, n);
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** The middle value (the upper one of the two middles for an even count). */
export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The `p`th percentile of values sorted ascending: the value at index ⌊p% × count⌋, or the last. */
export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
