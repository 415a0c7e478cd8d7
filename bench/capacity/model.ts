/**
 * From counted units to ceilings. Each partition of a table or an index takes at most 1,000 write units and 3,000
 * read units a second on DynamoDB; a partition that took `u` units over a run of `n` orders reaches its limit at
 * `limit × n / u` orders a second, if the mix stays the same. A table's (or index's) ceiling is its hottest
 * partition's; the system's, the lowest of them.
 *
 * Two views of the same run. The spread view leaves out the partitions that belong to one entity whose load does not
 * spread however many customers order — the hot SKU, the large customer, one staff member —, and gives the ceiling of
 * the system's total order rate. Each entity view takes that entity's partitions alone, per order of its own: the
 * orders a second one customer may place, one SKU may take, one staff member may fulfil.
 */
import type { Units } from './count.js';
import { TABLE_SHAPES } from './partitions.js';

/** A partition's limits on DynamoDB (units per second). */
export const PARTITION_LIMITS = { write: 1_000, read: 3_000 } as const;

/** Units on one partition. */
export interface PartitionLoad {
  readonly partition: string;
  readonly write: number;
  readonly read: number;
}

/** One table or index in a view. */
export interface ShapeCeiling {
  readonly shape: string;
  /** Units of the whole table or index per counted order (every partition, the entities' too). */
  readonly writePerOrder: number;
  readonly readPerOrder: number;
  /** Share of its write units spent by refused writes (false conditions, cancelled transactions). */
  readonly refusedShare: number;
  /** The partition that reaches its limit first in this view, if any took units. */
  readonly hottest?: {
    readonly partition: string;
    /** Its share of the table's (or index's) units of the binding kind. */
    readonly share: number;
    readonly binding: 'write' | 'read';
    readonly unitsPerOrder: number;
  };
  /** Orders a second at which the hottest partition reaches its limit (Infinity: none took units). */
  readonly ceiling: number;
}

/** Which partitions belong to an entity (a SKU, a customer, a staff member): its ID is a whole part of the key. */
export function belongsTo(partition: string, id: string): boolean {
  return partition.split(/[|#]/).includes(id);
}

/** Units per partition of each table and index. */
export function loads(units: readonly Units[]): Map<string, Map<string, PartitionLoad>> {
  const byShape = new Map<string, Map<string, PartitionLoad>>();
  for (const unit of units) {
    const partitions = byShape.get(unit.shape) ?? new Map<string, PartitionLoad>();
    byShape.set(unit.shape, partitions);
    const was = partitions.get(unit.partition) ?? { partition: unit.partition, write: 0, read: 0 };
    partitions.set(unit.partition, { ...was, [unit.kind]: was[unit.kind] + unit.units });
  }
  return byShape;
}

/** Every table and index label, tables first, each followed by its indexes. */
export const SHAPE_LABELS: readonly string[] = TABLE_SHAPES.flatMap((table) => [
  table.label,
  ...table.indexes.map((index) => index.label),
]);

/**
 * The ceilings of every table and index, counting the partitions `included` keeps, per `orders` (the orders the view
 * counts its rate in).
 */
export function ceilings(
  units: readonly Units[],
  orders: number,
  included: (partition: string) => boolean,
): ShapeCeiling[] {
  const byShape = loads(units);
  return SHAPE_LABELS.map((shape) => {
    const partitions = [...(byShape.get(shape)?.values() ?? [])];
    const total = partitions.reduce((sum, p) => ({ write: sum.write + p.write, read: sum.read + p.read }), {
      write: 0,
      read: 0,
    });
    const refused = units
      .filter((unit) => unit.shape === shape && unit.refused && unit.kind === 'write')
      .reduce((sum, unit) => sum + unit.units, 0);
    let best: ShapeCeiling['hottest'] & { ceiling: number } = undefined as never;
    for (const partition of partitions.filter((p) => included(p.partition)))
      for (const binding of ['write', 'read'] as const) {
        if (partition[binding] === 0) continue;
        const unitsPerOrder = partition[binding] / orders;
        const ceiling = PARTITION_LIMITS[binding] / unitsPerOrder;
        if (best === undefined || ceiling < best.ceiling)
          best = {
            partition: partition.partition,
            share: partition[binding] / total[binding],
            binding,
            unitsPerOrder,
            ceiling,
          };
      }
    return {
      shape,
      writePerOrder: total.write / orders,
      readPerOrder: total.read / orders,
      refusedShare: total.write === 0 ? 0 : refused / total.write,
      ...(best === undefined
        ? { ceiling: Infinity }
        : {
            hottest: {
              partition: best.partition,
              share: best.share,
              binding: best.binding,
              unitsPerOrder: best.unitsPerOrder,
            },
            ceiling: best.ceiling,
          }),
    };
  });
}

/** The lowest ceiling of a view, with the table or index that sets it. */
export function lowest(view: readonly ShapeCeiling[]): { shape: string; ceiling: number } {
  return view.reduce((low, row) => (row.ceiling < low.ceiling ? { shape: row.shape, ceiling: row.ceiling } : low), {
    shape: '(none)',
    ceiling: Infinity,
  });
}
