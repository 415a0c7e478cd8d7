/** Split stock (shared/stock.ts): how an order's line is taken from shards, and how shards are evened out. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpretCancellation } from '../shared/order-outcomes.js';
import {
  emptiestShard,
  planTakes,
  rebalancePlan,
  shardCountOf,
  shardOfItem,
  stockItemKey,
  takeFromOneShard,
  totalStock,
  withShardTotals,
} from '../shared/stock.js';

const shardsOf = (stocks: number[]) => stocks.map((stock, shard) => ({ shard, stock }));
const line = { sku: 'HOT-1', qty: 7, unitPriceCents: 100 };

describe('stock shards', () => {
  it('names shard 0 by the SKU itself and the others SKU#k, and reads them back', () => {
    expect([stockItemKey('HOT-1', 0), stockItemKey('HOT-1', 5)]).toEqual(['HOT-1', 'HOT-1#5']);
    expect(shardOfItem('HOT-1#5')).toEqual({ sku: 'HOT-1', shard: 5 });
    expect(shardOfItem('HOT-1')).toEqual({ sku: 'HOT-1', shard: 0 });
    expect([shardCountOf({}), shardCountOf({ stockShards: 8 }), shardCountOf({ stockShards: 0 })]).toEqual([1, 8, 1]);
  });

  it('takes a line from one shard picked at random, within the shard count', () => {
    expect(takeFromOneShard(line, 8, () => 0.999).shard).toBe(7);
    expect(takeFromOneShard(line, 8, () => 0)).toEqual({ ...line, shard: 0, shardCount: 8 });
    expect(takeFromOneShard(line, 1, () => 0.5).shard).toBe(0);
  });

  it('fills a line from the fullest shards first, or not at all when their sum is short', () => {
    expect(planTakes(line, shardsOf([3, 5, 1, 0]))).toEqual([
      { ...line, shard: 1, qty: 5, shardCount: 4 },
      { ...line, shard: 0, qty: 2, shardCount: 4 },
    ]);
    expect(planTakes(line, shardsOf([3, 2, 1, 0]))).toBeUndefined();
  });

  it('property: a plan takes exactly the quantity, never more than a shard holds, or there is no plan only when Σ < qty', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(50), { minLength: 1, maxLength: 64 }),
        fc.integer({ min: 1, max: 400 }),
        (stocks, qty) => {
          const shards = shardsOf(stocks);
          const plan = planTakes({ ...line, qty }, shards);
          if (!plan) {
            expect(totalStock(shards)).toBeLessThan(qty);
            return;
          }
          expect(plan.reduce((sum, take) => sum + take.qty, 0)).toBe(qty);
          for (const take of plan) {
            expect(take.qty).toBeGreaterThan(0);
            expect(take.qty).toBeLessThanOrEqual(stocks[take.shard]!);
          }
          expect(new Set(plan.map((take) => take.shard)).size).toBe(plan.length);
        },
      ),
    );
  });

  it('property: a rebalance keeps the sum and leaves the shards within one of each other', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { minLength: 1, maxLength: 64 }), (stocks) => {
        const changes = rebalancePlan(shardsOf(stocks));
        expect(changes.reduce((sum, { change }) => sum + change, 0)).toBe(0);
        const after = stocks.map((stock, shard) => stock + (changes.find((c) => c.shard === shard)?.change ?? 0));
        expect(Math.max(...after) - Math.min(...after)).toBeLessThanOrEqual(1);
        expect(changes.every(({ change }) => change !== 0)).toBe(true);
      }),
    );
  });

  it('restocks the emptiest shard, and sums shard items into their product for the catalogue', () => {
    expect(emptiestShard(shardsOf([4, 1, 1, 9]))).toBe(1);
    const items = [
      { sku: 'HOT-1', stock: 4 },
      { sku: 'HOT-1#1', stock: 6 },
      { sku: 'HOT-1#2', stock: 5 },
      { sku: 'COLD-1', stock: 3 },
    ];
    expect(withShardTotals(items)).toEqual([
      { sku: 'HOT-1', stock: 15 },
      { sku: 'COLD-1', stock: 3 },
    ]);
  });
});

describe('a cancelled order transaction on split stock', () => {
  const none = { code: 'None' };
  const failed = (item?: Record<string, unknown>) => ({ code: 'ConditionalCheckFailed', ...(item ? { item } : {}) });
  const take = (shard: number, qty: number, shardCount = 4) => ({ ...line, shard, qty, shardCount });
  const reasons = (...stock: Array<{ code: string; item?: Record<string, unknown> }>) => ({
    order: none,
    lines: stock,
    account: none,
    ledger: none,
  });

  it('a short shard of split stock is not out of stock: the shards are read and the line planned again', () => {
    const outcome = interpretCancellation(reasons(failed({ sku: 'HOT-1#2', priceCents: 100, stock: 1 })), [take(2, 7)]);
    expect(outcome).toEqual({ kind: 'stock_moved', skus: ['HOT-1'] });
  });

  it('a shard gone (the split shrank) is planned again; the product item gone is an unknown SKU', () => {
    expect(interpretCancellation(reasons(failed()), [take(3, 1)])).toEqual({ kind: 'stock_moved', skus: ['HOT-1'] });
    expect(interpretCancellation(reasons(failed()), [take(0, 1)])).toEqual({ kind: 'unknown_sku', skus: ['HOT-1'] });
  });

  it('a price changed on the shard is a price change, named once for the line however many shards said so', () => {
    const shard = { priceCents: 120, stock: 50 };
    expect(interpretCancellation(reasons(failed(shard), failed(shard)), [take(1, 3), take(2, 4)])).toEqual({
      kind: 'price_changed',
      changes: [{ sku: 'HOT-1', signedPriceCents: 100, currentPriceCents: 120 }],
    });
  });

  it('an unsplit product short of stock is out of stock at once, with what it holds', () => {
    expect(interpretCancellation(reasons(failed({ priceCents: 100, stock: 2 })), [take(0, 7, 1)])).toEqual({
      kind: 'out_of_stock',
      sku: 'HOT-1',
      available: 2,
    });
  });
});
