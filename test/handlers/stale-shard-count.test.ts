/**
 * An order planned on a shard count remembered from before a split (the order function keeps products
 * for a minute) takes its line from shard 0 alone with `shardCount: 1`; when shard 0 is short, the refusal is
 * must not be `out_of_stock` with shard 0's part as "available" while the shards together can fill the line.
 */
import { describe, expect, it } from 'vitest';
import { bodyOf, ddb, TransactWriteCommand } from '../helpers/aws.js';
import { makeKeysBeforeAll } from '../helpers/keys.js';
import { coldStartBeforeEach, conditionFailedAt, envelope, post, world } from '../helpers/handlers/order.js';

makeKeysBeforeAll();
coldStartBeforeEach();

describe('an order after a split, on a remembered shard count', () => {
  it('is not refused out_of_stock while the shards together hold enough', async () => {
    // Warm: WIDGET-1 is remembered unsplit.
    expect((await post({ envelope: envelope() })).statusCode).toBe(201);
    // Staff split WIDGET-1 over 4 shards and rebalance: 11 in all, 2 on shard 0.
    const widget = world.products.get('WIDGET-1')!;
    world.products.set('WIDGET-1', { ...widget, stock: 2, stockShards: 4 });
    for (const shard of [1, 2, 3])
      world.products.set(`WIDGET-1#${shard}`, { sku: `WIDGET-1#${shard}`, priceCents: 1250, stock: 3 } as never);
    // DynamoDB refuses a take of 5 from shard 0 (it holds 2), returning the product item as it is; later rounds commit.
    let sent = 0;
    ddb.on(TransactWriteCommand).callsFake(() => {
      if (sent++ === 0) throw conditionFailedAt(1, world.products.get('WIDGET-1') as never);
      return {};
    });
    const items = [{ sku: 'WIDGET-1', qty: 5, unitPriceCents: 1250 }];
    const answer = await post({ envelope: envelope('ed25519', { items }) });
    expect(bodyOf(answer), JSON.stringify(bodyOf(answer))).not.toMatchObject({ error: { code: 'out_of_stock' } });
    expect(answer.statusCode).toBe(201);
  });
});
