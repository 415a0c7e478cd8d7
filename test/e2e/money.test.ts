/**
 * End to end against a real local stack, started on random ports and stopped afterwards: money and stock under
 * concurrent orders, cancellations, credits and restocks, and orders at exactly their signed prices.
 */
import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../shared/accounts.js';
import type { OrderRecord } from '../../shared/orders.js';
import {
  OPENING_BALANCE,
  call,
  cancellation,
  fund,
  newCustomer,
  newProduct,
  scanAll,
  seal,
  e2eStackForThisFile,
  stockOf,
} from '../helpers/e2e.js';
import type { Reply } from '../helpers/e2e.js';

const e2e = e2eStackForThisFile();

describe('money and stock under concurrency', () => {
  it('300 concurrent orders, cancellations (10 of one order), credits and restocks: every invariant holds exactly', async () => {
    const skus = { 'INV-A': 60, 'INV-B': 40, 'INV-C': 500 } as const;
    const prices = { 'INV-A': 700, 'INV-B': 1500, 'INV-C': 250 } as const;
    for (const [sku, stock] of Object.entries(skus)) await newProduct(sku, stock, prices[sku as keyof typeof prices]);
    const ids = Array.from({ length: 10 }, (_, i) => `inv-${i}`);
    const customers = await Promise.all(ids.map((id) => newCustomer(id, 'ed25519')));
    // Balances from USD 100,000 down to USD 60 (after taking the test funds back): money decides for some.
    for (const [i, id] of ids.entries())
      if (i >= 5) await fund(id, -(OPENING_BALANCE - 6_000 * (i - 4)), 'tight budget');

    const order = (i: number, items: Array<{ sku: keyof typeof skus; qty: number }>) =>
      call('POST', '/orders', {
        token: customers[i]!.token,
        body: {
          envelope: seal(
            ids[i]!,
            customers[i]!.signer,
            items.map((item) => ({ ...item, unitPriceCents: prices[item.sku] })),
          ),
        },
      });
    // Orders to cancel during the storm: two per customer, accepted first.
    const early: Array<{ customer: number; orderId: string }> = [];
    for (let i = 0; i < 10; i++)
      for (let n = 0; n < 2; n++) {
        const placed = await order(i, [{ sku: 'INV-C', qty: 2 }]);
        expect(placed.status, JSON.stringify(placed.body)).toBe(201);
        early.push({ customer: i, orderId: placed.body.orderId as string });
      }

    const cancel = (target: { customer: number; orderId: string }) =>
      call('POST', `/orders/${target.orderId}/cancel`, {
        token: customers[target.customer]!.token,
        body: { cancellation: cancellation(ids[target.customer]!, customers[target.customer]!.signer, target.orderId) },
      });
    const random = (n: number) => Math.floor(Math.random() * n);
    const requests: Array<() => Promise<Reply>> = [
      // 10 simultaneous cancellations of one order, each a separately signed request.
      ...Array.from({ length: 10 }, () => () => cancel(early[0]!)),
      // One or two cancellations of each other early order.
      ...early.slice(1).flatMap((target, n) => Array.from({ length: 1 + (n % 2) }, () => () => cancel(target))),
      // Credits and restocks from the administrator.
      ...Array.from(
        { length: 30 },
        (_, n) => () =>
          fund(ids[n % 10]!, 1_000 + n, `storm credit ${n}`).then((body) => ({ status: 201, body }) as Reply),
      ),
      ...Array.from(
        { length: 10 },
        (_, n) => () =>
          call('POST', `/admin/products/${n % 2 === 0 ? 'INV-A' : 'INV-B'}/restock`, {
            token: e2e.adminToken,
            body: { quantity: 3 },
          }),
      ),
    ];
    while (requests.length < 300) {
      const customer = random(10);
      const items: Array<{ sku: keyof typeof skus; qty: number }> = [
        { sku: random(2) ? 'INV-A' : 'INV-B', qty: 1 + random(3) },
      ];
      if (random(2)) items.push({ sku: 'INV-C', qty: 1 + random(5) });
      requests.push(() => order(customer, items));
    }
    const replies = await Promise.all(requests.map((request) => request()));

    const statuses = replies.map((reply) => reply.status);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    const codes = replies.map((reply) => (reply.body?.error as { code?: string } | undefined)?.code);
    expect(codes.filter((code) => code === 'insufficient_funds').length).toBeGreaterThan(0);
    expect(codes.filter((code) => code === 'out_of_stock').length).toBeGreaterThan(0);
    expect(new Set(codes.filter((code) => code !== undefined))).toEqual(
      new Set(['insufficient_funds', 'out_of_stock', 'order_closed'].filter((code) => codes.includes(code))),
    );
    // Of the ten cancellations of one order, exactly one committed.
    expect(statuses.slice(0, 10).filter((status) => status === 200)).toHaveLength(1);

    const [orders, ledger, accounts, products] = await Promise.all([
      scanAll(e2e.stack.tables.orders!),
      scanAll(e2e.stack.tables.ledger!),
      scanAll(e2e.stack.tables.customers!),
      scanAll(e2e.stack.tables.inventory!),
    ]);
    const mine = orders.filter((o) => ids.includes(o.customerId as string)) as unknown as OrderRecord[];
    const entries = ledger.filter((e) => ids.includes(e.customerId as string)) as unknown as LedgerEntry[];
    // Every account: entries numbered 1…n, each balance after = the running sum, the balance = Σ amounts ≥ 0.
    for (const id of ids) {
      const own = entries.filter((e) => e.customerId === id).sort((a, b) => a.entry - b.entry);
      const stored = accounts.find((c) => c.customerId === id)!;
      let running = 0;
      own.forEach((entry, index) => {
        expect(entry.entry).toBe(index + 1);
        running += entry.amountCents;
        expect(entry.balanceAfterCents).toBe(running);
      });
      expect(stored.balanceCents).toBe(running);
      expect(stored.ledgerSeq).toBe(own.length);
      expect(running).toBeGreaterThanOrEqual(0);
    }
    // Every order ever accepted has exactly one debit of its total; refunds exactly for the cancelled ones, once each.
    for (const stored of mine) {
      const forOrder = entries.filter((e) => e.orderId === stored.orderId && e.customerId === stored.customerId);
      expect(forOrder.filter((e) => e.type === 'order').map((e) => e.amountCents)).toEqual([-stored.totalCents]);
      const refunds = forOrder.filter((e) => e.type === 'refund').map((e) => e.amountCents);
      expect(refunds).toEqual(stored.status === 'cancelled' ? [stored.totalCents] : []);
    }
    expect(entries.filter((e) => e.type === 'order')).toHaveLength(mine.length);
    // Every SKU: stock = initial + restocks − accepted lines + cancelled lines.
    const restocks = { 'INV-A': 0, 'INV-B': 0, 'INV-C': 0 };
    for (const reply of replies)
      if (
        reply.status === 200 &&
        typeof reply.body?.sku === 'string' &&
        reply.body.sku in restocks &&
        'stock' in reply.body
      )
        restocks[reply.body.sku as keyof typeof restocks] += 3;
    for (const sku of Object.keys(skus) as Array<keyof typeof skus>) {
      const lines = mine.flatMap((o) => o.lines.filter((line) => line.sku === sku).map((line) => ({ line, o })));
      const sold = lines.reduce((sum, { line }) => sum + line.qty, 0);
      const back = lines.filter(({ o }) => o.status === 'cancelled').reduce((sum, { line }) => sum + line.qty, 0);
      const stock = products.find((p) => p.sku === sku)!.stock;
      expect([sku, stock]).toEqual([sku, skus[sku] + restocks[sku] - sold + back]);
      expect(stock).toBeGreaterThanOrEqual(0);
    }
    expect(restocks['INV-A'] + restocks['INV-B']).toBe(30);
    process.stderr.write(
      `invariants: ${replies.length} requests, ${statuses.filter((s) => s === 201).length} orders accepted, ` +
        `${codes.filter((c) => c === 'insufficient_funds').length} insufficient_funds, ` +
        `${codes.filter((c) => c === 'out_of_stock').length} out_of_stock, ` +
        `${mine.filter((o) => o.status === 'cancelled').length} cancelled, ${entries.length} ledger entries checked\n`,
    );
  });
});

describe('signed prices', () => {
  it('a price changed between quote and commit: 409 price_changed naming each line, and nothing changes', async () => {
    await newProduct('PRICE-1', 10, 1000);
    await newProduct('PRICE-2', 10, 500);
    const { signer, token } = await newCustomer('price-buyer', 'ec');
    const quoted = [
      { sku: 'PRICE-1', qty: 2, unitPriceCents: 1000 },
      { sku: 'PRICE-2', qty: 1, unitPriceCents: 500 },
    ];
    const envelope = seal('price-buyer', signer, quoted); // signed at the quote's prices
    for (const [sku, priceCents] of [
      ['PRICE-1', 1100],
      ['PRICE-2', 450],
    ] as const)
      expect(
        (await call('PATCH', `/admin/products/${sku}`, { token: e2e.adminToken, body: { priceCents } })).status,
      ).toBe(200);

    const reply = await call('POST', '/orders', { token, body: { envelope } });
    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({
      error: {
        code: 'price_changed',
        currency: 'USD',
        lines: [
          { sku: 'PRICE-1', signedPriceCents: 1000, currentPriceCents: 1100 },
          { sku: 'PRICE-2', signedPriceCents: 500, currentPriceCents: 450 },
        ],
      },
    });
    expect([await stockOf('PRICE-1', token), await stockOf('PRICE-2', token)]).toEqual([10, 10]);
    expect((await call('GET', '/orders', { token })).body.orders).toEqual([]);

    // Signed again at the new prices, it is accepted at exactly those.
    const again = await call('POST', '/orders', {
      token,
      body: {
        envelope: seal('price-buyer', signer, [
          { sku: 'PRICE-1', qty: 2, unitPriceCents: 1100 },
          { sku: 'PRICE-2', qty: 1, unitPriceCents: 450 },
        ]),
      },
    });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ totalCents: 2650 });
  });

  it('nobody orders below the catalogue price or in another currency, whatever they sign', async () => {
    await newProduct('CHEAP-1', 10, 5000);
    const { signer, token } = await newCustomer('bargain-hunter', 'ed25519');
    const low = await call('POST', '/orders', {
      token,
      body: { envelope: seal('bargain-hunter', signer, [{ sku: 'CHEAP-1', qty: 1, unitPriceCents: 1 }]) },
    });
    expect(low.body).toMatchObject({ error: { code: 'price_changed' } });
    const euros = await call('POST', '/orders', {
      token,
      body: {
        envelope: seal('bargain-hunter', signer, [{ sku: 'CHEAP-1', qty: 1, unitPriceCents: 5000 }], {
          currency: 'EUR',
        }),
      },
    });
    expect(euros.status).toBe(409);
    expect(euros.body).toMatchObject({ error: { code: 'currency_mismatch', currency: 'USD' } });
    expect(await stockOf('CHEAP-1', token)).toBe(10);
  });

  it('orders in flight while the price changes are each accepted at exactly their signed price, or refused', async () => {
    await newProduct('RACE-1', 1000, 300);
    const buyers = await Promise.all(Array.from({ length: 4 }, (_, i) => newCustomer(`race-${i}`, 'ed25519')));
    const orders = Array.from({ length: 40 }, (_, i) => ({
      buyer: i % 4,
      price: i % 2 === 0 ? 300 : 350, // half signed at the old price, half at the new one
    }));
    const replies = await Promise.all([
      ...orders.map(({ buyer, price }) =>
        call('POST', '/orders', {
          token: buyers[buyer]!.token,
          body: {
            envelope: seal(`race-${buyer}`, buyers[buyer]!.signer, [{ sku: 'RACE-1', qty: 1, unitPriceCents: price }]),
          },
        }),
      ),
      call('PATCH', '/admin/products/RACE-1', { token: e2e.adminToken, body: { priceCents: 350 } }),
    ]);
    const orderReplies = replies.slice(0, orders.length);
    expect(orderReplies.filter((reply) => reply.status >= 500)).toEqual([]);
    orderReplies.forEach((reply, i) => {
      if (reply.status === 201) expect(reply.body).toMatchObject({ totalCents: orders[i]!.price });
      else expect(reply.body).toMatchObject({ error: { code: 'price_changed' } });
    });
    const accepted = orderReplies.filter((reply) => reply.status === 201).length;
    expect(accepted).toBeGreaterThan(0);
    expect(await stockOf('RACE-1', e2e.adminToken)).toBe(1000 - accepted);
  });
});
