/** Values a test file or describe block makes once, in its `beforeAll`, and reads inside its tests. */
import { afterAll, beforeAll } from 'vitest';

/**
 * Makes `what` in the calling block's `beforeAll` (and disposes of it in its `afterAll`, if `dispose` is given).
 * @returns a reader for the value: inside a test it is made; before, reading it fails with a message saying so
 */
export function madeBeforeAll<T>(
  what: string,
  make: () => T | Promise<T>,
  options: { dispose?: (value: T) => unknown; timeoutMs?: number } = {},
): () => T {
  let made: { value: T } | undefined;
  beforeAll(async () => {
    made = { value: await make() };
  }, options.timeoutMs);
  if (options.dispose) {
    const dispose = options.dispose;
    afterAll(async () => {
      if (made) await dispose(made.value);
    });
  }
  return () => {
    if (!made) throw new Error(`${what} is made in beforeAll: use it inside a test`);
    return made.value;
  };
}
