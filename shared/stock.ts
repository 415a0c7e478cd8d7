/**
 * A product's stock split over several items ("shards"), so that concurrent orders for one SKU write different items:
 * one item takes at most 1,000 write units a second, and an order's transactional decrement costs 2, so an unsplit
 * SKU sells at most ~500 orders a second (fewer under transaction conflicts). Pure: the adapter is shared/aws/stock.ts.
 *
 * The product item (`sku`) is shard 0; shards 1…N−1 are items `SKU#1` … `SKU#N-1` of the same table (a SKU cannot
 * contain `#`, shared/rules.ts). Every shard carries the product's price, so that an order checks the signed price on
 * the shard it takes from: a check on the product item itself would put every order of the SKU back on one item.
 * Stock is the sum over the shards; every change of it is conditional on the shard it touches, so no shard goes below
 * zero and the sum moves by exactly what orders, cancellations and restocks move.
 */
import { PRODUCT_LIMITS } from './rules.js';

/** One shard's stock, by its number (0: the product item). */
export interface StockShard {
  readonly shard: number;
  readonly stock: number;
}

/** How many shards a product's stock is split over (1 when it is not split). */
export function shardCountOf(product: { readonly stockShards?: number | undefined }): number {
  const count = product.stockShards ?? 1;
  return Number.isInteger(count) && count >= 1 && count <= PRODUCT_LIMITS.maxStockShards ? count : 1;
}

/** The key (`sku` attribute) of shard `shard` of a product: the product's own for 0, `SKU#k` for the others. */
export function stockItemKey(sku: string, shard: number): string {
  return shard === 0 ? sku : `${sku}#${shard}`;
}

/** Whether an inventory item is a shard item (`SKU#k`) rather than a product. */
export function isShardItem(item: { readonly sku: string }): boolean {
  return item.sku.includes('#');
}

/** The product a shard item's key belongs to, and the shard's number. */
export function shardOfItem(key: string): { sku: string; shard: number } {
  const at = key.indexOf('#');
  return at < 0 ? { sku: key, shard: 0 } : { sku: key.slice(0, at), shard: Number(key.slice(at + 1)) };
}

/** What a product's shards hold in all. */
export function totalStock(shards: readonly StockShard[]): number {
  return shards.reduce((total, shard) => total + shard.stock, 0);
}

/** A part of an order line taken from one shard: the signed price is checked there. */
export interface StockTake {
  readonly sku: string;
  readonly shard: number;
  readonly qty: number;
  readonly unitPriceCents: number;
  /** How many shards the product had when the take was planned: with one, a short shard is the whole stock. */
  readonly shardCount: number;
}

/**
 * The first try for a line: all of it from one shard picked at random (`random` in [0, 1)), so that concurrent orders
 * spread over the shards. Most orders for a stocked SKU end here.
 */
export function takeFromOneShard(
  line: { readonly sku: string; readonly qty: number; readonly unitPriceCents: number },
  shardCount: number,
  random: () => number = Math.random,
): StockTake {
  const shard = Math.min(shardCount - 1, Math.floor(random() * shardCount));
  return { sku: line.sku, shard, qty: line.qty, unitPriceCents: line.unitPriceCents, shardCount };
}

/**
 * How to fill `qty` from the shards as read: from the fullest first, so that as few shards as possible are written.
 * `undefined` when their sum cannot fill it (the answer is then `out_of_stock`, with that sum).
 */
export function planTakes(
  line: { readonly sku: string; readonly qty: number; readonly unitPriceCents: number },
  shards: readonly StockShard[],
): StockTake[] | undefined {
  if (totalStock(shards) < line.qty) return undefined;
  const takes: StockTake[] = [];
  let left = line.qty;
  for (const { shard, stock } of [...shards].sort((a, b) => b.stock - a.stock || a.shard - b.shard)) {
    if (left === 0) break;
    const qty = Math.min(stock, left);
    if (qty > 0)
      takes.push({ sku: line.sku, shard, qty, unitPriceCents: line.unitPriceCents, shardCount: shards.length });
    left -= qty;
  }
  return takes;
}

/** The shard a restock or a refund goes to: the emptiest (the lowest-numbered among equals). */
export function emptiestShard(shards: readonly StockShard[]): number {
  return [...shards].sort((a, b) => a.stock - b.stock || a.shard - b.shard)[0]?.shard ?? 0;
}

/**
 * How to even out the shards: the change of each shard whose stock moves (the sum of the changes is 0), so that each
 * holds ⌊sum ÷ N⌋ and the first `sum mod N` one more.
 */
export function rebalancePlan(shards: readonly StockShard[]): Array<{ shard: number; change: number }> {
  const sum = totalStock(shards);
  const ordered = [...shards].sort((a, b) => a.shard - b.shard);
  const even = Math.floor(sum / ordered.length);
  const extra = sum % ordered.length;
  return ordered
    .map(({ shard, stock }, index) => ({ shard, change: even + (index < extra ? 1 : 0) - stock }))
    .filter(({ change }) => change !== 0);
}

/**
 * The catalogue as a scan of the inventory table reads it: its products, each with the stock of its shard items added
 * to its own (the whole stock), the shard items themselves left out.
 */
export function withShardTotals<P extends { readonly sku: string; readonly stock: number }>(items: readonly P[]): P[] {
  const shardStock = new Map<string, number>();
  for (const item of items)
    if (isShardItem(item)) {
      const { sku } = shardOfItem(item.sku);
      shardStock.set(sku, (shardStock.get(sku) ?? 0) + item.stock);
    }
  return items
    .filter((item) => !isShardItem(item))
    .map((item) => (shardStock.has(item.sku) ? { ...item, stock: item.stock + shardStock.get(item.sku)! } : item));
}
