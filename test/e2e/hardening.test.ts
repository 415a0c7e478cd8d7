/**
 * Hardening against the real local stack, one warm instance of each handler (as a busy Lambda would be): what a warm
 * order function remembers never refuses an order, and a session that ended learns nothing on the route whose
 * authorizer answer the gateway keeps.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { receiptKeyId } from '../../shared/receipts.js';
import {
  PASSWORD,
  account,
  call,
  cancellation,
  fund,
  newCustomer,
  newProduct,
  poWorkspace,
  seal,
  e2eStackForThisFile,
  stockOf,
} from '../helpers/e2e.js';

const e2e = e2eStackForThisFile();

describe('a remembered account never refuses an order', () => {
  /** A customer credited `balanceCents`, and a way to order one of a new product at 10.00. */
  async function buyer(customerId: string, balanceCents: number) {
    const sku = customerId.toUpperCase();
    await newProduct(sku, 100, 1000);
    const { signer, token } = await newCustomer(customerId, 'ed25519', 0);
    await fund(customerId, balanceCents);
    const order = () =>
      call('POST', '/orders', {
        token,
        body: { envelope: seal(customerId, signer, [{ sku, qty: 1, unitPriceCents: 1000 }]) },
      });
    return { signer, token, order };
  }

  it('credit 10.00 → order 10.00 → credit 50.00 → order 10.00: both accepted, the balance 40.00', async () => {
    const { token, order } = await buyer('warm-credit', 1000);
    expect((await order()).status).toBe(201); // the order function now remembers USD 0.00
    await fund('warm-credit', 5000);
    const second = await order();
    expect([second.status, second.body]).toEqual([201, expect.objectContaining({ totalCents: 1000 })]);
    expect(await account(token)).toMatchObject({ balanceCents: 4000, entries: 4 });
  });

  it('order 10.00 → cancelled and refunded → order 10.00: accepted', async () => {
    const { signer, token, order } = await buyer('warm-refund', 1000);
    const first = await order();
    expect(first.status).toBe(201);
    const orderId = first.body.orderId as string;
    const cancelled = await call('POST', `/orders/${orderId}/cancel`, {
      token,
      body: { cancellation: cancellation('warm-refund', signer, orderId) },
    });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect((await order()).status).toBe(201);
    // And by the OPD: refunded again, ordered again.
    const second = (await call('GET', '/orders', { token })).body.orders as Array<{ orderId: string; status: string }>;
    const open = second.find((each) => each.status === 'accepted')!;
    const byOpd = await call('POST', `/admin/orders/${open.orderId}/cancel`, {
      token: e2e.adminToken,
      body: { reason: 'damaged in the warehouse', customerId: 'warm-refund' },
    });
    expect(byOpd.status, JSON.stringify(byOpd.body)).toBe(200);
    expect((await order()).status).toBe(201);
    expect(await account(token)).toMatchObject({ balanceCents: 0 });
  });

  it('a balance that truly cannot pay is refused with the true balance', async () => {
    const { order } = await buyer('warm-short', 1500);
    expect((await order()).status).toBe(201);
    await fund('warm-short', 400); // 9.00: still short of 10.00
    const refused = await order();
    expect([refused.status, refused.body.error]).toEqual([
      402,
      expect.objectContaining({ code: 'insufficient_funds', balanceCents: 900, neededCents: 1000 }),
    ]);
  });
});

describe('a session that ended learns nothing on POST /orders (whose authorizer answer the gateway keeps)', () => {
  const endings = {
    'a logout': async (token: string) => {
      expect((await call('POST', '/logout', { token })).status).toBe(200);
    },
    'a password change': async (token: string) => {
      const changed = await call('POST', '/password', {
        token,
        body: { oldPassword: PASSWORD, newPassword: 'an entirely new passphrase' },
      });
      expect(changed.status).toBe(200);
    },
  };

  it.each(Object.keys(endings) as Array<keyof typeof endings>)(
    'after %s: a resent envelope, an order beyond the stock and one at an old price all get 401 and nothing else',
    async (ending) => {
      const customerId = `ended-${ending.replaceAll(' ', '-')}`;
      const sku = `ENDED-${ending.length}`;
      await newProduct(sku, 5, 700);
      const { signer, token } = await newCustomer(customerId, 'ed25519');
      const sealed = seal(customerId, signer, [{ sku, qty: 1, unitPriceCents: 700 }]);
      const placed = await call('POST', '/orders', { token, body: { envelope: sealed } });
      expect(placed.status).toBe(201); // the gateway now keeps this token's authorizer answer
      await endings[ending](token);

      const attempts = {
        replay: sealed,
        beyondStock: seal(customerId, signer, [{ sku, qty: 5, unitPriceCents: 700 }]),
        oldPrice: seal(customerId, signer, [{ sku, qty: 1, unitPriceCents: 650 }]),
      };
      for (const [what, envelope] of Object.entries(attempts)) {
        const reply = await call('POST', '/orders', { token, body: { envelope } });
        expect([what, reply.status, reply.headers.get('idempotent-replayed')]).toEqual([what, 401, null]);
        expect(reply.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) as unknown } });
      }
      // And with no state changed: the one order, its stock.
      expect(await stockOf(sku, e2e.adminToken)).toBe(4);
    },
  );
});

describe('a credit is applied exactly once per Idempotency-Key', () => {
  const creditWith = (key: string | undefined, body: { amountCents: number; reference: string }) =>
    call('POST', '/admin/customers/once-credited/credit', {
      token: e2e.adminToken,
      body,
      headers: key === undefined ? {} : { 'Idempotency-Key': key },
    });

  it('resent after a lost answer, and eight copies in flight at once: one entry, the same answer to every copy', async () => {
    const { token } = await newCustomer('once-credited', 'ed25519', 0);
    const body = { amountCents: 2500, reference: 'wire 7731' };
    const key = randomBytes(16).toString('base64url');
    const first = await creditWith(key, body);
    expect(first.status).toBe(201);
    const resent = await creditWith(key, body);
    expect([resent.status, resent.headers.get('idempotent-replayed'), resent.body]).toEqual([200, 'true', first.body]);

    const concurrentKey = randomBytes(16).toString('base64url');
    const copies = await Promise.all(Array.from({ length: 8 }, () => creditWith(concurrentKey, body)));
    expect(copies.map((reply) => reply.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(copies.map((reply) => reply.body.entry))).toEqual(new Set([2]));

    const other = await creditWith(key, { ...body, amountCents: 2501 });
    expect([other.status, other.body.error]).toEqual([
      409,
      expect.objectContaining({ code: 'idempotency_key_reused' }),
    ]);
    const none = await creditWith(undefined, body);
    expect([none.status, none.body.error]).toEqual([400, expect.objectContaining({ code: 'invalid_request' })]);
    // Two credits, two entries: 50.00 in all.
    expect(await account(token)).toMatchObject({ balanceCents: 5000, entries: 2 });
    // An adjustment that takes the balance to 0, resent: the account now would refuse it (402); its key answers.
    const writeOff = { amountCents: -5000, reference: 'write-off' };
    const adjustKey = randomBytes(16).toString('base64url');
    const adjusted = await creditWith(adjustKey, writeOff);
    expect(adjusted.status).toBe(201);
    const adjustedAgain = await creditWith(adjustKey, writeOff);
    expect([adjustedAgain.status, adjustedAgain.body]).toEqual([200, adjusted.body]);
    expect(await account(token)).toMatchObject({ balanceCents: 0, entries: 3 });
  });
});

describe('the local API reads paths as API Gateway does', () => {
  it('a customer asking GET //admin/orders (or a dotted path) is answered 404 by the gateway, never another route', async () => {
    const { token } = await newCustomer('path-hostile', 'ed25519');
    // (fetch resolves dot segments itself, %2e%2e included, before sending: test/local-api.test.ts sends them raw.)
    for (const path of ['//admin/orders', '//orders', '/orders/', '/admin//orders']) {
      const reply = await call('GET', path, { token });
      expect([path, reply.status, reply.body.error]).toEqual([
        path,
        404,
        expect.objectContaining({ code: 'not_found' }),
      ]);
      expect(reply.body).not.toHaveProperty('orders');
    }
  });
});

describe('po orders says "newest first", and it is', () => {
  it('GET /orders pages newest accepted first, whatever the order IDs; po orders prints them so', async () => {
    const { run, setUpCustomer } = await poWorkspace('po-newest-');
    await newProduct('NEWEST-1', 50, 100);
    await setUpCustomer('newest-buyer', 'ed25519');
    // Placed A…, x…, y…, z…: by order ID the list would be oldest first, newest first is the reverse.
    const { signer, token } = await newCustomer('newest-api', 'ed25519');
    const ids = ['A', 'x', 'y', 'z'].map((first) => first + 'Q'.repeat(21));
    for (const jti of ids) {
      const placed = await call('POST', '/orders', {
        token,
        body: { envelope: seal('newest-api', signer, [{ sku: 'NEWEST-1', qty: 1 }], { jti }) },
      });
      expect(placed.status, JSON.stringify(placed.body)).toBe(201);
      await new Promise((resolve) => setTimeout(resolve, 5)); // distinct acceptance times
    }
    const first = await call('GET', '/orders?limit=3', { token });
    const second = await call('GET', `/orders?limit=3&cursor=${first.body.next as string}`, { token });
    const listed = [first, second].flatMap((page) =>
      (page.body.orders as Array<{ orderId: string }>).map((o) => o.orderId),
    );
    expect(listed).toEqual([...ids].reverse());
    expect(second.body.next).toBeUndefined();

    for (const n of [1, 2, 3]) expect((await run(['order', 'NEWEST-1:' + n, '--yes'])).code).toBe(0);
    const printed = await run(['orders']);
    expect(printed.code, printed.stderr).toBe(0);
    const accepted = printed.stdout
      .split('\n')
      .slice(1)
      .flatMap((line) => /^\S+\s+(\d{4}-\S+)/.exec(line)?.[1] ?? []);
    expect(accepted).toHaveLength(3);
    expect([...accepted].sort().reverse()).toEqual(accepted);
  });
});

describe('a revoked receipt key signs nothing more, in a warm order function, after the time the OPD announces', () => {
  it('po admin revoke-receipt-key: a new key signs, the revoked one is published as revoked, and no later receipt is its', async () => {
    const { run } = await poWorkspace('po-revoke-');
    await newProduct('REVOKE-1', 10, 100);
    const { signer, token } = await newCustomer('revoke-buyer', 'ed25519');
    const order = () =>
      call('POST', '/orders', {
        token,
        body: { envelope: seal('revoke-buyer', signer, [{ sku: 'REVOKE-1', qty: 1 }]) },
      });
    const before = await order(); // the order function holds the receipt key now
    const leaked = receiptKeyId(before.body.receipt as string);

    // `--`: a key ID is a base64url fingerprint, and one in 32 begins with "-", which would read as an option.
    const revoked = await run(['--profile', 'admin', '--json', 'admin', 'revoke-receipt-key', '--', leaked]);
    expect(revoked.code, revoked.stderr).toBe(0);
    const answer = JSON.parse(revoked.stdout) as {
      signsNoMoreAfter: string;
      current: { kid: string };
      rotated: boolean;
    };
    expect(answer.rotated).toBe(true);
    const human = await run(['--profile', 'admin', 'admin', 'revoke-receipt-key', leaked]);
    expect(human.stdout).toContain(`receipt key ${leaked} revoked at `); // again: the same revocation, nothing new

    const published = (await call('GET', '/receipt-keys')).body as {
      keys: Array<{ kid: string }>;
      current: string;
      revoked: Array<{ kid: string; signsNoMoreAfter: string }>;
    };
    expect(published.current).toBe(answer.current.kid);
    expect(published.revoked).toEqual([
      expect.objectContaining({ kid: leaked, signsNoMoreAfter: answer.signsNoMoreAfter }),
    ]);
    expect(published.keys.map((key) => key.kid)).toContain(leaked); // its earlier receipts stay verifiable

    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, Date.parse(answer.signsNoMoreAfter) - Date.now() + 50)),
    );
    const after = await Promise.all([order(), order(), order()]);
    for (const placed of after) {
      expect(placed.status).toBe(201);
      expect(receiptKeyId(placed.body.receipt as string)).toBe(answer.current.kid);
    }
  });
});
