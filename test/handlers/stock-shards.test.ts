/**
 * The catalogue manager's stock shards (shared/aws/stock.ts) against in-memory tables that apply conditions and
 * transactions as DynamoDB does: splitting a product's stock, evening the shards, a re-price that reaches every shard,
 * a restock to the emptiest, merging shards back — the whole stock never changing but by what is added — and the
 * catalogue showing each product's whole stock, never its shard items. Each change writes one audit record.
 */
import { describe, expect, it } from 'vitest';
import { bodyOf } from '../helpers/aws.js';
import { auditRecords, call, coldStartBeforeEach, tables } from '../helpers/handlers/staff.js';

coldStartBeforeEach();

const product =
  (body?: unknown) =>
  (method: string, suffix = '') =>
    call('root', method, `/admin/products/{sku}${suffix}`, { params: { sku: 'HOT-1' }, ...(body ? { body } : {}) });
const patch = (body: unknown) => product(body)('PATCH');
/** The stored shard items of HOT-1 by number: shard 0 is the product item. */
function shards(): Record<number, { stock: number; priceCents: number }> {
  return Object.fromEntries(
    tables
      .items('inventory')
      .filter((item) => item.sku === 'HOT-1' || String(item.sku).startsWith('HOT-1#'))
      .map((item) => [
        Number(String(item.sku).split('#')[1] ?? 0),
        { stock: Number(item.stock), priceCents: Number(item.priceCents) },
      ]),
  );
}
const stocks = () => Object.values(shards()).map((shard) => shard.stock);
const lastRecord = () => auditRecords().at(-1)!;

async function splitHot(stock: number, count: number) {
  tables.put('inventory', { sku: 'HOT-1', name: 'Hot', priceCents: 500, stock });
  const split = await patch({ stockShards: count });
  expect(split.statusCode, JSON.stringify(bodyOf(split))).toBe(200);
  return split;
}

describe('stock shards', () => {
  it('a split adds shards carrying the price and spreads the stock over them; the catalogue shows the whole stock', async () => {
    const split = await splitHot(10, 4);
    expect(bodyOf(split)).toMatchObject({ sku: 'HOT-1', stock: 10, stockShards: 4 });
    expect(bodyOf(split).shards).toEqual([
      { shard: 0, stock: 3 },
      { shard: 1, stock: 3 },
      { shard: 2, stock: 2 },
      { shard: 3, stock: 2 },
    ]);
    expect(shards()[3]).toEqual({ stock: 2, priceCents: 500 });
    expect(auditRecords().map((record) => [record.action, record.changes])).toEqual([
      ['product.shards', { stockShards: { before: 1, after: 4 }, stock: 10, moved: 0 }],
      [
        'product.rebalance',
        {
          stock: 10,
          moves: [
            { shard: 0, change: -7 },
            { shard: 1, change: 3 },
            { shard: 2, change: 2 },
            { shard: 3, change: 2 },
          ],
        },
      ],
    ]);
    const listed = bodyOf(await call('root', 'GET', '/admin/products')).products as Array<Record<string, unknown>>;
    expect(listed.filter((p) => String(p.sku).startsWith('HOT-1'))).toEqual([
      { sku: 'HOT-1', name: 'Hot', priceCents: 500, stock: 10, stockShards: 4 },
    ]);
  });

  it('a rebalance evens the shards in one transaction, the sum unchanged', async () => {
    await splitHot(10, 4);
    tables.put('inventory', { ...tables.item('inventory', 'HOT-1')!, stock: 0 }); // orders took shard 0's 3
    tables.put('inventory', { ...tables.item('inventory', 'HOT-1#3')!, stock: 9 }); // a restock went to shard 3
    const even = await product()('POST', '/rebalance');
    expect(bodyOf(even)).toMatchObject({ stock: 14 });
    expect(stocks()).toEqual([4, 4, 3, 3]);
    expect(lastRecord()).toMatchObject({ action: 'product.rebalance', changes: { stock: 14 } });
  });

  it('a re-price reaches every shard in the same transaction, so an order checks the new price wherever it takes', async () => {
    await splitHot(10, 3);
    expect((await patch({ priceCents: 650 })).statusCode).toBe(200);
    expect(Object.values(shards()).map((shard) => shard.priceCents)).toEqual([650, 650, 650]);
  });

  it('a restock goes to the emptiest shard; the recorded before → after is the whole stock', async () => {
    await splitHot(9, 3);
    tables.put('inventory', { ...tables.item('inventory', 'HOT-1#2')!, stock: 1 }); // orders took from shard 2
    const restocked = await product({ quantity: 5 })('POST', '/restock');
    expect(bodyOf(restocked)).toMatchObject({ stock: 12 });
    expect(stocks()).toEqual([3, 3, 6]);
    expect(lastRecord()).toMatchObject({
      action: 'product.restock',
      changes: { quantity: 5, shard: 2, stock: { before: 7, after: 12 } },
    });
  });

  it('fewer shards merge the stock of those removed into shard 0; back to one, the product is as if never split', async () => {
    await splitHot(12, 4);
    const fewer = await patch({ stockShards: 2 });
    expect(bodyOf(fewer)).toMatchObject({ stock: 12, stockShards: 2 });
    expect(stocks()).toEqual([9, 3]);
    expect(lastRecord()).toMatchObject({ changes: { stockShards: { before: 4, after: 2 }, moved: 6 } });
    const one = await patch({ stockShards: 1 });
    expect(bodyOf(one)).toMatchObject({ stock: 12 });
    expect(bodyOf(one)).not.toHaveProperty('stockShards');
    expect(tables.item('inventory', 'HOT-1')).not.toHaveProperty('stockShards');
    expect(stocks()).toEqual([12]);
  });

  it('refuses a split outside 1…64 and an unknown product, writing nothing', async () => {
    tables.put('inventory', { sku: 'HOT-1', name: 'Hot', priceCents: 500, stock: 3 });
    for (const stockShards of [0, 65, 2.5]) {
      const refused = await patch({ stockShards });
      expect(refused.statusCode).toBe(400);
      expect(bodyOf(refused)).toMatchObject({ error: { code: 'invalid_request' } });
    }
    const unknown = await call('root', 'PATCH', '/admin/products/{sku}', {
      params: { sku: 'NOPE-1' },
      body: { stockShards: 4 },
    });
    expect(bodyOf(unknown)).toMatchObject({ error: { code: 'not_found' } });
    expect(stocks()).toEqual([3]);
    expect(auditRecords()).toEqual([]);
  });
});
