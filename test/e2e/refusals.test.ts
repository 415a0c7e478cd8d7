/**
 * End to end against a real local stack, started on random ports and stopped afterwards: what is refused. Sessions
 * that ended, locked accounts, customers on admin routes; and bad input on every route, each with a stable code.
 */
import { randomBytes } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  OPENING_BALANCE,
  PASSWORD,
  account,
  call,
  cancellation,
  login,
  newCustomer,
  newProduct,
  seal,
  e2eStackForThisFile,
  stockOf,
  tablesClient,
} from '../helpers/e2e.js';

const e2e = e2eStackForThisFile();

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
    expect((await call('POST', '/admin/customers/session-lock/unlock', { token: e2e.adminToken })).status).toBe(200);
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
            TableName: e2e.stack.tables.customers!,
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
    const admin = await call('GET', '/admin/customers/session-storm', { token: e2e.adminToken });
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

describe('accounts and the order lifecycle', () => {
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
      const reply = await call(method, path, { token: e2e.adminToken, headers, ...options });
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
