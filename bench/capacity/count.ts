/**
 * The capacity units one DynamoDB request costs, from what the recorder saw of it (bench/capacity/recorder.ts): for a
 * write, the item's images before and after; for a read, the items it read. Pure: the unit test checks it against
 * hand-computed items (test/capacity.test.ts).
 *
 * Writes: 1 unit per KiB of the larger of the two images, rounded up, on the table; twice that inside
 * TransactWriteItems. A transactional ConditionCheck is counted like a write of its item (DynamoDB's documentation
 * does not price it apart; counting it as a write is the conservative reading). Each index of the table gets the
 * entry the write changed — a put, a delete, a delete and a put when its keys moved, an update when only its projected
 * attributes changed, nothing when neither — at 1 unit per KiB of the entry (its attributes plus 100 bytes), never
 * doubled (index writes are not transactional). A refused write (a false condition, a cancelled transaction) is
 * charged on the table as if written, and writes no index entry.
 *
 * Reads: 1 unit per 4 KiB of the item, rounded up, at least 1; half for an eventually consistent read, twice inside
 * TransactGetItems. A Query or Scan sums the sizes of the items it evaluated, then rounds.
 */
import { inIndex, partitionOf } from './partitions.js';
import type { IndexShape, PartitionedShape, TableShape } from './partitions.js';
import { indexEntrySize, itemSize, project, readUnitsOf, writeUnitsOf } from './sizing.js';
import type { Item, ReadMode } from './sizing.js';

/** Units spent on one partition of one table or index by one request. */
export interface Units {
  /** The table (`orders`) or index (`orders/byStatus`). */
  readonly shape: string;
  /** The partition key value, or `value|sort` where the limit binds each item (bench/capacity/partitions.ts). */
  readonly partition: string;
  readonly kind: 'read' | 'write';
  readonly units: number;
  /** Spent by a write DynamoDB refused (a false condition, a cancelled transaction): charged, nothing written. */
  readonly refused: boolean;
  /** What spent them: `PutItem`, `TransactWriteItems Update`, `index delete`, `Query`… */
  readonly operation: string;
}

/** One item write as the recorder saw it. */
export interface ItemWrite {
  readonly action: 'Put' | 'Update' | 'Delete' | 'ConditionCheck';
  /** The item's key: names its partition when neither image exists. */
  readonly key: Item;
  /** The item before the write (undefined: there was none). */
  readonly before: Item | undefined;
  /** The item after the write (undefined: deleted, or none); for a refused Put, the item it would have written. */
  readonly after: Item | undefined;
  readonly transactional: boolean;
  readonly refused: boolean;
  /** The request's operation, for the record: `PutItem`, `TransactWriteItems`… */
  readonly operation: string;
}

/** The entry `item` has in `index`, if any: the projected attributes. */
function entryOf(index: IndexShape, item: Item | undefined): Item | undefined {
  if (!inIndex(index, item)) return undefined;
  return index.projection === 'all' ? item : project(item!, index.projection);
}

/** A value in a canonical text form (sets sorted, map members sorted), for comparing entries. */
function canonical(value: unknown): string {
  if (value instanceof Set) return `set:${JSON.stringify([...(value as Set<unknown>)].map(canonical).sort())}`;
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value instanceof Uint8Array) return `bin:${Buffer.from(value).toString('base64')}`;
  if (typeof value === 'object' && value !== null) {
    if (value.constructor?.name === 'NumberValue') return `n:${(value as { value: string }).value}`;
    const members = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${members.map(([name, member]) => `${JSON.stringify(name)}:${canonical(member)}`).join(',')}}`;
  }
  return typeof value === 'number' ? `n:${value}` : JSON.stringify(value);
}

/** The entry writes an item write makes on `index`. */
export function indexWrites(index: IndexShape, before: Item | undefined, after: Item | undefined): Units[] {
  const was = entryOf(index, before);
  const is = entryOf(index, after);
  const entry = (entryItem: Item, operation: string, bytes = indexEntrySize(entryItem)): Units => ({
    shape: index.label,
    partition: partitionOf(index, entryItem),
    kind: 'write',
    units: writeUnitsOf(bytes),
    refused: false,
    operation,
  });
  if (!was && !is) return [];
  if (!was) return [entry(is!, 'index put')];
  if (!is) return [entry(was, 'index delete')];
  const keysMoved = [index.partitionKey, ...(index.sortKey ? [index.sortKey] : [])].some(
    (name) => canonical(was[name]) !== canonical(is[name]),
  );
  if (keysMoved) return [entry(was, 'index delete'), entry(is, 'index put')];
  if (canonical(was) === canonical(is)) return [];
  return [entry(is, 'index update', Math.max(indexEntrySize(was), indexEntrySize(is)))];
}

/** The units one item write costs: on its table, and on each index whose entry it changed. */
export function writeCost(table: TableShape, write: ItemWrite): Units[] {
  const bytes = Math.max(write.before ? itemSize(write.before) : 0, write.after ? itemSize(write.after) : 0);
  const own: Units = {
    shape: table.label,
    partition: partitionOf(table, write.after ?? write.before ?? write.key),
    kind: 'write',
    units: writeUnitsOf(bytes) * (write.transactional ? 2 : 1),
    refused: write.refused,
    operation: write.transactional ? `TransactWriteItems ${write.action}` : write.operation,
  };
  if (write.refused || write.action === 'ConditionCheck') return [own];
  return [own, ...table.indexes.flatMap((index) => indexWrites(index, write.before, write.after))];
}

/** The units of reading one item (GetItem, BatchGetItem's each, TransactGetItems' each): `item` undefined if none. */
export function itemReadCost(table: TableShape, key: Item, item: Item | undefined, mode: ReadMode): Units {
  return {
    shape: table.label,
    partition: partitionOf(table, item ?? key),
    kind: 'read',
    units: readUnitsOf(item ? itemSize(item) : 0, mode),
    refused: false,
    operation: mode === 'transactional' ? 'TransactGetItems' : 'GetItem',
  };
}

/**
 * The units of one Query or Scan page on a table or an index: the sizes of the items (or index entries) it evaluated,
 * summed, then rounded up to 4 KiB. `partition` is the key value it read (a Scan's: `(scan)`).
 */
export function queryCost(
  shape: PartitionedShape,
  partition: string,
  evaluated: readonly Item[],
  mode: ReadMode,
  operation: 'Query' | 'Scan',
): Units {
  const bytes = evaluated.reduce((total, item) => total + itemSize(item), 0);
  return { shape: shape.label, partition, kind: 'read', units: readUnitsOf(bytes, mode), refused: false, operation };
}
