/**
 * Review finding: an order's transaction has one action per take, and a line that no one shard can fill takes from as
 * many as it needs (planTakes), with no bound across lines. DynamoDB refuses a TransactWriteItems of more than 100
 * actions (ValidationException), which the order path answers 503 on every try, though the stock is there.
 */
import { describe, expect, it } from 'vitest';
import { planTakes } from '../shared/stock.js';

describe('an order planned over many shards', () => {
  it('fits in one DynamoDB transaction (at most 100 actions: the takes, the order, the account, the ledger entry)', () => {
    // Two hot SKUs split over 64 shards, evened out at 100 each (6,400 each); a line of 5,000 of each.
    const shards = Array.from({ length: 64 }, (_, shard) => ({ shard, stock: 100 }));
    const takes = ['HOT-1', 'HOT-2'].flatMap(
      (sku) => planTakes({ sku, qty: 5_000, unitPriceCents: 500 }, shards) ?? [],
    );
    expect(takes.length + 3).toBeLessThanOrEqual(100);
  });
});
