/**
 * DynamoDB's sizing rules, as its documentation states them, on plain (unmarshalled) values: an item's size, the
 * write units of one item write (1 per KiB, rounded up), the read units of a read (1 per 4 KiB, rounded up; half for
 * an eventually consistent read, twice for a transactional one), and an index entry's size and write units. Used by
 * the capacity model (bench/capacity/) and by test/operations.test.ts, which keeps docs/operations.md's unit counts in
 * step with the code.
 */
/** One KiB: a write unit's worth of item. */
export const WRITE_UNIT_BYTES = 1024;
/** Four KiB: a read unit's worth of item. */
export const READ_UNIT_BYTES = 4096;
/**
 * What DynamoDB adds to each index entry (its documentation: the entry's attributes plus 100 bytes). Counted on index
 * writes; an index read is charged on the projected attributes alone.
 */
export const INDEX_ENTRY_OVERHEAD_BYTES = 100;

/** An item or an index entry: attribute names and their plain values. */
export type Item = Readonly<Record<string, unknown>>;

/**
 * The size of a number: 1 byte per two significant digits, plus 1. Leading and trailing zeros are not significant,
 * nor are the sign and the decimal point.
 */
function numberSize(text: string): number {
  const digits = text
    .replace(/[-+.]/g, '')
    .replace(/e.*$/i, '')
    .replace(/^0+|0+$/g, '');
  return Math.ceil(digits.length / 2) + 1;
}

/**
 * A number as `unmarshall(…, { wrapNumbers: true })` gives it (util-dynamodb's NumberValue): its digits kept as text.
 * Recognised by shape, so that this module loads without the SDK.
 */
function isWrappedNumber(value: unknown): value is { value: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    value.constructor?.name === 'NumberValue' &&
    typeof (value as { value?: unknown }).value === 'string'
  );
}

/**
 * DynamoDB's size of a value: strings in UTF-8 bytes, binaries in bytes, numbers by their significant digits, a
 * boolean or null 1 byte, a map or list 3 bytes plus 1 per member (a map's member also its name), a set the sum of its
 * members.
 */
export function sizeOf(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number' || typeof value === 'bigint') return numberSize(String(value));
  if (isWrappedNumber(value)) return numberSize(value.value);
  if (typeof value === 'boolean' || value === null) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...(value as Set<unknown>)].reduce((total: number, m) => total + sizeOf(m), 0);
  if (Array.isArray(value)) return 3 + value.reduce((total: number, member) => total + 1 + sizeOf(member), 0);
  if (typeof value === 'object')
    return (
      3 +
      Object.entries(value as Record<string, unknown>).reduce(
        (total, [name, member]) => total + 1 + Buffer.byteLength(name) + sizeOf(member),
        0,
      )
    );
  return 0;
}

/** An item's size: each attribute's name (UTF-8 bytes) and value. */
export function itemSize(item: Item): number {
  return Object.entries(item).reduce((total, [name, value]) => total + Buffer.byteLength(name) + sizeOf(value), 0);
}

/** Write units of one item write of `bytes`: 1 per KiB, rounded up, at least 1. */
export function writeUnitsOf(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / WRITE_UNIT_BYTES));
}

/** Write units of one item write (not transactional). */
export function writeUnits(item: Item): number {
  return writeUnitsOf(itemSize(item));
}

/** How a read is made: strongly or eventually consistent, or inside a transaction (always strongly consistent). */
export type ReadMode = 'consistent' | 'eventual' | 'transactional';

/** Read units of reading `bytes` in one read (an item, or a Query's page summed): 1 per 4 KiB, rounded up, at least 1. */
export function readUnitsOf(bytes: number, mode: ReadMode): number {
  const units = Math.max(1, Math.ceil(bytes / READ_UNIT_BYTES));
  return mode === 'eventual' ? units / 2 : mode === 'transactional' ? units * 2 : units;
}

/** The attributes of `item` among `names` (an index entry's, for a projection that names them). */
export function project(item: Item, names: readonly string[]): Item {
  return Object.fromEntries(names.filter((name) => name in item).map((name) => [name, item[name]]));
}

/** The size of an index entry as written: its projected attributes and the per-entry overhead. */
export function indexEntrySize(entry: Item): number {
  return itemSize(entry) + INDEX_ENTRY_OVERHEAD_BYTES;
}

/** An index entry's write units: its keys, the table's keys, the projected attributes, and 100 bytes of overhead. */
export function indexEntry(item: Item, names: readonly string[]): number {
  return writeUnitsOf(indexEntrySize(project(item, names)));
}
