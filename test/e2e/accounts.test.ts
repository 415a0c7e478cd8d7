/**
 * End to end against a real local stack, started on random ports and stopped afterwards: accounts and the order
 * lifecycle (paid on acceptance, refunded on cancellation, the OPD's queue), and the first administrator's account.
 */
import { createHash, randomBytes } from 'node:crypto';
import { compactVerify, createLocalJWKSet } from 'jose';
import type { JSONWebKeySet } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  OPENING_BALANCE,
  account,
  call,
  cancellation,
  emailsFor,
  fund,
  staffLogin,
  newCustomer,
  newProduct,
  seal,
  e2eStackForThisFile,
  stockOf,
} from '../helpers/e2e.js';

const e2e = e2eStackForThisFile();

describe('accounts and the order lifecycle', () => {
  it('pays on acceptance, refuses what the balance cannot cover, and a cancellation restocks and refunds once', async () => {
    await newProduct('PAY-1', 50, 1000);
    const buyer = await newCustomer('payer', 'ed25519');
    // Start from a known balance: take the test funds back out with a negative adjustment, then credit 100.00.
    const adjusted = await call('POST', '/admin/customers/payer/credit', {
      token: e2e.adminToken,
      body: { amountCents: -OPENING_BALANCE, reference: 'reset' },
      headers: { 'Idempotency-Key': randomBytes(16).toString('base64url') },
    });
    expect(adjusted.body).toMatchObject({ type: 'adjustment', amountCents: -OPENING_BALANCE, balanceAfterCents: 0 });
    await fund('payer', 10_000, 'opening balance');
    expect(await account(buyer.token, '?limit=1')).toMatchObject({
      customerId: 'payer',
      balanceCents: 10_000,
      currency: 'USD',
      keys: [{ alg: 'EdDSA', status: 'active' }],
      ledger: [{ entry: 3, type: 'credit', amountCents: 10_000, balanceAfterCents: 10_000, actor: 'opd-admin' }],
    });

    // More than the balance: 402 with the balance, and nothing written.
    const tooMuch = await call('POST', '/orders', {
      token: buyer.token,
      body: { envelope: seal('payer', buyer.signer, [{ sku: 'PAY-1', qty: 11, unitPriceCents: 1000 }]) },
    });
    expect(tooMuch.status).toBe(402);
    expect(tooMuch.body).toMatchObject({
      error: { code: 'insufficient_funds', balanceCents: 10_000, neededCents: 11_000, currency: 'USD' },
    });
    expect(await stockOf('PAY-1', buyer.token)).toBe(50);
    expect(((await call('GET', '/orders', { token: buyer.token })).body.orders as unknown[]).length).toBe(0);

    const placed = await call('POST', '/orders', {
      token: buyer.token,
      body: { envelope: seal('payer', buyer.signer, [{ sku: 'PAY-1', qty: 3, unitPriceCents: 1000 }]) },
    });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    expect(placed.body).toMatchObject({ status: 'accepted', totalCents: 3000, ledgerEntry: 4 });
    const orderId = placed.body.orderId as string;
    const keySet = createLocalJWKSet((await call('GET', '/receipt-keys')).body as unknown as JSONWebKeySet);
    const receipt = await compactVerify(placed.body.receipt as string, keySet);
    expect(JSON.parse(new TextDecoder().decode(receipt.payload))).toMatchObject({ ledgerEntry: 4, totalCents: 3000 });
    expect(await account(buyer.token, '?limit=2')).toMatchObject({
      balanceCents: 7000,
      ledger: [
        { entry: 4, type: 'order', amountCents: -3000, balanceAfterCents: 7000, orderId, actor: 'payer' },
        { entry: 3, type: 'credit' },
      ],
    });
    expect(await stockOf('PAY-1', buyer.token)).toBe(47);

    // The customer cancels with a signed request: stock and balance come back, a signed cancellation receipt.
    const request = cancellation('payer', buyer.signer, orderId);
    const cancelled = await call('POST', `/orders/${orderId}/cancel`, {
      token: buyer.token,
      body: { cancellation: request },
    });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body).toMatchObject({
      status: 'cancelled',
      cancellation: { by: 'customer', actor: 'payer', jws: request, refundEntry: 5 },
    });
    const cancelReceipt = await compactVerify((cancelled.body.cancellation as { receipt: string }).receipt, keySet);
    expect(cancelReceipt.protectedHeader.typ).toBe('po-receipt+jwt');
    expect(JSON.parse(new TextDecoder().decode(cancelReceipt.payload))).toMatchObject({
      status: 'cancelled',
      sub: 'payer',
      orderId,
      cancelledBy: 'customer',
      cancellationDigest: createHash('sha256').update(request).digest('base64url'),
      refundCents: 3000,
      ledgerEntry: 5,
    });
    expect(await stockOf('PAY-1', buyer.token)).toBe(50);
    expect(await account(buyer.token, '?limit=2')).toMatchObject({
      balanceCents: 10_000,
      ledger: [{ entry: 5, type: 'refund', amountCents: 3000, balanceAfterCents: 10_000, orderId }, { entry: 4 }],
    });

    // The same request again is answered with the stored outcome; a new one is refused: nothing is refunded twice.
    const again = await call('POST', `/orders/${orderId}/cancel`, {
      token: buyer.token,
      body: { cancellation: request },
    });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const another = await call('POST', `/orders/${orderId}/cancel`, {
      token: buyer.token,
      body: { cancellation: cancellation('payer', buyer.signer, orderId) },
    });
    expect(another.status).toBe(409);
    expect(another.body).toMatchObject({ error: { code: 'order_closed', status: 'cancelled' } });
    expect(await account(buyer.token)).toMatchObject({ balanceCents: 10_000, entries: 5 });

    await e2e.stack.poller.drained();
    expect((await emailsFor('payer@customer.test')).map((email) => email.subject)).toEqual(
      expect.arrayContaining([`Order ${orderId} accepted`, `Order ${orderId} cancelled`]),
    );
  });

  it('the OPD works its queue oldest first, page by page, fulfils and cancels with a reason', async () => {
    await newProduct('QUEUE-1', 100, 500);
    const buyer = await newCustomer('queued', 'ec');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const placed = await call('POST', '/orders', {
        token: buyer.token,
        body: { envelope: seal('queued', buyer.signer, [{ sku: 'QUEUE-1', qty: 1, unitPriceCents: 500 }]) },
      });
      expect(placed.status).toBe(201);
      ids.push(placed.body.orderId as string);
    }
    // Page through the whole queue, one order at a time, keeping this customer's.
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await call('GET', `/admin/orders?status=accepted&limit=1${cursor ? `&cursor=${cursor}` : ''}`, {
        token: e2e.adminToken,
      });
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      const orders = page.body.orders as Array<{ orderId: string; customerId: string; acceptedAt: string }>;
      expect(orders.length).toBeLessThanOrEqual(1);
      seen.push(...orders.filter((order) => order.customerId === 'queued').map((order) => order.orderId));
      cursor = page.body.next as string | undefined;
      pages++;
    } while (cursor && pages < 1000);
    expect(seen).toEqual(ids); // oldest first

    const shown = await call('GET', `/admin/orders/${ids[0]!}`, { token: e2e.adminToken });
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      customerId: 'queued',
      signature: { publicKeyPem: expect.any(String) as unknown },
    });

    const fulfilled = await call('POST', `/admin/orders/${ids[0]!}/fulfil`, { token: e2e.adminToken });
    expect(fulfilled.status, JSON.stringify(fulfilled.body)).toBe(200);
    expect(fulfilled.body).toMatchObject({ status: 'fulfilled', fulfilledAt: expect.any(String) as unknown });
    for (const reply of [
      await call('POST', `/admin/orders/${ids[0]!}/fulfil`, { token: e2e.adminToken }),
      await call('POST', `/orders/${ids[0]!}/cancel`, {
        token: buyer.token,
        body: { cancellation: cancellation('queued', buyer.signer, ids[0]!) },
      }),
    ]) {
      expect(reply.status).toBe(409);
      expect(reply.body).toMatchObject({ error: { code: 'order_closed', status: 'fulfilled' } });
    }

    const byOpd = await call('POST', `/admin/orders/${ids[1]!}/cancel`, {
      token: e2e.adminToken,
      body: { reason: 'discontinued line' },
    });
    expect(byOpd.status, JSON.stringify(byOpd.body)).toBe(200);
    expect(byOpd.body).toMatchObject({ status: 'cancelled', cancellation: { by: 'opd', reason: 'discontinued line' } });

    const lists = Object.fromEntries(
      await Promise.all(
        (['accepted', 'fulfilled', 'cancelled'] as const).map(async (status) => {
          const reply = await call('GET', `/admin/orders?status=${status}&limit=100`, { token: e2e.adminToken });
          const orders = reply.body.orders as Array<{ orderId: string }>;
          return [status, orders.map((order) => order.orderId).filter((id) => ids.includes(id))] as const;
        }),
      ),
    );
    expect(lists).toEqual({ accepted: [ids[2]], fulfilled: [ids[0]], cancelled: [ids[1]] });

    const customer = await call('GET', '/admin/customers/queued', { token: e2e.adminToken });
    expect(customer.body).toMatchObject({
      customerId: 'queued',
      balanceCents: OPENING_BALANCE - 1000, // three orders at 5.00, one refunded
      lock: { locked: false },
      ledger: [
        { type: 'refund', actor: 'opd-admin' },
        { type: 'order' },
        { type: 'order' },
        { type: 'order' },
        { type: 'credit' },
      ],
    });
    expect(JSON.stringify(customer.body)).not.toContain('passwordHash');
    const listed = await call('GET', '/admin/customers?limit=100', { token: e2e.adminToken });
    expect((listed.body.customers as Array<{ customerId: string }>).map((c) => c.customerId)).toContain('queued');

    await e2e.stack.poller.drained();
    expect((await emailsFor('queued@customer.test')).map((email) => email.subject)).toEqual(
      expect.arrayContaining([`Order ${ids[0]!} fulfilled`, `Order ${ids[1]!} cancelled`]),
    );
  });
});

describe('npm run first-admin', () => {
  it('creates a staff administrator who can log in and use the admin routes; the audit trail names the script', async () => {
    const { spawnSync } = await import('node:child_process');
    const args = [
      '--import',
      'tsx',
      'scripts/first-admin.ts',
      '--staff-table',
      e2e.stack.tables.staff!,
      '--audit-table',
      e2e.stack.tables.audit!,
      '--region',
      'eu-west-1',
    ];
    const firstAdmin = () =>
      spawnSync(process.execPath, [...args, '--staff', 'first-root', '--email', 'root@opd.test', '--password-stdin'], {
        input: 'the first admin password\n',
        encoding: 'utf8',
        env: {
          ...process.env,
          DYNAMODB_ENDPOINT: e2e.stack.dynamodbEndpoint,
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
        },
      });
    const result = firstAdmin();
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('created staff administrator first-root');
    expect(result.stdout).not.toContain('the first admin password');
    const token = await staffLogin('first-root', 'the first admin password');
    // A customer of that name does not exist: staff and customers are different accounts.
    expect(
      (await call('POST', '/login', { body: { customerId: 'first-root', password: 'the first admin password' } }))
        .status,
    ).toBe(401);
    const product = { sku: 'ROOT-1', name: 'Root product', priceCents: 1, stock: 1 };
    expect((await call('POST', '/admin/products', { token, body: product })).status).toBe(201);
    const again = firstAdmin(); // a second run must not silently replace the admin
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('[already_exists]');
  });
});
