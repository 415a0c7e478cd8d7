/**
 * End to end against a real local stack (DynamoDB Local): a hot SKU's stock split over shards. Under concurrent
 * orders, cancellations, restocks, rebalances and changes of the split, stock is conserved exactly —
 * Σ shards = initial + restocks − Σ accepted + Σ cancelled — no shard goes below zero, and `out_of_stock` comes only
 * when all the shards together cannot fill a line.
 */
import { describe, expect, it } from 'vitest';
import type { OrderRecord } from '../../shared/orders.js';
import { call, cancellation, newCustomer, newProduct, scanAll, seal, e2eStackForThisFile } from '../helpers/e2e.js';
import type { Reply } from '../helpers/e2e.js';

const e2e = e2eStackForThisFile();

/** The shard items of `sku` as stored: the product item (shard 0) and `SKU#k`. */
async function shardsOf(sku: string): Promise<Array<{ sku: string; stock: number }>> {
  const items = await scanAll(e2e.stack.tables.inventory!);
  return items
    .filter((item) => item.sku === sku || String(item.sku).startsWith(`${sku}#`))
    .map((item) => ({ sku: String(item.sku), stock: Number(item.stock) }));
}
const sum = (shards: Array<{ stock: number }>) => shards.reduce((total, shard) => total + shard.stock, 0);
const admin = (method: string, path: string, body?: unknown) =>
  call(method, path, { token: e2e.adminToken, ...(body === undefined ? {} : { body }) });

describe('a hot SKU split over shards', () => {
  it('a line bigger than any one shard takes from several at once; out_of_stock only past their sum, with the sum', async () => {
    await newProduct('SPLIT-1', 40);
    const split = await admin('PATCH', '/admin/products/SPLIT-1', { stockShards: 4 });
    // The split spreads the stock over the new shards at once.
    expect(split.body).toMatchObject({ stock: 40, stockShards: 4 });
    expect((split.body.shards as Array<{ stock: number }>).map((shard) => shard.stock)).toEqual([10, 10, 10, 10]);
    const { signer, token } = await newCustomer('split-buyer', 'ed25519');
    const order = (qty: number) =>
      call('POST', '/orders', { token, body: { envelope: seal('split-buyer', signer, [{ sku: 'SPLIT-1', qty }]) } });

    const big = await order(25);
    expect(big.status, JSON.stringify(big.body)).toBe(201);
    const after = await shardsOf('SPLIT-1');
    expect(sum(after)).toBe(15);
    expect(after.filter((shard) => shard.stock < 10).length).toBeGreaterThanOrEqual(3);
    const tooBig = await order(16);
    expect(tooBig.status).toBe(409);
    expect(tooBig.body).toMatchObject({ error: { code: 'out_of_stock', sku: 'SPLIT-1', available: 15 } });
    // What customers see is the whole stock, not how it is split.
    const catalogue = await call('GET', '/products', { token });
    expect((catalogue.body.products as Array<Record<string, unknown>>).find((p) => p.sku === 'SPLIT-1')).toEqual({
      sku: 'SPLIT-1',
      name: 'Product SPLIT-1',
      priceCents: 100,
      stock: 15,
    });
  });

  it(
    'under concurrent orders, cancellations, restocks, rebalances and re-splits, stock is conserved exactly',
    {
      timeout: 240_000,
    },
    async () => {
      const INITIAL = 300;
      await newProduct('HOT-1', INITIAL);
      expect((await admin('PATCH', '/admin/products/HOT-1', { stockShards: 8 })).status).toBe(200);
      expect((await admin('POST', '/admin/products/HOT-1/rebalance')).status).toBe(200);
      // Many customers, few orders each: one customer's orders are taken one at a time (its ledger), and this test is
      // about the stock, not about a single account's queue.
      const ids = Array.from({ length: 40 }, (_, i) => `hot-${i}`);
      const customers: Array<Awaited<ReturnType<typeof newCustomer>>> = [];
      // A few at a time: each is a password hashed twice (created, then logged in), and the machine has two cores.
      for (let at = 0; at < ids.length; at += 8)
        customers.push(...(await Promise.all(ids.slice(at, at + 8).map((id) => newCustomer(id, 'ed25519')))));
      const order = (i: number, qty: number) =>
        call('POST', '/orders', {
          token: customers[i]!.token,
          body: { envelope: seal(ids[i]!, customers[i]!.signer, [{ sku: 'HOT-1', qty }]) },
        });
      const early: Array<{ customer: number; orderId: string }> = [];
      for (let i = 0; i < 8; i++) {
        const placed = await order(i, 2);
        expect(placed.status, JSON.stringify(placed.body)).toBe(201);
        early.push({ customer: i, orderId: placed.body.orderId as string });
      }
      const cancel = ({ customer, orderId }: { customer: number; orderId: string }) =>
        call('POST', `/orders/${orderId}/cancel`, {
          token: customers[customer]!.token,
          body: { cancellation: cancellation(ids[customer]!, customers[customer]!.signer, orderId) },
        });
      const requests: Array<() => Promise<Reply>> = [
        ...early.map((target) => () => cancel(target)),
        ...Array.from({ length: 8 }, () => () => admin('POST', '/admin/products/HOT-1/restock', { quantity: 5 })),
        ...Array.from({ length: 3 }, () => () => admin('POST', '/admin/products/HOT-1/rebalance')),
        () => admin('PATCH', '/admin/products/HOT-1', { stockShards: 12 }),
        () => admin('PATCH', '/admin/products/HOT-1', { stockShards: 5 }),
      ];
      // Demand (≈ 200 × 2.5 = 500 units) outruns the supply, so the storm ends in refusals.
      for (let n = 0; requests.length < 220; n++) requests.push(() => order(n % 40, 1 + (n % 4)));
      const replies = await Promise.all(requests.map((request) => request()));

      expect(replies.filter((reply) => reply.status >= 500 && reply.status !== 503)).toEqual([]);
      const orders = (await scanAll(e2e.stack.tables.orders!)).filter((o) =>
        ids.includes(o.customerId as string),
      ) as unknown as OrderRecord[];
      const line = (o: OrderRecord) => o.lines.find((l) => l.sku === 'HOT-1')?.qty ?? 0;
      const sold = orders.reduce((total, o) => total + line(o), 0);
      const back = orders.filter((o) => o.status === 'cancelled').reduce((total, o) => total + line(o), 0);
      const restocked = replies.filter((reply, i) => i >= 8 && i < 16 && reply.status === 200).length * 5;
      const shards = await shardsOf('HOT-1');
      expect(sum(shards)).toBe(INITIAL + restocked - sold + back);
      expect(shards.every((shard) => shard.stock >= 0)).toBe(true);
      // The shard items are exactly those of the split as it now is.
      const product = (await admin('GET', '/admin/products/HOT-1')).body;
      expect(shards).toHaveLength(Number(product.stockShards ?? 1));
      expect(product.stock).toBe(sum(shards));
      // Every refusal for stock said what all the shards held then: less than the line asked for.
      const refused = replies.flatMap((reply, i) =>
        (reply.body?.error as { code?: string } | undefined)?.code === 'out_of_stock' ? [{ reply, i }] : [],
      );
      expect(refused.length).toBeGreaterThan(0);
      for (const { reply, i } of refused) {
        const asked = 1 + ((i - 21) % 4);
        expect((reply.body.error as { available: number }).available).toBeLessThan(asked);
      }
      process.stderr.write(
        `hot SKU: ${replies.length} requests, ${orders.length} orders accepted, ${refused.length} out_of_stock, ` +
          `${orders.filter((o) => o.status === 'cancelled').length} cancelled, ${restocked} restocked, ` +
          `${shards.length} shards holding ${sum(shards)}\n`,
      );
    },
  );
});
