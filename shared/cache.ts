/**
 * A bounded in-memory cache for a warm function: least recently used entries go first once `maxEntries` is reached,
 * and, with `ttlMs`, an entry older than that is treated as absent. It holds only what is safe to be stale — data
 * whose every decision is checked again at commit (see shared/services/orders.ts).
 */
export class BoundedCache<K, V> {
  readonly #entries = new Map<K, { value: V; at: number }>();

  constructor(
    readonly maxEntries: number,
    readonly ttlMs = Number.POSITIVE_INFINITY,
  ) {}

  get(key: K, now = Date.now()): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (now - entry.at >= this.ttlMs) return undefined;
    this.#entries.set(key, entry); // most recently used: last in insertion order
    return entry.value;
  }

  set(key: K, value: V, now = Date.now()): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, at: now });
    if (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value as K);
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
