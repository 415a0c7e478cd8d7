/**
 * End to end against a real local stack (DynamoDB Local, the local KMS endpoint, the SES emulator, the API adapter and
 * the stream poller, all running the production handlers), started on random ports and stopped afterwards: a
 * customer's order from registration to the email, attacks on it, and orders at once for scarce stock.
 */
import { createHash } from 'node:crypto';
import { ScanCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { compactVerify, createLocalJWKSet } from 'jose';
import type { JSONWebKeySet } from 'jose';
import { describe, expect, it } from 'vitest';
import { dynamo } from '../../shared/aws/clients.js';
import {
  PASSWORD,
  call,
  emailsFor,
  newCustomer,
  newProduct,
  scanAll,
  seal,
  e2eStackForThisFile,
  stockOf,
  tablesClient,
} from '../helpers/e2e.js';

const e2e = e2eStackForThisFile();

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

    await e2e.stack.poller.drained();
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
        tablesClient().send(
          new UpdateCommand({ TableName: e2e.stack.tables.customers!, Key: { customerId }, ...update }),
        ),
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
      const admin = await call('GET', `/admin/products`, { token: e2e.adminToken });
      const product = (admin.body.products as Array<{ sku: string; stock: number }>).find(
        (p) => p.sku === `RACE-${customerId}`,
      );
      expect(product?.stock).toBe(10); // nothing committed
      const stored = await scanAll(e2e.stack.tables.orders!);
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
      [
        'POST',
        '/admin/products',
        { token: e2e.adminToken, body: { sku: 'ILL-1', name: 'Pump \udc00', priceCents: 1 } },
      ],
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
      endpoint: e2e.stack.dynamodbEndpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }).send(
      new ScanCommand({
        TableName: e2e.stack.tables.orders,
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
