/**
 * What staff read besides accounts: the catalogue (`GET /admin/products`, `GET /admin/products/{sku}`, products:read)
 * and one customer's orders in the queue (`GET /admin/orders?customer=ID`, orders:read: newest first, every status
 * unless one is named, page by page through the customer index), against the in-memory tables.
 */
import { describe, expect, it } from 'vitest';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { ORDER_INDEX_SHARDS } from '../../contract/tables.js';
import { shardOf } from '../../shared/shards.js';
import { orderAt } from '../helpers/handlers/read-admin-notify.js';
import { bodyOf } from '../helpers/aws.js';
import { call, coldStartBeforeEach, tables, world } from '../helpers/handlers/staff.js';

coldStartBeforeEach();

const errorOf = (response: APIGatewayProxyResult) => (bodyOf(response).error ?? {}) as Record<string, unknown>;

describe('GET /admin/products and GET /admin/products/{sku}', () => {
  it('list and show products with their stock and the catalogue’s currency, to a clerk (products:read)', async () => {
    world.products.set('WIDGET-1', { sku: 'WIDGET-1', name: 'Widget', priceCents: 1250, stock: 10 });
    world.products.set('BOLT-3', { sku: 'BOLT-3', name: 'Bolt', priceCents: 5, stock: 0 });
    const list = await call('clerk1', 'GET', '/admin/products');
    expect(list.statusCode).toBe(200);
    expect(bodyOf(list)).toEqual({
      currency: 'USD',
      products: [
        { sku: 'BOLT-3', name: 'Bolt', priceCents: 5, stock: 0 },
        { sku: 'WIDGET-1', name: 'Widget', priceCents: 1250, stock: 10 },
      ],
    });
    const one = await call('clerk1', 'GET', '/admin/products/{sku}', { params: { sku: 'WIDGET-1' } });
    expect(bodyOf(one)).toEqual({ sku: 'WIDGET-1', name: 'Widget', priceCents: 1250, stock: 10, currency: 'USD' });
    const missing = await call('clerk1', 'GET', '/admin/products/{sku}', { params: { sku: 'NOPE-1' } });
    expect([missing.statusCode, errorOf(missing).code]).toEqual([404, 'not_found']);
    const bad = await call('clerk1', 'GET', '/admin/products/{sku}', { params: { sku: '-x' } });
    expect([bad.statusCode, errorOf(bad).message]).toEqual([400, 'the SKU in the URL is not a valid one']);
  });

  it('need products:read: security has none', async () => {
    const refused = await call('sec', 'GET', '/admin/products');
    expect(refused.statusCode).toBe(403);
    expect(errorOf(refused)).toMatchObject({ code: 'forbidden', permission: 'products:read' });
  });
});

describe('GET /admin/orders?customer=ID', () => {
  const seed = () => {
    tables.put('orders', { ...orderAt('alice', 1, 'fulfilled') });
    tables.put('orders', { ...orderAt('alice', 2, 'accepted') });
    tables.put('orders', { ...orderAt('bob', 3, 'accepted') });
    tables.put('orders', { ...orderAt('alice', 4, 'cancelled') });
    tables.put('orders', { ...orderAt('alice', 5, 'accepted') });
  };
  const ids = (response: APIGatewayProxyResult) =>
    (bodyOf(response).orders as Array<{ orderId: string }>).map((o) => o.orderId.replace(/x+$/, ''));

  it('one customer’s orders, newest first, every status; page by page with the cursor', async () => {
    seed();
    const all = await call('clerk1', 'GET', '/admin/orders', { query: { customer: 'alice' } });
    expect(all.statusCode, all.body).toBe(200);
    expect(bodyOf(all)).toMatchObject({ customerId: 'alice' });
    expect(bodyOf(all).status).toBeUndefined();
    expect(ids(all)).toEqual(['alice-05', 'alice-04', 'alice-02', 'alice-01']);
    expect((bodyOf(all).orders as unknown[])[0]).toEqual({
      orderId: orderAt('alice', 5, 'accepted').orderId,
      customerId: 'alice',
      status: 'accepted',
      acceptedAt: '2026-11-22T10:05:00.000Z',
      lines: [{ sku: 'WIDGET-1', name: 'Widget', qty: 2, unitPriceCents: 1250 }],
      totalCents: 2500,
      currency: 'USD',
    });

    const first = await call('clerk1', 'GET', '/admin/orders', { query: { customer: 'alice', limit: '3' } });
    expect(ids(first)).toEqual(['alice-05', 'alice-04', 'alice-02']);
    const next = bodyOf(first).next as string;
    const second = await call('clerk1', 'GET', '/admin/orders', {
      query: { customer: 'alice', limit: '3', cursor: next },
    });
    expect(ids(second)).toEqual(['alice-01']);
    expect(bodyOf(second).next).toBeUndefined();
  });

  it('with a status too: only those (a page is filtered, so it may be short)', async () => {
    seed();
    const accepted = await call('clerk1', 'GET', '/admin/orders', { query: { customer: 'alice', status: 'accepted' } });
    expect(bodyOf(accepted)).toMatchObject({ customerId: 'alice', status: 'accepted' });
    expect(ids(accepted)).toEqual(['alice-05', 'alice-02']);
    // Without a customer the queue is as before: one status, oldest first, every customer.
    const queue = await call('clerk1', 'GET', '/admin/orders', { query: { status: 'accepted' } });
    expect(ids(queue)).toEqual(['alice-02', 'bob-03', 'alice-05']);
  });

  it('checks its parameters: the customer ID, the status, a cursor of the queue’s kind', async () => {
    seed();
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ customer: 'no such/id' }, /invalid customer/],
      [{ customer: 'alice', status: 'lost' }, /invalid status/],
      [{ customer: 'alice', cursor: 'not-a-cursor' }, /invalid cursor/],
    ];
    for (const [query, message] of cases) {
      const response = await call('clerk1', 'GET', '/admin/orders', { query });
      expect(response.statusCode, JSON.stringify(query)).toBe(400);
      expect(String(errorOf(response).message)).toMatch(message);
    }
    const refused = await call('sec', 'GET', '/admin/orders', { query: { customer: 'alice' } });
    expect(errorOf(refused)).toMatchObject({ code: 'forbidden', permission: 'orders:read' });
  });
});

describe('a status change and the status index', () => {
  const queue = async (status: string) =>
    (
      bodyOf(await call('clerk1', 'GET', '/admin/orders', { query: { status } })).orders as Array<{ orderId: string }>
    ).map((order) => order.orderId);

  it('fulfilling moves the order to its shard of `fulfilled` (the same shard) and owes its notice under its shard of `owed`', async () => {
    const order = orderAt('alice', 2, 'accepted');
    tables.put('orders', { ...order });
    const shard = shardOf(order.orderId, ORDER_INDEX_SHARDS);
    expect(order.statusShard).toBe(`accepted#${shard}`);
    expect(await queue('accepted')).toEqual([order.orderId]);
    const fulfilled = await call('clerk1', 'POST', '/admin/orders/{id}/fulfil', {
      params: { id: order.orderId },
      query: { customer: 'alice' },
    });
    expect(fulfilled.statusCode, fulfilled.body).toBe(200);
    expect(tables.item('orders', 'alice', order.orderId)).toMatchObject({
      status: 'fulfilled',
      statusShard: `fulfilled#${shard}`,
      noticeStatus: 'pending',
      noticeOwed: `owed#${shard}`,
    });
    expect(await queue('accepted')).toEqual([]);
    expect(await queue('fulfilled')).toEqual([order.orderId]);
  });
});
