/**
 * Reading a write-sharded index of the orders table (contract/tables.ts `ORDER_INDEX_SHARDS`): every shard of a value
 * queried in parallel, oldest first, and merged into one page in the total order of shared/shards.ts (sort key, then
 * customer ID, then order ID), continuing exactly after a given entry. DynamoDB orders an index's items by its sort
 * key alone (ties in no promised order), so a page continues from its last entry's sort key, inclusive, and drops what
 * is not after that entry; a shard with many entries at one sort key is read on (with DynamoDB's own
 * `LastEvaluatedKey`, within the request) until the merge can tell the page.
 */
import type { KeyAttribute } from '../../contract/tables.js';
import { mergeShardReads, shardKeys } from '../shards.js';
import type { ShardEntry } from '../shards.js';
import { queryOrders } from './orders-table.js';

/** What to read of a sharded index. */
export interface ShardedQuery<T extends ShardEntry> {
  /** The index: a partition key holding `${value}#${shard}`, and a sort key. */
  readonly index: { readonly name: string; readonly partitionKey: KeyAttribute; readonly sortKey: KeyAttribute };
  /** The unsharded key value (`accepted`, `owed`). */
  readonly value: string;
  readonly shards: number;
  readonly limit: number;
  /** The entry the page continues after (the previous page's last): only entries after it are read. */
  readonly after?: ShardEntry | undefined;
  /** Only entries whose sort key is below this. */
  readonly before?: string | number | undefined;
  /** An index item as the entry the page holds. */
  readonly entry: (item: Record<string, unknown>) => T;
}

/** One shard's reading: what it gave, where DynamoDB said to go on, whether it is read to its end. */
interface Reading<T> {
  readonly key: string;
  readonly entries: T[];
  start?: Record<string, unknown>;
  done: boolean;
}

/**
 * One page of a sharded index, at most `limit` entries in the total order, all after `after` (and below `before`), and
 * whether more may follow. Each round queries, in parallel, the shards the merge asks for, `limit` items each: the
 * first round reads every shard, and usually settles the page.
 */
export async function querySharded<T extends ShardEntry>(
  query: ShardedQuery<T>,
): Promise<{ page: T[]; more: boolean }> {
  const { after, before } = query;
  // Nothing is both after `after` and below `before`: BETWEEN with reversed bounds is refused, so do not ask.
  if (after !== undefined && before !== undefined && after.sort >= before) return { page: [], more: false };
  const readings: Reading<T>[] = shardKeys(query.value, query.shards).map((key) => ({ key, entries: [], done: false }));
  for (;;) {
    const outcome = mergeShardReads(readings, query.limit, after);
    if ('page' in outcome) return outcome;
    await Promise.all(outcome.readMore.map((shard) => readMore(query, readings[shard]!)));
  }
}

/** One more query of a shard, from where it stopped (or from the page's start), `limit` items. */
async function readMore<T extends ShardEntry>(query: ShardedQuery<T>, reading: Reading<T>): Promise<void> {
  const { index, after, before } = query;
  const range =
    after !== undefined && before !== undefined
      ? ' AND #sort BETWEEN :from AND :before'
      : after !== undefined
        ? ' AND #sort >= :from'
        : before !== undefined
          ? ' AND #sort < :before'
          : '';
  const result = await queryOrders({
    IndexName: index.name,
    KeyConditionExpression: `#key = :key${range}`,
    ExpressionAttributeNames: { '#key': index.partitionKey.name, ...(range ? { '#sort': index.sortKey.name } : {}) },
    ExpressionAttributeValues: {
      ':key': reading.key,
      ...(after === undefined ? {} : { ':from': after.sort }),
      ...(before === undefined ? {} : { ':before': before }),
    },
    ScanIndexForward: true,
    Limit: query.limit,
    ...(reading.start ? { ExclusiveStartKey: reading.start } : {}),
  });
  const entries = (result.Items ?? []).map(query.entry);
  // BETWEEN includes `before` itself: an entry there ends the shard (everything after it is there or later).
  const below = before === undefined ? entries : entries.filter((entry) => entry.sort < before);
  reading.entries.push(...below);
  reading.start = result.LastEvaluatedKey;
  reading.done = reading.start === undefined || below.length < entries.length;
}
