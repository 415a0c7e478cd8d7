/**
 * End to end against a real local stack (DynamoDB Local, the local KMS endpoint, the SES emulator, the API adapter and
 * the stream poller, all running the production handlers), started on random ports and stopped afterwards.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScanCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { compactVerify, createLocalJWKSet } from 'jose';
import type { JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../shared/accounts.js';
import { sealOrder } from '../../shared/envelope/index.js';
import type { OrderRecord } from '../../shared/orders.js';
import { parsePrivateKeyPem, parsePublicKeyPem, signingKey } from '../../shared/keys.js';
import { dynamo } from '../../shared/aws/clients.js';
import type { LocalStack } from '../../local/stack.js';
import { runRecipe } from '../helpers/evidence.js';
import {
  OPENING_BALANCE,
  PASSWORD,
  account,
  call,
  cancellation,
  emailsFor,
  fund,
  login,
  newCustomer,
  newProduct,
  poWorkspace,
  scanAll,
  seal,
  startE2eStack,
  stockOf,
  tablesClient,
} from '../helpers/e2e.js';
import type { Reply } from '../helpers/e2e.js';

let stack: LocalStack;
let adminToken: string;
let server: { kid: string; publicKey: ReturnType<typeof parsePublicKeyPem> };

beforeAll(async () => {
  // The mail sweeper's timer, fast: the crash test waits for it, nothing else.
  ({ stack, adminToken, server } = await startE2eStack({ sweepIntervalMs: 1000 }));
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the customer journey', () => {
  it.each([
    ['rsa', 'PS256'],
    ['dsa', 'DS256'],
    ['ec', 'ES256'],
    ['ed25519', 'EdDSA'],
  ] as const)('%s: register → login → order → confirmation email → listed', async (type, alg) => {
    const customerId = `journey-${type}`;
    const sku = `J-${type.toUpperCase()}`;
    await newProduct(sku, 10, 250);
    const { signer, token } = await newCustomer(customerId, type);

    const placed = await call('POST', '/orders', {
      token,
      body: { envelope: seal(customerId, signer, [{ sku, qty: 3, unitPriceCents: 250 }]) },
    });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    expect(placed.body).toMatchObject({ customerId, totalCents: 750, currency: 'USD', signature: { alg } });
    const orderId = placed.body.orderId as string;
    const jws = (placed.body.signature as { jws: string }).jws;

    // The receipt verifies with jose against the OPD's published receipt keys, and names exactly the signed order.
    const published = (await call('GET', '/receipt-keys')).body as unknown as JSONWebKeySet;
    const { payload, protectedHeader } = await compactVerify(
      placed.body.receipt as string,
      createLocalJWKSet(published),
    );
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', typ: 'po-receipt+jwt' });
    expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({
      sub: customerId,
      orderId,
      orderDigest: createHash('sha256').update(jws).digest('base64url'),
      lines: [{ sku, qty: 3, unitPriceCents: 250 }],
      currency: 'USD',
      totalCents: 750,
      status: 'accepted',
    });

    await stack.poller.drained();
    const [email] = await emailsFor(`${customerId}@customer.test`);
    expect(email?.subject).toBe(`Order ${orderId} accepted`);
    expect(email?.text).toContain(`Signed at:   ${placed.body.signedAt as string}`);
    expect(email?.text).toContain(createHash('sha256').update(jws).digest('base64url'));

    const listed = await call('GET', '/orders', { token });
    expect((listed.body.orders as Array<{ orderId: string }>).map((o) => o.orderId)).toContain(orderId);
    const shown = await call('GET', `/orders/${orderId}`, { token });
    expect(shown.body).toMatchObject({ orderId, receipt: placed.body.receipt, email: { status: 'sent' } });
    expect(await stockOf(sku, token)).toBe(7);
  });
});

describe('sessions', () => {
  it('a password change makes the old token fail', async () => {
    const { token } = await newCustomer('session-change', 'ed25519');
    const changed = await call('POST', '/password', {
      token,
      body: { oldPassword: PASSWORD, newPassword: 'a brand new passphrase' },
    });
    expect(changed.status).toBe(200);
    expect((await call('GET', '/orders', { token })).status).toBe(401);
    expect((await call('GET', '/orders', { token: changed.body.token as string })).status).toBe(200);
  });

  it('a session the gateway keeps for POST /orders cannot order after a password change: refused at commit', async () => {
    await newProduct('CACHED-1', 10);
    const { signer, token } = await newCustomer('session-cached', 'ed25519');
    const order = () =>
      call('POST', '/orders', {
        token,
        body: { envelope: seal('session-cached', signer, [{ sku: 'CACHED-1', qty: 1 }]) },
      });
    expect((await order()).status).toBe(201); // the authorizer's answer for this token is now kept (300 s)
    const changed = await call('POST', '/password', {
      token,
      body: { oldPassword: PASSWORD, newPassword: 'another brand new passphrase' },
    });
    expect(changed.status).toBe(200);
    const refused = await order();
    expect([refused.status, refused.body.error]).toEqual([401, expect.objectContaining({ code: 'unauthorized' })]);
    expect(await stockOf('CACHED-1', changed.body.token as string)).toBe(9); // only the first order
  });

  it('five bad passwords lock the account; the admin unlock works', async () => {
    await newCustomer('session-lock', 'ed25519');
    for (let i = 0; i < 5; i++)
      expect(
        (await call('POST', '/login', { body: { customerId: 'session-lock', password: `wrong ${i} password` } }))
          .status,
      ).toBe(401);
    const locked = await call('POST', '/login', { body: { customerId: 'session-lock', password: PASSWORD } });
    expect(locked.status).toBe(401);
    expect(locked.body).toMatchObject({ error: { code: 'invalid_credentials' } });
    expect((await call('POST', '/admin/customers/session-lock/unlock', { token: adminToken })).status).toBe(200);
    await login('session-lock', PASSWORD);
  });

  it('guesses sent at once cannot outnumber the lockout: 15 concurrent wrong passwords, then the right one, is locked', async () => {
    await newCustomer('session-storm', 'ed25519');
    const guesses = Array.from({ length: 15 }, (_, i) =>
      call('POST', '/login', { body: { customerId: 'session-storm', password: `storm guess ${i} wrong` } }),
    );
    const count = async () =>
      (
        await tablesClient().send(
          new GetCommand({
            TableName: stack.tables.customers!,
            Key: { customerId: 'session-storm' },
            ConsistentRead: true,
          }),
        )
      ).Item?.failedLogins as number | undefined;
    // The right password goes out while the guesses are still being hashed (each takes a real scrypt), once five of
    // them hold the count: the moment the old code still let it through (it counted only after each hash).
    for (const until = Date.now() + 5000; ((await count()) ?? 0) < 5 && Date.now() < until;)
      await new Promise((resolve) => setTimeout(resolve, 10));
    const right = call('POST', '/login', { body: { customerId: 'session-storm', password: PASSWORD } });
    const replies = await Promise.all([...guesses, right]);
    expect(replies.map((reply) => reply.status)).toEqual(replies.map(() => 401));
    expect(await count()).toBe(5); // counted up to the limit, never past it
    const admin = await call('GET', '/admin/customers/session-storm', { token: adminToken });
    expect(admin.body).toMatchObject({ lock: { locked: true, failedLogins: 5 } });
    expect((await call('POST', '/login', { body: { customerId: 'session-storm', password: PASSWORD } })).status).toBe(
      401,
    );
  });

  it('customers cannot call admin routes', async () => {
    const { token } = await newCustomer('session-customer', 'ed25519');
    const reply = await call('POST', '/admin/server-keys/rotate', { token });
    expect(reply.status).toBe(403);
    expect(reply.body).toMatchObject({ error: { code: 'forbidden' } });
  });
});

describe('attacks', () => {
  it('a replayed envelope creates no second order; tampered, stale and foreign-signed ones are refused', async () => {
    await newProduct('ATTACK-1', 10);
    const { signer, token } = await newCustomer('attack-alice', 'ed25519');
    const mallory = await newCustomer('attack-mallory', 'ed25519');
    const envelope = seal('attack-alice', signer, [{ sku: 'ATTACK-1', qty: 1 }]);

    const first = await call('POST', '/orders', { token, body: { envelope } });
    const replay = await call('POST', '/orders', { token, body: { envelope } });
    expect(first.status).toBe(201);
    expect(replay.status).toBe(200);
    expect(replay.body.orderId).toBe(first.body.orderId);
    expect(await stockOf('ATTACK-1', token)).toBe(9);
    expect((await call('GET', '/orders', { token })).body.orders).toHaveLength(1);

    const tampered = envelope.slice(0, -3) + (envelope.endsWith('AAA') ? 'BBB' : 'AAA');
    const refusals = [
      [tampered, 'decryption_failed'],
      [seal('attack-alice', signer, [{ sku: 'ATTACK-1', qty: 1 }], { now: Date.now() - 400_000 }), 'iat_too_old'],
      [seal('attack-alice', mallory.signer, [{ sku: 'ATTACK-1', qty: 1 }]), 'customer_key_unknown'],
    ] as const;
    for (const [bad, code] of refusals) {
      const reply = await call('POST', '/orders', { token, body: { envelope: bad } });
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ error: { code } });
    }
    expect(await stockOf('ATTACK-1', token)).toBe(9);
  });

  /**
   * Runs `change` on the stored customer just before the order function's transaction for `customerId` reaches
   * DynamoDB: after the envelope, signature and session were checked, before the commit.
   */
  function beforeCommit(customerId: string, change: () => Promise<unknown>): () => void {
    const name = `before-commit-${customerId}`;
    dynamo().middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { TransactItems?: Array<{ Put?: { Item?: { customerId?: string } } }> };
        if (
          context.commandName === 'TransactWriteItemsCommand' &&
          input.TransactItems?.[0]?.Put?.Item?.customerId === customerId
        )
          await change();
        return next(args);
      },
      { step: 'initialize', name },
    );
    return () => dynamo().middlewareStack.remove(name);
  }

  it.each([
    ['the signing key is revoked', 'race-revoke', 400, 'customer_key_unknown'],
    ['the password is changed (older sessions revoked)', 'race-password', 401, 'unauthorized'],
  ] as const)(
    'an order is refused at commit when %s between its verification and its commit',
    async (_name, customerId, status, code) => {
      await newProduct(`RACE-${customerId}`, 10);
      const { signer, token } = await newCustomer(customerId, 'ed25519');
      const update =
        code === 'customer_key_unknown'
          ? {
              UpdateExpression: 'SET #keys.#kid.#status = :revoked',
              ExpressionAttributeNames: { '#keys': 'keys', '#kid': signer.kid, '#status': 'status' },
              ExpressionAttributeValues: { ':revoked': 'revoked' },
            }
          : { UpdateExpression: 'SET tokenVersion = tokenVersion + :one', ExpressionAttributeValues: { ':one': 1 } };
      const stop = beforeCommit(customerId, () =>
        tablesClient().send(new UpdateCommand({ TableName: stack.tables.customers!, Key: { customerId }, ...update })),
      );
      try {
        const reply = await call('POST', '/orders', {
          token,
          body: { envelope: seal(customerId, signer, [{ sku: `RACE-${customerId}`, qty: 2 }]) },
        });
        expect([reply.status, reply.body.error]).toEqual([status, expect.objectContaining({ code })]);
      } finally {
        stop();
      }
      const admin = await call('GET', `/products`, { token: adminToken });
      const product = (admin.body.products as Array<{ sku: string; stock: number }>).find(
        (p) => p.sku === `RACE-${customerId}`,
      );
      expect(product?.stock).toBe(10); // nothing committed
      const stored = await scanAll(stack.tables.orders!);
      expect(stored.filter((order) => order.customerId === customerId)).toEqual([]);
    },
  );

  it('hostile bodies: an envelope over 16 384 characters is 413 envelope_too_large; lone surrogates anywhere are 400', async () => {
    const { token } = await newCustomer('attack-bodies', 'ed25519');
    const large = await call('POST', '/orders', { token, body: { envelope: 'A'.repeat(20_000) } });
    expect(large.status).toBe(413);
    expect(large.body).toMatchObject({ error: { code: 'envelope_too_large' } });
    const ill = [
      ['POST', '/login', { body: { customerId: 'attack-bodies', password: 'a demo password \ud800' } }],
      ['POST', '/admin/products', { token: adminToken, body: { sku: 'ILL-1', name: 'Pump \udc00', priceCents: 1 } }],
      ['POST', '/orders', { token, body: { envelope: 'A\ud800' } }],
      ['POST', '/password', { token, body: { oldPassword: PASSWORD, newPassword: 'long enough \ud83d passphrase' } }],
    ] as const;
    for (const [method, path, options] of ill) {
      const reply = await call(method, path, options);
      expect([path, reply.status], JSON.stringify(reply.body)).toEqual([path, 400]);
      expect(reply.body).toMatchObject({ error: { code: 'invalid_request' } });
      expect((reply.body.error as { message: string }).message).toContain('ill-formed');
    }
  });

  it('the gateway’s own answers carry the security headers too (401, 403, 404, 413)', async () => {
    const { token } = await newCustomer('attack-headers', 'ed25519');
    const replies = await Promise.all([
      call('GET', '/orders'),
      call('GET', '/admin/orders', { token }),
      call('GET', '/no-such-route'),
      call('DELETE', '/products'),
      call('POST', '/orders', { token, body: { envelope: 'A'.repeat(40_000) } }),
    ]);
    // A method the path lacks is API Gateway's "missing authentication token", answered 404 as an unknown path.
    expect(replies.map((reply) => reply.status)).toEqual([401, 403, 404, 404, 413]);
    for (const reply of replies) {
      expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
      expect(reply.headers.get('cache-control')).toBe('no-store');
    }
  });
});

describe('concurrency', () => {
  it('200 concurrent orders from 10 customers for one SKU with stock 50: exactly 50 accepted, stock 0, no 5xx', async () => {
    await newProduct('HOT-1', 50);
    const customers = await Promise.all(Array.from({ length: 10 }, (_, i) => newCustomer(`rush-${i}`, 'ed25519')));
    const attempts = Array.from({ length: 200 }, (_, i) => {
      const customer = customers[i % 10]!;
      return call('POST', '/orders', {
        token: customer.token,
        body: { envelope: seal(`rush-${i % 10}`, customer.signer, [{ sku: 'HOT-1', qty: 1 }]) },
      });
    });
    const replies = await Promise.all(attempts);
    const statuses = replies.map((reply) => reply.status);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    expect(statuses.filter((status) => status === 201)).toHaveLength(50);
    const refused = replies.filter((reply) => reply.status === 409);
    expect(refused).toHaveLength(150);
    for (const reply of refused) expect(reply.body).toMatchObject({ error: { code: 'out_of_stock', sku: 'HOT-1' } });
    expect(await stockOf('HOT-1', customers[0]!.token)).toBe(0);

    const scan = await new DynamoDBClient({
      region: 'eu-west-1',
      endpoint: stack.dynamodbEndpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }).send(
      new ScanCommand({
        TableName: stack.tables.orders,
        FilterExpression: 'begins_with(customerId, :rush)',
        ExpressionAttributeValues: { ':rush': { S: 'rush-' } },
      }),
    );
    expect(scan.Count).toBe(50);
  });

  it('a multi-line order with one line short changes no stock at all', async () => {
    await newProduct('PAIR-A', 10);
    await newProduct('PAIR-B', 1);
    const { signer, token } = await newCustomer('pair-buyer', 'ed25519');
    const reply = await call('POST', '/orders', {
      token,
      body: {
        envelope: seal('pair-buyer', signer, [
          { sku: 'PAIR-A', qty: 5 },
          { sku: 'PAIR-B', qty: 2 },
        ]),
      },
    });
    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({ error: { code: 'out_of_stock', sku: 'PAIR-B', available: 1 } });
    expect(await stockOf('PAIR-A', token)).toBe(10);
    expect(await stockOf('PAIR-B', token)).toBe(1);
  });
});

describe('accounts and the order lifecycle', () => {
  it('pays on acceptance, refuses what the balance cannot cover, and a cancellation restocks and refunds once', async () => {
    await newProduct('PAY-1', 50, 1000);
    const buyer = await newCustomer('payer', 'ed25519');
    // Start from a known balance: take the test funds back out with a negative adjustment, then credit 100.00.
    const adjusted = await call('POST', '/admin/customers/payer/credit', {
      token: adminToken,
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

    await stack.poller.drained();
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
        token: adminToken,
      });
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      const orders = page.body.orders as Array<{ orderId: string; customerId: string; acceptedAt: string }>;
      expect(orders.length).toBeLessThanOrEqual(1);
      seen.push(...orders.filter((order) => order.customerId === 'queued').map((order) => order.orderId));
      cursor = page.body.next as string | undefined;
      pages++;
    } while (cursor && pages < 1000);
    expect(seen).toEqual(ids); // oldest first

    const shown = await call('GET', `/admin/orders/${ids[0]!}`, { token: adminToken });
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      customerId: 'queued',
      signature: { publicKeyPem: expect.any(String) as unknown },
    });

    const fulfilled = await call('POST', `/admin/orders/${ids[0]!}/fulfil`, { token: adminToken });
    expect(fulfilled.status, JSON.stringify(fulfilled.body)).toBe(200);
    expect(fulfilled.body).toMatchObject({ status: 'fulfilled', fulfilledAt: expect.any(String) as unknown });
    for (const reply of [
      await call('POST', `/admin/orders/${ids[0]!}/fulfil`, { token: adminToken }),
      await call('POST', `/orders/${ids[0]!}/cancel`, {
        token: buyer.token,
        body: { cancellation: cancellation('queued', buyer.signer, ids[0]!) },
      }),
    ]) {
      expect(reply.status).toBe(409);
      expect(reply.body).toMatchObject({ error: { code: 'order_closed', status: 'fulfilled' } });
    }

    const byOpd = await call('POST', `/admin/orders/${ids[1]!}/cancel`, {
      token: adminToken,
      body: { reason: 'discontinued line' },
    });
    expect(byOpd.status, JSON.stringify(byOpd.body)).toBe(200);
    expect(byOpd.body).toMatchObject({ status: 'cancelled', cancellation: { by: 'opd', reason: 'discontinued line' } });

    const lists = Object.fromEntries(
      await Promise.all(
        (['accepted', 'fulfilled', 'cancelled'] as const).map(async (status) => {
          const reply = await call('GET', `/admin/orders?status=${status}&limit=100`, { token: adminToken });
          const orders = reply.body.orders as Array<{ orderId: string }>;
          return [status, orders.map((order) => order.orderId).filter((id) => ids.includes(id))] as const;
        }),
      ),
    );
    expect(lists).toEqual({ accepted: [ids[2]], fulfilled: [ids[0]], cancelled: [ids[1]] });

    const customer = await call('GET', '/admin/customers/queued', { token: adminToken });
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
    const listed = await call('GET', '/admin/customers?limit=100', { token: adminToken });
    expect((listed.body.customers as Array<{ customerId: string }>).map((c) => c.customerId)).toContain('queued');

    await stack.poller.drained();
    expect((await emailsFor('queued@customer.test')).map((email) => email.subject)).toEqual(
      expect.arrayContaining([`Order ${ids[0]!} fulfilled`, `Order ${ids[1]!} cancelled`]),
    );
  });

  it('refuses bad input on every new route with a 4xx and a stable code', async () => {
    const buyer = await newCustomer('hostile', 'ed25519');
    const other = await newCustomer('bystander', 'ed25519');
    await newProduct('HOST-1', 10, 100);
    const placed = await call('POST', '/orders', {
      token: other.token,
      body: { envelope: seal('bystander', other.signer, [{ sku: 'HOST-1', qty: 1 }]) },
    });
    const othersOrder = placed.body.orderId as string;
    const cases: Array<
      [string, string, { token?: string; body?: unknown; headers?: Record<string, string> }, number, string]
    > = [
      // A money route without an Idempotency-Key is not offered: a lost answer and a retry would credit twice.
      [
        'POST',
        '/admin/customers/hostile/credit',
        { body: { amountCents: 100, reference: 'x' }, headers: {} },
        400,
        'invalid_request',
      ],
      [
        'POST',
        '/admin/customers/hostile/credit',
        { body: { amountCents: '100', reference: 'x' } },
        400,
        'invalid_request',
      ],
      [
        'POST',
        '/admin/customers/hostile/credit',
        { body: { amountCents: 1.5, reference: 'x' } },
        400,
        'invalid_request',
      ],
      ['POST', '/admin/customers/hostile/credit', { body: { amountCents: 0, reference: 'x' } }, 400, 'invalid_request'],
      [
        'POST',
        '/admin/customers/hostile/credit',
        { body: { amountCents: 1e20, reference: 'x' } },
        400,
        'invalid_request',
      ],
      ['POST', '/admin/customers/hostile/credit', { body: { amountCents: 100 } }, 400, 'invalid_request'],
      [
        'POST',
        '/admin/customers/hostile/credit',
        { body: { amountCents: 1, reference: 'a\u0000b' } },
        400,
        'invalid_request',
      ],
      [
        'POST',
        '/admin/customers/hostile/credit',
        { body: { amountCents: -(OPENING_BALANCE + 1), reference: 'x' } },
        402,
        'insufficient_funds',
      ],
      ['POST', '/admin/customers/nobody-here/credit', { body: { amountCents: 100, reference: 'x' } }, 404, 'not_found'],
      [
        'POST',
        `/admin/customers/${'x'.repeat(10_000)}/credit`,
        { body: { amountCents: 1, reference: 'x' } },
        400,
        'invalid_request',
      ],
      ['GET', '/admin/customers/nobody-here', {}, 404, 'not_found'],
      [
        'POST',
        '/admin/customers/hostile/credit',
        { body: { amountCents: 1, reference: 'refund \ud800' } },
        400,
        'invalid_request',
      ],
      [
        'POST',
        '/admin/customers/hostile/credit',
        { body: { amountCents: 1, reference: '\u202egoodwill' } },
        400,
        'invalid_request',
      ],
      ['POST', `/admin/orders/${othersOrder}/cancel`, { body: { reason: 'flood\u2067' } }, 400, 'invalid_request'],
      // Malformed percent-escapes, a lone surrogate's bytes, NUL and an RTL override in path parameters: refused at the edge.
      ['GET', '/admin/orders/%ZZ', {}, 400, 'invalid_request'],
      ['POST', '/orders/%/cancel', { token: buyer.token, body: {} }, 400, 'invalid_request'],
      ['POST', '/orders/%C0%AF/cancel', { token: buyer.token, body: {} }, 400, 'invalid_request'],
      ['GET', '/admin/customers/%FF', {}, 400, 'invalid_request'],
      ['GET', '/admin/customers/%ED%A0%80', {}, 400, 'invalid_request'],
      ['POST', '/orders/%E0%A4%A/cancel', { token: buyer.token, body: {} }, 400, 'invalid_request'],
      ['GET', '/admin/customers/a%00b', {}, 400, 'invalid_request'],
      ['GET', '/admin/customers/%E2%80%AEhostile', {}, 400, 'invalid_request'],
      ['GET', '/admin/orders?status=lost', {}, 400, 'invalid_request'],
      ['GET', '/admin/orders?limit=0', {}, 400, 'invalid_request'],
      ['GET', '/admin/orders?cursor=!!!', {}, 400, 'invalid_request'],
      ['GET', `/admin/orders?cursor=${'A'.repeat(10_000)}`, {}, 400, 'invalid_request'],
      [
        'GET',
        `/admin/orders?cursor=${Buffer.from('{"status":"accepted","x":"y"}').toString('base64url')}`,
        {},
        400,
        'invalid_request',
      ],
      ['GET', '/admin/orders/AAAAAAAAAAAAAAAAAAAAAAAAAA', {}, 404, 'not_found'],
      ['POST', '/admin/orders/AAAAAAAAAAAAAAAAAAAAAAAAAA/fulfil', {}, 404, 'not_found'],
      ['POST', `/admin/orders/${othersOrder}/cancel`, { body: { reason: '' } }, 400, 'invalid_request'],
      ['GET', '/account?cursor=-1', { token: buyer.token }, 400, 'invalid_request'],
      ['GET', '/account?limit=1000', { token: buyer.token }, 400, 'invalid_request'],
      // Someone else's order is not found (its existence is not disclosed); a cancellation for another order is refused.
      [
        'POST',
        `/orders/${othersOrder}/cancel`,
        { token: buyer.token, body: { cancellation: cancellation('hostile', buyer.signer, othersOrder) } },
        404,
        'not_found',
      ],
      [
        'POST',
        `/orders/${othersOrder}/cancel`,
        { token: other.token, body: { cancellation: cancellation('bystander', other.signer, 'B'.repeat(23)) } },
        400,
        'claims_invalid',
      ],
      [
        'POST',
        `/orders/${othersOrder}/cancel`,
        { token: other.token, body: { cancellation: cancellation('bystander', buyer.signer, othersOrder) } },
        400,
        'customer_key_unknown',
      ],
      [
        'POST',
        `/orders/${othersOrder}/cancel`,
        {
          token: other.token,
          body: { cancellation: cancellation('bystander', other.signer, othersOrder, { now: Date.now() - 3_600_000 }) },
        },
        400,
        'iat_too_old',
      ],
      [
        'POST',
        `/orders/${othersOrder}/cancel`,
        { token: other.token, body: { cancellation: placed.body.receipt } },
        400,
        'signature_malformed',
      ],
      [
        'POST',
        `/orders/${othersOrder}/cancel`,
        { token: other.token, body: { cancellation: 42 } },
        400,
        'invalid_request',
      ],
      ['GET', '/admin/orders', { token: buyer.token }, 403, 'forbidden'],
      [
        'POST',
        '/admin/customers/hostile/credit',
        { token: buyer.token, body: { amountCents: 100, reference: 'x' } },
        403,
        'forbidden',
      ],
    ];
    for (const [method, path, options, status, code] of cases) {
      const headers = { 'Idempotency-Key': randomBytes(16).toString('base64url') };
      const reply = await call(method, path, { token: adminToken, headers, ...options });
      expect([path.slice(0, 80), reply.status, reply.body]).toEqual([
        path.slice(0, 80),
        status,
        { error: expect.objectContaining({ code }) as unknown },
      ]);
    }
    // Nothing of that moved money or stock.
    expect(await account(buyer.token)).toMatchObject({ balanceCents: OPENING_BALANCE, entries: 1 });
    expect(await account(other.token)).toMatchObject({ balanceCents: OPENING_BALANCE - 100, entries: 2 });
  });
});

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
            token: adminToken,
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
      scanAll(stack.tables.orders!),
      scanAll(stack.tables.ledger!),
      scanAll(stack.tables.customers!),
      scanAll(stack.tables.inventory!),
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

describe('no email lost', () => {
  it('orders succeed while the SES emulator is down; every confirmation arrives once it is back', async () => {
    await newProduct('MAIL-1', 100);
    const { signer, token } = await newCustomer('mail-outage', 'ed25519');
    await stack.stopInbox();
    const orderIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const reply = await call('POST', '/orders', {
        token,
        body: { envelope: seal('mail-outage', signer, [{ sku: 'MAIL-1', qty: 1 }]) },
      });
      expect(reply.status).toBe(201);
      orderIds.push(reply.body.orderId as string);
    }
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the poller tries, fails and backs off meanwhile
    await stack.startInbox();
    await stack.poller.drained();
    const subjects = (await emailsFor('mail-outage@customer.test')).map((email) => email.subject).sort();
    expect(subjects).toEqual(orderIds.map((id) => `Order ${id} accepted`).sort());
    expect(stack.poller.deadLetters).toEqual([]);
  });
});

describe('mail owed is sent at least once', () => {
  /** Puts an order's confirmation in the state a sender leaves when it dies between sending and recording. */
  async function crashedWhileSending(customerId: string, orderId: string, claimedAgoMs: number) {
    const since = Date.now() - claimedAgoMs;
    await tablesClient().send(
      new UpdateCommand({
        TableName: stack.tables.orders!,
        Key: { customerId, orderId },
        UpdateExpression:
          'SET emailStatus = :sending, emailClaimedAt = :since, emailOwed = :owed, emailOwedSince = :since REMOVE emailSentAt',
        ExpressionAttributeValues: { ':sending': 'sending', ':since': since, ':owed': 'owed' },
      }),
    );
  }

  async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  const stored = async (customerId: string, orderId: string) =>
    (
      await tablesClient().send(
        new GetCommand({ TableName: stack.tables.orders!, Key: { customerId, orderId }, ConsistentRead: true }),
      )
    ).Item as OrderRecord | undefined;

  it('a sender that died between sending and recording: the sweeper’s timer sends it again, no new order, no restart', async () => {
    await newProduct('SWEEP-1', 10);
    const { signer, token } = await newCustomer('sweep-crash', 'ed25519');
    const reply = await call('POST', '/orders', {
      token,
      body: { envelope: seal('sweep-crash', signer, [{ sku: 'SWEEP-1', qty: 1 }]) },
    });
    expect(reply.status).toBe(201);
    const orderId = reply.body.orderId as string;
    await stack.poller.drained();
    expect(await emailsFor('sweep-crash@customer.test')).toHaveLength(1);

    // A claim younger than the stale limit is left alone: its sender may still be at work.
    await crashedWhileSending('sweep-crash', orderId, 2 * 60_000);
    await stack.sweep();
    expect((await stored('sweep-crash', orderId))?.emailStatus).toBe('sending');

    // Six minutes old: its sender is gone. Nothing else happens; the timer's sweep sends it.
    await crashedWhileSending('sweep-crash', orderId, 6 * 60_000);
    const emails = await waitFor('the swept email', async () => {
      const found = await emailsFor('sweep-crash@customer.test');
      return found.length === 2 ? found : undefined;
    });
    expect(emails.map((email) => email.subject)).toEqual([`Order ${orderId} accepted`, `Order ${orderId} accepted`]);
    const after = await waitFor('the recorded send', async () => {
      const order = await stored('sweep-crash', orderId);
      return order?.emailStatus === 'sent' ? order : undefined;
    });
    expect(after.emailOwed).toBeUndefined(); // out of the owed index
  });

  it('a failed email is listed for the OPD and re-sent by po admin emails retry', async () => {
    await newProduct('SWEEP-2', 10);
    const { signer, token } = await newCustomer('sweep-failed', 'ed25519');
    const reply = await call('POST', '/orders', {
      token,
      body: { envelope: seal('sweep-failed', signer, [{ sku: 'SWEEP-2', qty: 1 }]) },
    });
    const orderId = reply.body.orderId as string;
    await stack.poller.drained();
    await tablesClient().send(
      new UpdateCommand({
        TableName: stack.tables.orders!,
        Key: { customerId: 'sweep-failed', orderId },
        UpdateExpression:
          'SET emailStatus = :failed, emailOwed = :failed, emailOwedSince = :since, emailFailure = :why REMOVE emailSentAt',
        ExpressionAttributeValues: { ':failed': 'failed', ':since': Date.now(), ':why': 'MessageRejected: test' },
      }),
    );
    const failed = await call('GET', '/admin/emails?status=failed&limit=100', { token: adminToken });
    expect(failed.status).toBe(200);
    expect(failed.body.emails).toContainEqual(
      expect.objectContaining({
        orderId,
        customerId: 'sweep-failed',
        kind: 'confirmation',
        status: 'failed',
        failure: 'MessageRejected: test',
      }),
    );
    const { run } = await poWorkspace('po-e2e-emails-');
    const listed = await run(['--profile', 'admin', 'admin', 'emails', '--status', 'failed', '--limit', '100']);
    expect(listed.stdout).toMatch(
      new RegExp(`${orderId}\\s+sweep-failed\\s+confirmation.*failed: MessageRejected: test`),
    );
    const retried = await run(['--profile', 'admin', 'admin', 'emails', 'retry', orderId]);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toContain(`confirmation for order ${orderId}: sent`);
    expect(await emailsFor('sweep-failed@customer.test')).toHaveLength(2);
    expect((await stored('sweep-failed', orderId))?.emailOwed).toBeUndefined();
    const again = await run(['--profile', 'admin', 'admin', 'emails', 'retry', orderId]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('[not_found]');
    const bad = await call('GET', '/admin/emails?status=lost', { token: adminToken });
    expect(bad.status).toBe(400);
  });
});

describe('the po journey for each signature algorithm', () => {
  it.each([
    ['rsa', 'PS256'],
    ['dsa', 'DS256'],
    ['ecdsa', 'ES256'],
    ['ed25519', 'EdDSA'],
  ] as const)(
    'po keygen --alg %s → po admin registers → po login → po order → email → po orders',
    async (alg, jwsAlg) => {
      const { home, run, setUpCustomer } = await poWorkspace(`po-journey-${alg}-`);
      const customerId = `po-${alg}`;
      const sku = `POJ-${alg.toUpperCase()}`;
      await newProduct(sku, 5, 1000);
      await setUpCustomer(customerId, alg);
      const order = await run(['--json', 'order', `${sku}:2`, '--yes']);
      expect(order.code, order.stderr).toBe(0);
      expect(order.stderr).toMatch(/Quote from the OPD \(USD\):[\s\S]*2\s+10\.00\s+20\.00[\s\S]*total USD 20\.00/);
      const placed = JSON.parse(order.stdout) as {
        orderId: string;
        signedAt: string;
        signature: { alg: string };
        evidence: { file: string; verified: boolean };
      };
      expect(placed.signature.alg).toBe(jwsAlg);
      expect(placed.evidence.verified).toBe(true);
      expect(statSync(placed.evidence.file).mode & 0o777).toBe(0o600);

      await stack.poller.drained();
      const [email] = await emailsFor(`${customerId}@customer.test`);
      expect(email?.subject).toBe(`Order ${placed.orderId} accepted`);
      expect(email?.text).toContain(`Signed at:   ${placed.signedAt}`);
      const listed = await run(['orders']);
      expect(listed.stdout).toMatch(new RegExp(`^${placed.orderId}\\s.*\\ssent$`, 'm'));

      // Export the evidence; it is exactly what po kept when it checked the receipt.
      const bundleFile = join(home, 'order.evidence.json');
      const exported = await run(['orders', 'export', placed.orderId, '--out', bundleFile]);
      expect(exported.code, exported.stderr).toBe(0);
      expect(statSync(bundleFile).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(bundleFile, 'utf8'))).toEqual(
        JSON.parse(readFileSync(placed.evidence.file, 'utf8')),
      );

      // Offline: no profile, no network (any connection attempt would fail the command).
      const verified = await offlineVerify(bundleFile);
      expect(verified.code, verified.stderr).toBe(0);
      expect(verified.stdout).toMatch(new RegExp(`^VALID: order ${placed.orderId} of customer ${customerId}`));
      expect(verified.stdout).toMatch(/total USD 20\.00/);
      // And with openssl and jq only (docs/evidence.md).
      expect(runRecipe(bundleFile)).toMatchObject({ code: 0, stderr: '' });

      // A hand-edited bundle (quantity 2 → 20 in the signed order) fails both ways.
      const bundle = JSON.parse(readFileSync(bundleFile, 'utf8')) as { order: { jws: string } };
      const [header, payload, signature] = bundle.order.jws.split('.') as [string, string, string];
      const edited = Buffer.from(payload, 'base64url').toString().replace('"qty":2', '"qty":20');
      bundle.order.jws = `${header}.${Buffer.from(edited).toString('base64url')}.${signature}`;
      const editedFile = join(home, 'edited.evidence.json');
      writeFileSync(editedFile, JSON.stringify(bundle, null, 2));
      const refused = await offlineVerify(editedFile);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/\[order_signature_invalid\]/);
      expect(runRecipe(editedFile)).toMatchObject({ code: 1, stderr: expect.stringMatching(/^INVALID: /) as unknown });
    },
  );
});

/** `po verify` as a third party runs it: no profile, an empty home, and no network at all. */
async function offlineVerify(file: string) {
  const { po } = await import('../helpers/po.js');
  const nowhere = mkdtempSync(join(tmpdir(), 'po-offline-'));
  const noNetwork = fileURLToPath(new URL('../helpers/no-network.mjs', import.meta.url));
  return po(['verify', file], {
    env: { HOME: nowhere, PO_CONFIG_DIR: join(nowhere, 'none'), NODE_OPTIONS: `--import=${noNetwork}` },
  });
}

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
      expect((await call('PATCH', `/admin/products/${sku}`, { token: adminToken, body: { priceCents } })).status).toBe(
        200,
      );

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
      call('PATCH', '/admin/products/RACE-1', { token: adminToken, body: { priceCents: 350 } }),
    ]);
    const orderReplies = replies.slice(0, orders.length);
    expect(orderReplies.filter((reply) => reply.status >= 500)).toEqual([]);
    orderReplies.forEach((reply, i) => {
      if (reply.status === 201) expect(reply.body).toMatchObject({ totalCents: orders[i]!.price });
      else expect(reply.body).toMatchObject({ error: { code: 'price_changed' } });
    });
    const accepted = orderReplies.filter((reply) => reply.status === 201).length;
    expect(accepted).toBeGreaterThan(0);
    expect(await stockOf('RACE-1', adminToken)).toBe(1000 - accepted);
  });
});

describe('po order on a terminal', () => {
  it('shows the quote and asks; a price change before the commit shows the new quote and asks again', async () => {
    const { home, setUpCustomer } = await poWorkspace('po-terminal-');
    await newProduct('TTY-1', 10, 700);
    await setUpCustomer('tty-buyer', 'ed25519');
    const { poOnTerminal } = await import('../helpers/po.js');
    const env = { PO_CONFIG_DIR: join(home, 'config') };

    // Declining sends nothing.
    const declined = poOnTerminal(['order', 'TTY-1:2'], env);
    await declined.waitFor(/Sign and send this order for USD 14\.00\? \[y\/N\]/);
    declined.type('n');
    const no = await declined.exited;
    expect(no.code).toBe(1);
    expect(no.output).toMatch(/not sent: the quote was declined \[declined\]/);
    expect(await stockOf('TTY-1', adminToken)).toBe(10);

    // The price changes while the person reads the quote: the OPD refuses, po shows the new quote and asks again.
    const session = poOnTerminal(['order', 'TTY-1:2'], env);
    await session.waitFor(/TTY-1\s+2\s+7\.00\s+14\.00[\s\S]*\[y\/N\]/);
    expect(
      (await call('PATCH', '/admin/products/TTY-1', { token: adminToken, body: { priceCents: 800 } })).status,
    ).toBe(200);
    session.type('y');
    await session.waitFor(
      /prices changed since the quote; nothing was ordered[\s\S]*TTY-1\s+2\s+8\.00\s+16\.00[\s\S]*\[y\/N\]/,
    );
    expect(await stockOf('TTY-1', adminToken)).toBe(10);
    session.type('y');
    const done = await session.exited;
    expect(done.code, done.output).toBe(0);
    expect(done.output).toMatch(/total USD 16\.00/);
    expect(done.output).toMatch(/receipt verified: signed by the OPD \(opd\) with receipt key /);
    expect(await stockOf('TTY-1', adminToken)).toBe(8);
  });
});

describe('sessions on the server', () => {
  it('po logout ends the session everywhere (a copied token is refused, the order cache too); whoami and profiles', async () => {
    const { home, run, setUpCustomer } = await poWorkspace('po-sessions-');
    await newProduct('SES-1', 10, 100);
    await setUpCustomer('ses-erin', 'ed25519', ['laptop', 'phone']);
    const sessionOf = (profile: string) =>
      JSON.parse(readFileSync(join(home, 'config', 'sessions', `${profile}.json`), 'utf8')) as { token: string };
    const copied = sessionOf('phone').token;
    expect((await run(['--profile', 'phone', 'order', 'SES-1:1', '--yes'])).code).toBe(0); // the authorizer's answer is cached

    const whoami = await run(['--profile', 'laptop', 'whoami']);
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(whoami.stdout).toMatch(/^profile {3}laptop \(http:\/\/127\.0\.0\.1:\d+\)$/m);
    expect(whoami.stdout).toMatch(/^customer {2}ses-erin$/m);
    expect(whoami.stdout).toMatch(/^session {3}customer, valid until \d{4}-\d\d-\d\dT/m);
    const profiles = await run(['profiles']);
    expect(profiles.stdout.split('\n')[0]).toMatch(/^PROFILE\s+CUSTOMER\s+API\s+SESSION$/);
    expect(profiles.stdout).toMatch(/^phone\s+ses-erin\s+http:\S+\s+until /m);

    const logout = await run(['--profile', 'laptop', 'logout']);
    expect(logout.code, logout.stderr).toBe(0);
    expect(logout.stdout).toBe('logged out: every session of ses-erin has ended\n');
    expect((await call('GET', '/orders', { token: copied })).status).toBe(401);
    const before = await stockOf('SES-1', adminToken);
    const envelope = sealOrder({
      customerId: 'ses-erin',
      items: [{ sku: 'SES-1', qty: 1, unitPriceCents: 100 }],
      currency: 'USD',
      signer: signingKey(parsePrivateKeyPem(readFileSync(join(home, 'keys', 'ses-erin.key.pem'), 'utf8'))),
      server,
    });
    const cachedRoute = await call('POST', '/orders', { token: copied, body: { envelope } });
    expect(cachedRoute.status).toBe(401); // the cached authorizer answer let it through; the commit refused it
    expect(await stockOf('SES-1', adminToken)).toBe(before);

    const afterwards = await run(['--profile', 'phone', 'whoami']);
    expect(afterwards.code).toBe(0); // po cannot know yet: the session file is still there
    const refused = await run(['--profile', 'phone', 'orders']);
    expect(refused.code).toBe(2); // like an expired session: log in again
    expect(refused.stderr).toMatch(/the session has ended; run `po login` \[unauthorized\]\n$/);
    expect((await run(['--profile', 'laptop', 'whoami'])).stdout).toMatch(/^session {3}not logged in: po login$/m);
    expect((await run(['--profile', 'laptop', 'logout'])).stdout).toBe('was not logged in\n');
  });
});

describe('po admin speaks to people', () => {
  it('prices go in as decimals and come out with the currency; a weak initial password is refused before anything is sent', async () => {
    const { home, run } = await poWorkspace('po-admin-words-');
    const added = await run([
      '--profile',
      'admin',
      'admin',
      'products',
      'add',
      '--sku',
      'WORDS-1',
      '--name',
      'Words',
      '--price',
      '24.50',
      '--stock',
      '5',
    ]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toBe('added WORDS-1 "Words": USD 24.50 each, 5 in stock\n');
    const json = await run(['--profile', 'admin', '--json', 'admin', 'products', 'update', 'WORDS-1', '--price', '3']);
    expect(JSON.parse(json.stdout)).toEqual({
      sku: 'WORDS-1',
      name: 'Words',
      priceCents: 300,
      stock: 5,
      currency: 'USD',
    });
    const badPrice = await run(['--profile', 'admin', 'admin', 'products', 'update', 'WORDS-1', '--price', '3.999']);
    expect(badPrice.code).toBe(2);
    expect(badPrice.stderr).toContain('--price is an amount like 24.50 (at most two decimals), not "3.999"');

    await run(['keygen', '--alg', 'ed25519', '--out', join(home, 'keys'), '--name', 'words']);
    const add = (password: string) =>
      run(
        [
          '--profile',
          'admin',
          'admin',
          'customers',
          'add',
          '--customer',
          'words-fay',
          '--email',
          'fay@customer.test',
          '--key',
          join(home, 'keys', 'words.pub.pem'),
          '--password-stdin',
        ],
        `${password}\n`,
      );
    const weak = await add('short');
    expect(weak.code).toBe(2);
    expect(weak.stderr).toBe('po: the password needs at least 12 characters; nothing was created [usage]\n');
    const created = await add(PASSWORD);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(
      /^created customer words-fay \(fay@customer\.test\)\n {2}keys: [\w-]{43}\n {2}they log in with: po login --customer words-fay\n$/,
    );
  });
});

describe('receipt key rotation', () => {
  it('leaves old receipts verifiable: exported after the rotation from a fresh profile, by po verify and openssl', async () => {
    const { home, run, setUpCustomer } = await poWorkspace('po-rotation-');
    await newProduct('ROT-1', 10, 100);
    await setUpCustomer('rot-buyer', 'ecdsa', ['before', 'after']);
    const order = await run(['--profile', 'before', '--json', 'order', 'ROT-1:1', '--yes']);
    expect(order.code, order.stderr).toBe(0);
    const placed = JSON.parse(order.stdout) as { orderId: string; evidence: { receiptKeyId: string } };

    const rotated = await run(['--profile', 'admin', '--json', 'admin', 'rotate-receipt-key']);
    expect(rotated.code, rotated.stderr).toBe(0);
    const newKid = (JSON.parse(rotated.stdout) as { kid: string }).kid;
    expect(newKid).not.toBe(placed.evidence.receiptKeyId);
    const published = (await call('GET', '/receipt-keys')).body as { keys: Array<{ kid: string }> };
    expect(published.keys.map((key) => key.kid)).toEqual(
      expect.arrayContaining([newKid, placed.evidence.receiptKeyId]),
    );

    // A profile that never saw the old receipt key exports the old order: the key comes from /receipt-keys.
    const bundleFile = join(home, 'old.evidence.json');
    const exported = await run(['--profile', 'after', 'orders', 'export', placed.orderId, '--out', bundleFile]);
    expect(exported.code, exported.stderr).toBe(0);
    expect((await offlineVerify(bundleFile)).code).toBe(0);
    expect(runRecipe(bundleFile).code).toBe(0);

    // Orders after the rotation get receipts that verify too.
    const later = await run(['--profile', 'after', 'order', 'ROT-1:1', '--yes']);
    expect(later.code, later.stderr).toBe(0);
    expect(later.stdout).toMatch(/receipt verified/);
  });
});

describe('the po CLI against the local stack', () => {
  it('keygen → admin registers the customer → login → order → email → po orders; pin, rotation and errors', async () => {
    const { home, run, registerCustomer } = await poWorkspace('po-cli-e2e-');

    await newProduct('CLI-1', 20, 1999);

    const keygen = await run(['keygen', '--alg', 'dsa', '--out', join(home, 'keys'), '--name', 'carol']);
    expect(keygen.code).toBe(0);
    const added = await registerCustomer('cli-carol', 'cli-carol@customer.test', join(home, 'keys', 'carol.pub.pem'));
    expect(JSON.parse(added.stdout)).toMatchObject({ customerId: 'cli-carol', keyIds: [keygen.stdout.trim()] });

    expect(
      (
        await run([
          '--profile',
          'carol',
          'config',
          '--api',
          stack.apiUrl,
          '--customer',
          'cli-carol',
          '--key',
          join(home, 'keys', 'carol.key.pem'),
        ])
      ).code,
    ).toBe(0);
    const login = await run(['--profile', 'carol', 'login', '--password-stdin'], `${PASSWORD}\n`);
    expect(login.stdout).toMatch(/^logged in as cli-carol \(customer\)/);
    for (const file of ['config.json', 'sessions/carol.json'])
      expect(statSync(join(home, 'config', file)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(home, 'config', 'config.json'), 'utf8')).not.toContain(PASSWORD);

    const order = await run(['--profile', 'carol', '--json', 'order', 'CLI-1:2', '--note', 'by the CLI', '--yes']);
    expect(order.code, order.stderr).toBe(0);
    const placed = JSON.parse(order.stdout) as { orderId: string; totalCents: number; signature: { alg: string } };
    expect(placed).toMatchObject({ totalCents: 3998, signature: { alg: 'DS256' } });
    await stack.poller.drained();
    const mails = await emailsFor('cli-carol@customer.test');
    expect(mails.map((e) => e.subject)).toEqual([`Order ${placed.orderId} accepted`]);
    expect(mails[0]!.text).toContain('Your note: by the CLI');
    expect(mails[0]!.html).toContain('Your note: by the CLI');
    const listed = (await run(['--profile', 'carol', 'orders'])).stdout;
    expect(listed.split('\n')[0]).toMatch(/^ORDER\s+ACCEPTED\s+STATUS\s+TOTAL\s+LINES\s+EMAIL$/);
    expect(listed).toMatch(new RegExp(`^${placed.orderId}\\s+\\S+\\s+accepted\\s+USD 39\\.98\\s+1\\s+`, 'm'));
    const shown = (await run(['--profile', 'carol', 'orders', 'show', placed.orderId])).stdout;
    expect(shown).toContain('evidence (JWS): ');
    expect(shown).toContain('  note: by the CLI');
    const test = await run(['--profile', 'carol', 'test']);
    expect(test.stdout).toMatch(/session\s+valid for cli-carol/);

    // A refusal is one sentence and its code, exit 1; an unreachable API is exit 3.
    const short = await run(['--profile', 'carol', 'order', 'CLI-1:500', '--yes']);
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/note: only 18 of CLI-1 in stock now; the OPD will refuse more/);
    expect(short.stderr.trim().split('\n').at(-1)).toBe('po: not enough stock for CLI-1: 18 left [out_of_stock]');
    expect((await run(['--profile', 'nowhere', 'config', '--api', 'http://127.0.0.1:9'])).code).toBe(0);
    const offline = await run(['--profile', 'nowhere', 'test']);
    expect(offline.code).toBe(3);
    expect(offline.stderr).toMatch(/cannot reach .*\[network\]/);

    // The server key is trusted like an ssh host key: after a rotation po stops before sending anything until the
    // person accepts the new fingerprint, which the admin was shown when rotating.
    const rotation = await run(['--profile', 'admin', 'admin', 'rotate-server-key']);
    expect(rotation.code, rotation.stderr).toBe(0);
    const announced = /fingerprint (\S+)/.exec(rotation.stdout)![1]!;
    expect(rotation.stdout).toContain(`po trust server-key ${announced.startsWith('-') ? '-- ' : ''}${announced}`);
    const history = (await call('GET', '/server-key')).body as {
      fingerprint: string;
      history: Array<{ fingerprint: string; status: string }>;
    };
    expect(history.fingerprint).toBe(announced);
    expect(history.history.map((entry) => entry.status)).toEqual(expect.arrayContaining(['active', 'retiring']));
    const stockBefore = await stockOf('CLI-1', adminToken);
    const afterRotation = await run(['--profile', 'carol', 'order', 'CLI-1:1', '--yes']);
    expect(afterRotation.code).toBe(1);
    expect(afterRotation.stderr).toContain('[server_key_changed]');
    expect(afterRotation.stderr).toContain(`fingerprint ${announced}`);
    expect(await stockOf('CLI-1', adminToken)).toBe(stockBefore); // nothing was sent
    const tested = await run(['--profile', 'carol', 'test']);
    expect(tested.code).toBe(1);
    expect(tested.stdout).toContain('server key    CHANGED');
    const printed = afterRotation.stderr
      .split('\n')
      .find((line) => line.includes(' trust server-key '))!
      .trim();
    expect(afterRotation.stderr).toMatch(
      /^po: the OPD's server key is not the one this profile trusts; nothing was sent\. \[server_key_changed\]$/m,
    );
    const accepted = await run(
      // the line exactly as printed
      printed.split(' ').slice(1),
    );
    expect(accepted.code, accepted.stderr).toBe(0);
    const ordered = await run(['--profile', 'carol', 'order', 'CLI-1:1', '--yes']);
    expect(ordered.code, ordered.stderr).toBe(0);
    expect(await stockOf('CLI-1', adminToken)).toBe(stockBefore - 1);

    // A different key under the trusted ID is refused the same way.
    const config = JSON.parse(readFileSync(join(home, 'config', 'config.json'), 'utf8')) as {
      profiles: Record<string, { serverKey: { fingerprint: string } }>;
    };
    config.profiles.carol!.serverKey.fingerprint = 'A'.repeat(43);
    writeFileSync(join(home, 'config', 'config.json'), JSON.stringify(config), { mode: 0o600 });
    const substituted = await run(['--profile', 'carol', 'order', 'CLI-1:1', '--yes']);
    expect(substituted.code).toBe(1);
    expect(substituted.stderr).toContain('[server_key_changed]');
    const key = (await call('GET', '/server-key')).body as { kid: string; publicKeyPem: string };
    server = { kid: key.kid, publicKey: parsePublicKeyPem(key.publicKeyPem) }; // later tests seal to the new key
  });
});

describe('po: account, cancel, and the admin queue', () => {
  it('shows the balance and ledger, cancels with evidence po verify accepts, and the admin works the queue', async () => {
    const { home, run, setUpCustomer } = await poWorkspace('po-money-');
    await newProduct('CLI-M', 20, 1250);
    await setUpCustomer('cli-payer', 'ed25519');
    const json = <T>(result: { code: number | null; stdout: string; stderr: string }): T => {
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as T;
    };
    expect(json<{ balanceCents: number }>(await run(['--json', 'account'])).balanceCents).toBe(OPENING_BALANCE);

    const placed = json<{ orderId: string }>(await run(['--json', 'order', 'CLI-M:2', '--yes']));
    const shown = await run(['account', '--limit', '1']);
    expect(shown.stdout).toContain(`balance USD ${((OPENING_BALANCE - 2500) / 100).toFixed(2)}`);
    expect(shown.stdout).toMatch(new RegExp(`order\\s+-25\\.00.*${placed.orderId}`));
    expect(shown.stdout).toContain('More: po account --cursor');
    expect(shown.stdout).toMatch(/^ {2}KEY ID\s+ALG\s+STATUS\s+ADDED\s+REVOKED$/m);

    const cancelled = await run(['orders', 'cancel', placed.orderId, '--yes']);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toContain('cancellation receipt verified: refund USD 25.00 in ledger entry 3');
    expect(json<{ balanceCents: number }>(await run(['--json', 'account'])).balanceCents).toBe(OPENING_BALANCE);
    expect((await run(['orders'])).stdout).toMatch(new RegExp(`${placed.orderId}\\s+\\S+\\s+cancelled\\s`));
    const again = await run(['orders', 'cancel', placed.orderId, '--yes']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('[declined]');

    const file = join(home, 'cancelled.evidence.json');
    expect((await run(['orders', 'export', placed.orderId, '--out', file])).code).toBe(0);
    const verified = json<{ status: string; cancellation: { by: string; refundCents: number } }>(
      await run(['--json', 'verify', file]),
    );
    expect(verified).toMatchObject({ status: 'cancelled', cancellation: { by: 'customer', refundCents: 2500 } });
    // A bundle whose cancellation request was swapped for another order's does not verify.
    const bundle = JSON.parse(readFileSync(file, 'utf8')) as { cancellation: { request: { jws: string } } };
    const [h, p, sig] = bundle.cancellation.request.jws.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    bundle.cancellation.request.jws = [
      h,
      Buffer.from(JSON.stringify({ ...claims, orderId: 'X'.repeat(23) })).toString('base64url'),
      sig,
    ].join('.');
    writeFileSync(file, JSON.stringify(bundle));
    const forged = await run(['verify', file]);
    expect(forged.code).toBe(1);
    expect(forged.stderr).toContain('[cancellation_invalid]');

    // The admin: the queue, fulfilment, the customer's account, a credit.
    const second = json<{ orderId: string }>(await run(['--json', 'order', 'CLI-M:1', '--yes']));
    // Follow the queue's "More:" lines until the new order shows (earlier tests left many accepted orders).
    let queue = '';
    for (let cursor: string[] = [], page = 0; page < 50; page++) {
      const listed = await run(['--profile', 'admin', 'admin', 'orders', 'list', '--limit', '100', ...cursor]);
      expect(listed.code, listed.stderr).toBe(0);
      queue += listed.stdout;
      const more = /--cursor (\S+)$/m.exec(listed.stdout);
      if (!more || listed.stdout.includes(second.orderId)) break;
      cursor = ['--cursor', more[1]!];
    }
    expect(queue).toMatch(new RegExp(`${second.orderId}\\s+cli-payer.*1×CLI-M`));
    expect(queue).toMatch(/^ORDER\s+CUSTOMER\s+ACCEPTED\s+TOTAL\s+LINES$/m);
    const fulfilled = await run(['--profile', 'admin', 'admin', 'orders', 'fulfil', second.orderId]);
    expect(fulfilled.code, fulfilled.stderr).toBe(0);
    expect(fulfilled.stdout).toContain(`Order ${second.orderId}: fulfilled`);
    const credit = json<{ amountCents: number; type: string }>(
      await run([
        '--profile',
        'admin',
        '--json',
        'admin',
        'customers',
        'credit',
        'cli-payer',
        '12.50',
        '--reference',
        'goodwill',
      ]),
    );
    expect(credit).toMatchObject({ amountCents: 1250, type: 'credit' });
    const adjust = (amount: string) =>
      run(['--profile', 'admin', 'admin', 'customers', 'credit', 'cli-payer', amount, '--reference', 'rounding']);
    const up = await adjust('0.01');
    expect(up.stdout).toMatch(
      /^Credited cli-payer USD 0\.01 \(ledger entry \d+, credit\); balance now USD \d+\.\d\d\n$/,
    );
    const down = await adjust('-0.01');
    expect(down.stdout).toMatch(
      /^Debited cli-payer USD 0\.01 \(ledger entry \d+, adjustment\); balance now USD \d+\.\d\d\n$/,
    );
    const badAmount = await run([
      '--profile',
      'admin',
      'admin',
      'customers',
      'credit',
      'cli-payer',
      '1e3',
      '--reference',
      'x',
    ]);
    expect(badAmount.code).toBe(2);
    const customer = await run(['--profile', 'admin', 'admin', 'customers', 'show', 'cli-payer']);
    expect(customer.stdout).toContain(`balance USD ${((OPENING_BALANCE - 1250 + 1250) / 100).toFixed(2)}`);
    expect(customer.stdout).toContain('not locked');
    expect(customer.stdout).toContain('goodwill');
  });
});

describe('npm run first-admin', () => {
  it('creates an administrator who can log in and use the admin routes', async () => {
    const { spawnSync } = await import('node:child_process');
    const args = [
      '--import',
      'tsx',
      'scripts/first-admin.ts',
      '--table',
      stack.tables.customers!,
      '--region',
      'eu-west-1',
    ];
    const firstAdmin = () =>
      spawnSync(
        process.execPath,
        [...args, '--customer', 'first-root', '--email', 'root@opd.test', '--password-stdin'],
        {
          input: 'the first admin password\n',
          encoding: 'utf8',
          env: {
            ...process.env,
            DYNAMODB_ENDPOINT: stack.dynamodbEndpoint,
            AWS_ACCESS_KEY_ID: 'local',
            AWS_SECRET_ACCESS_KEY: 'local',
          },
        },
      );
    const result = firstAdmin();
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('created admin first-root');
    const token = await login('first-root', 'the first admin password');
    const product = { sku: 'ROOT-1', name: 'Root product', priceCents: 1, stock: 1 };
    expect((await call('POST', '/admin/products', { token, body: product })).status).toBe(201);
    const again = firstAdmin(); // a second run must not silently replace the admin
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('[already_exists]');
  });
});
