/**
 * Which stock shards an order takes its lines from (shared/stock.ts): first, each line all from one shard picked at
 * random, so that concurrent orders for a hot SKU write different items; when a shard cannot fill its part (or is
 * gone: the split changed), the shards of that SKU are read and the line taken from as many as it needs — or refused
 * as out of stock, with what all of them hold together.
 */
import { ApiError } from '../errors.js';
import type { OrderLine, Product } from '../orders.js';
import { planTakes, shardCountOf, takeFromOneShard, totalStock } from '../stock.js';
import type { StockTake } from '../stock.js';
import { getProducts } from '../aws/catalog.js';
import { readStockShards } from '../aws/stock.js';
import { unknownSkus } from '../orders.js';

/** The first try: each line from one shard at random, as many shards as the product (as remembered) is split over. */
export function firstTakes(lines: readonly OrderLine[], products: ReadonlyMap<string, Product>): StockTake[] {
  return lines.map((line) => takeFromOneShard(line, shardCountOf(products.get(line.sku) ?? {})));
}

/**
 * The takes again, with the lines of `skus` planned from their shards as they now are (the product read again, then
 * its shards, consistently). The other lines keep their takes.
 * @throws ApiError `out_of_stock` (with the sum of the shards in `available`), `unknown_sku`, `stock_scattered`
 *   (the takes would not fit in one transaction)
 */
export async function replanTakes(
  takes: readonly StockTake[],
  lines: readonly OrderLine[],
  skus: readonly string[],
): Promise<StockTake[]> {
  const products = await getProducts(skus);
  const planned = new Map<string, StockTake[]>();
  for (const sku of skus) {
    const product = products.get(sku);
    const line = lines.find((candidate) => candidate.sku === sku);
    if (!product || !line) throw unknownSkus([sku]);
    const shards = await readStockShards(sku, shardCountOf(product));
    const plan = planTakes(line, shards);
    if (!plan) throw outOfStock(sku, totalStock(shards));
    planned.set(sku, plan);
  }
  const all = [...takes.filter((take) => !planned.has(take.sku)), ...[...planned.values()].flat()];
  if (all.length > MAX_TAKES) throw stockScattered(all.length);
  return all;
}

/**
 * Most stock updates one order's transaction may hold: DynamoDB takes 100 actions, and the order, the account and the
 * ledger entry are three of them.
 */
export const MAX_TAKES = 97;

/**
 * @returns ApiError `stock_scattered`: the units the order asks for are there, but spread over more shards than one
 *   transaction can take from
 */
function stockScattered(takes: number): ApiError {
  return new ApiError(
    'stock_scattered',
    `the stock this order needs is spread over ${takes} items, more than one order can take from (${MAX_TAKES}); ` +
      'order fewer units per order, or ask the OPD to rebalance the product',
  );
}

/** @returns ApiError `out_of_stock`: the line asks for more than `available`, all that is left of `sku` */
export function outOfStock(sku: string, available: number): ApiError {
  return new ApiError('out_of_stock', `not enough stock for ${sku}: ${available} left`, {
    details: { sku, available },
  });
}
