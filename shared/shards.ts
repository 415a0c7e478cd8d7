/**
 * Write-sharded index keys. A DynamoDB partition takes at most 1,000 write units a second, so an index whose key has
 * few values (an order's status, whether it owes mail) would cap every write that changes it: each such value is
 * stored as one of several keys, `${value}#${shard}`, the shard a pure function of the item's ID. Readers query every
 * shard and merge the pages into one order ({@link mergeShardReads}). Pure: no Node or AWS module, so that the browser
 * could use it as the handlers do.
 */

/**
 * The shard of `id` among `count`: FNV-1a (32 bits) over its UTF-8 bytes, modulo `count`. Stable across runs and
 * machines (unlike a language's own string hash), and cheap: it runs once per order write.
 */
export function shardOf(id: string, count: number): number {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`a shard count is a positive integer, not ${count}`);
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(id)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % count;
}

/** A sharded key value: `accepted#17`, `owed#3`. */
export function shardKey<V extends string>(value: V, shard: number): `${V}#${number}` {
  return `${value}#${shard}`;
}

/** Every sharded key of `value`, shard 0 first: what a reader of the whole value queries. */
export function shardKeys<V extends string>(value: V, count: number): Array<`${V}#${number}`> {
  return Array.from({ length: count }, (_, shard) => shardKey(value, shard));
}

/**
 * An entry of a sharded index in the order readers give: its sort key (a time), then its customer ID, then its order
 * ID. Sort keys tie (two orders in one millisecond), and DynamoDB returns ties in no promised order; the IDs make the
 * order total, so a page's last entry says exactly where the next page starts.
 */
export interface ShardEntry {
  readonly sort: string | number;
  readonly customerId: string;
  readonly orderId: string;
}

/** Compares two entries in the total order of {@link ShardEntry}: negative if `a` comes first. */
export function compareEntries(a: ShardEntry, b: ShardEntry): number {
  return (
    compareValues(a.sort, b.sort) || compareValues(a.customerId, b.customerId) || compareValues(a.orderId, b.orderId)
  );
}

// Sort keys here are times (ISO 8601 strings, epoch milliseconds): ASCII, so JavaScript's order of strings is
// DynamoDB's (by UTF-8 bytes) as well.
function compareValues(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * What has been read of one shard so far: its entries in the order DynamoDB returned them (by sort key; ties in any
 * order), including any at or before the page's start, and whether the shard has been read to its end.
 */
export interface ShardRead<T extends ShardEntry> {
  readonly entries: readonly T[];
  readonly done: boolean;
}

/** What {@link mergeShardReads} decided: a page, or which shards to read further before one can be told. */
export type MergeOutcome<T extends ShardEntry> =
  { readonly page: T[]; readonly more: boolean } | { readonly readMore: number[] };

/**
 * Merges what was read of every shard into one page of at most `limit` entries, those after `after` in the total
 * order, or says which shards must be read further first. An entry is final once no shard can still hold one before
 * it: a shard not read to its end may hold more at (or after) the sort key of the last entry read from it, so only
 * entries whose sort key is below every such shard's last one are final. When fewer than `limit` are, the shards whose
 * last sort key is that lowest one (or that have none read yet) are read further. `more` says whether entries may
 * follow the page (then its last entry is where the next page starts).
 */
export function mergeShardReads<T extends ShardEntry>(
  reads: readonly ShardRead<T>[],
  limit: number,
  after?: ShardEntry,
): MergeOutcome<T> {
  const open = reads.flatMap((read, shard) => (read.done ? [] : [{ shard, last: read.entries.at(-1)?.sort }]));
  const unread = open.filter((shard) => shard.last === undefined);
  if (unread.length > 0) return { readMore: unread.map((shard) => shard.shard) };
  const bound = open.reduce<string | number | undefined>(
    (lowest, shard) => (lowest === undefined || shard.last! < lowest ? shard.last : lowest),
    undefined,
  );
  const candidates = reads
    .flatMap((read) => read.entries)
    .filter((entry) => after === undefined || compareEntries(entry, after) > 0);
  const final = candidates.filter((entry) => bound === undefined || entry.sort < bound).sort(compareEntries);
  if (final.length >= limit || bound === undefined)
    return { page: final.slice(0, limit), more: candidates.length > limit || open.length > 0 };
  return { readMore: open.filter((shard) => shard.last === bound).map((shard) => shard.shard) };
}
