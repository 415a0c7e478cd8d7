/**
 * The tables and indexes the capacity model counts, read from contract/tables.ts, each with the granularity at which
 * DynamoDB's per-partition limit binds it. A partition key value takes at most 1,000 write units and 3,000 read units
 * a second. Adaptive capacity may split a hot key's item collection between items, but only where the sort key does
 * not keep growing: writes that always land at the end of the collection (a ledger's next entry, the newest audit
 * record, an index sorted by time) all go to its last split, so there the limit binds the whole key value. Where the
 * sort key is random (an order's ID is the envelope's `jti`), the collection can be split down to one item, and the
 * limit binds each item. Without a sort key a key value is one item: the two are the same.
 */
import { TABLES } from '../../contract/tables.js';
import type { IndexDefinition, KeyAttribute, TableName } from '../../contract/tables.js';

/** Where the per-partition limit binds: each partition key value, or each item (a random sort key). */
export type Granularity = 'key' | 'item';

/**
 * Sort keys whose values are random (new IDs), not growing: an item collection under them can be split by heat. Every
 * other sort key is taken to grow (a sequence number, a time), the conservative reading.
 */
const RANDOM_SORT_KEYS: ReadonlySet<string> = new Set(['orderId', 'noticeId', 'kid']);

/** A table or an index, as the model needs it. */
export interface PartitionedShape {
  /** `orders`, or `orders/byStatus` for an index. */
  readonly label: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly granularity: Granularity;
}

/** An index: its shape and the attributes of its entries (`all`: the whole item). */
export interface IndexShape extends PartitionedShape {
  readonly name: string;
  /** Index keys, then the table's keys, then the included attributes; `all` for an index projecting everything. */
  readonly projection: readonly string[] | 'all';
}

/** A table with its indexes. */
export interface TableShape extends PartitionedShape {
  readonly name: TableName;
  readonly indexes: readonly IndexShape[];
}

function granularityOf(sortKey: KeyAttribute | undefined): Granularity {
  return sortKey !== undefined && RANDOM_SORT_KEYS.has(sortKey.name) ? 'item' : 'key';
}

function indexShape(table: TableName, tableKeys: readonly string[], index: IndexDefinition): IndexShape {
  const keys = [index.partitionKey.name, ...(index.sortKey ? [index.sortKey.name] : [])];
  return {
    name: index.name,
    label: `${table}/${index.name}`,
    partitionKey: index.partitionKey.name,
    ...(index.sortKey ? { sortKey: index.sortKey.name } : {}),
    granularity: granularityOf(index.sortKey),
    projection: index.include === 'all' ? 'all' : [...new Set([...keys, ...tableKeys, ...(index.include ?? [])])],
  };
}

/** Every table of contract/tables.ts with its indexes. */
export const TABLE_SHAPES: readonly TableShape[] = TABLES.map((table) => {
  const keys = [table.partitionKey.name, ...(table.sortKey ? [table.sortKey.name] : [])];
  return {
    name: table.name,
    label: table.name,
    partitionKey: table.partitionKey.name,
    ...(table.sortKey ? { sortKey: table.sortKey.name } : {}),
    granularity: granularityOf(table.sortKey),
    indexes: (table.indexes ?? []).map((index) => indexShape(table.name, keys, index)),
  };
});

/** The text of a key value (numbers kept as DynamoDB holds them). */
function keyText(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'value' in value) return String(value.value);
  return String(value);
}

/**
 * The partition an item (or an index entry) falls in, as the limit binds it: `value` of its partition key, or
 * `value|sort` where the limit binds each item.
 */
export function partitionOf(shape: PartitionedShape, item: Readonly<Record<string, unknown>>): string {
  const key = keyText(item[shape.partitionKey]);
  return shape.granularity === 'item' && shape.sortKey !== undefined ? `${key}|${keyText(item[shape.sortKey])}` : key;
}

/** Whether `item` has an entry in `index`: it holds every key attribute of the index (sparse indexes). */
export function inIndex(index: IndexShape, item: Readonly<Record<string, unknown>> | undefined): boolean {
  return (
    item !== undefined &&
    item[index.partitionKey] !== undefined &&
    (!index.sortKey || item[index.sortKey] !== undefined)
  );
}
