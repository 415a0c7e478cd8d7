/**
 * An order's transaction has one action per take, and a line that no one shard can fill takes from as many as it needs
 * (planTakes). DynamoDB refuses a TransactWriteItems of more than 100 actions, which would answer 503 on every try: the
 * replanning refuses such an order with its own code instead, before anything is sent.
 */
import { describe, expect, it, vi } from 'vitest';
import type { OrderLine } from '../shared/orders.js';

const SHARDS = Array.from({ length: 64 }, (_, shard) => ({ shard, stock: 100 }));
vi.mock('../shared/aws/catalog.js', () => ({
  getProducts: (skus: string[]) =>
    Promise.resolve(
      new Map(skus.map((sku) => [sku, { sku, name: sku, priceCents: 500, stock: 100, stockShards: 64 }])),
    ),
}));
vi.mock('../shared/aws/stock.js', () => ({ readStockShards: () => Promise.resolve(SHARDS) }));

const line = (sku: string, qty: number): OrderLine => ({ sku, name: sku, qty, unitPriceCents: 500 });

describe('an order planned over many shards', () => {
  it('is refused stock_scattered when its takes would not fit in one transaction (at most 97 with the order, account, ledger)', async () => {
    const { replanTakes, MAX_TAKES } = await import('../shared/services/stock-takes.js');
    const lines = [line('HOT-1', 5_000), line('HOT-2', 5_000)];
    await expect(replanTakes([], lines, ['HOT-1', 'HOT-2'])).rejects.toMatchObject({ code: 'stock_scattered' });
    // One such line fits: 50 takes.
    const one = await replanTakes([], [line('HOT-1', 5_000)], ['HOT-1']);
    expect(one).toHaveLength(50);
    expect(one.length).toBeLessThanOrEqual(MAX_TAKES);
  });
});
