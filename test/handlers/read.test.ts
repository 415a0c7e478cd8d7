/** The read routes (health, keys, products, a customer's orders), against mocked DynamoDB and KMS. */
import { generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { OrderRecord } from '../../shared/orders.js';
import { exportPublicKeyPem, spkiFingerprint } from '../../shared/keys.js';
import {
  addCustomer,
  apiEvent,
  BatchGetCommand,
  bodyOf,
  ddb,
  GetCommand,
  lambdaContext,
  QueryCommand,
} from '../helpers/aws.js';
import { ALICE, ORDER, coldStartBeforeEach, read, world } from '../helpers/handlers/read-admin-notify.js';

coldStartBeforeEach();

describe('read routes', () => {
  it('GET /health needs nothing', async () => {
    const response = await read(apiEvent({ method: 'GET', resource: '/health' }), lambdaContext);
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({ status: 'ok' });
  });

  it('GET /server-key publishes the active key as a JWK with its ID and fingerprint, and every server key since', async () => {
    const older = [generateKeyPairSync('x25519'), generateKeyPairSync('x25519')];
    const stored = (publicKey: KeyObject, retireAt: number, createdAt: string) =>
      world.keys.push({
        purpose: 'server-key',
        kid: `old-${retireAt}`,
        wrapped: new Uint8Array([1, 2, 3]),
        status: 'retiring',
        retireAt,
        createdAt,
        publicKeyPem: exportPublicKeyPem(publicKey),
      });
    stored(older[0]!.publicKey, 1, '2026-01-01T00:00:00.000Z'); // long retired
    stored(older[1]!.publicKey, 4_102_444_800, '2026-06-01T00:00:00.000Z'); // still decrypts, until 2100
    const response = await read(apiEvent({ method: 'GET', resource: '/server-key' }), lambdaContext);
    expect(response.statusCode).toBe(200);
    const body = bodyOf(response);
    expect(body).toMatchObject({
      kid: world.server.kid,
      alg: 'ECDH-ES',
      enc: 'A256GCM',
      fingerprint: spkiFingerprint(world.server.publicKey),
    });
    expect(body.jwk).toEqual({
      ...world.server.publicKey.export({ format: 'jwk' }),
      kid: world.server.kid,
      use: 'enc',
      alg: 'ECDH-ES',
    });
    expect(body.history).toEqual([
      expect.objectContaining({
        kid: world.server.kid,
        fingerprint: spkiFingerprint(world.server.publicKey),
        status: 'active',
      }),
      {
        kid: 'old-4102444800',
        fingerprint: spkiFingerprint(older[1]!.publicKey),
        createdAt: '2026-06-01T00:00:00.000Z',
        status: 'retiring',
        retireAt: '2100-01-01T00:00:00.000Z',
      },
      {
        kid: 'old-1',
        fingerprint: spkiFingerprint(older[0]!.publicKey),
        createdAt: '2026-01-01T00:00:00.000Z',
        status: 'retired',
        retireAt: '1970-01-01T00:00:01.000Z',
      },
    ]);
    expect(JSON.stringify(body)).not.toMatch(/"d"|PRIVATE|wrapped/);
  });

  it('GET /products lists the catalogue with its currency', async () => {
    const response = await read(apiEvent({ method: 'GET', resource: '/products', session: ALICE }), lambdaContext);
    expect(bodyOf(response)).toEqual({
      currency: 'USD',
      products: [{ sku: 'WIDGET-1', name: 'Widget', priceCents: 1250, stock: 10 }],
    });
  });

  it('GET /receipt-keys publishes every receipt key ever used, newest first, as a cacheable JWK Set', async () => {
    const retired = generateKeyPairSync('ed25519');
    world.keys.push({
      purpose: 'receipt-key',
      kid: spkiFingerprint(retired.publicKey),
      wrapped: new Uint8Array([1, 2, 3]),
      status: 'retiring',
      retireAt: 1, // long past: it signs nothing any more, and its receipts must still verify
      createdAt: '2026-10-01T00:00:00.000Z',
      publicKeyPem: exportPublicKeyPem(retired.publicKey),
    });
    const response = await read(apiEvent({ method: 'GET', resource: '/receipt-keys' }), lambdaContext);
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['Cache-Control']).toBe('public, max-age=300');
    const jwk = (publicKey: KeyObject) => ({
      kty: 'OKP',
      crv: 'Ed25519',
      x: publicKey.export({ format: 'jwk' }).x,
      kid: spkiFingerprint(publicKey),
      alg: 'EdDSA',
      use: 'sig',
    });
    expect(bodyOf(response)).toEqual({
      keys: [jwk(world.receipt.publicKey), jwk(retired.publicKey)],
      current: spkiFingerprint(world.receipt.publicKey),
      revoked: [],
    });
    expect(response.body).not.toMatch(/"d"|wrapped|PRIVATE/);
  });

  it.each(['x', 'A'.repeat(10_000), '%2e%2e%2f', '\u202eAAAAAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAAAAAAAA\u0000'])(
    'GET /orders/{id} with a hostile ID %#: 400 in words, nothing read',
    async (id) => {
      const response = await read(
        apiEvent({ method: 'GET', resource: '/orders/{id}', session: ALICE, pathParameters: { id } }),
        lambdaContext,
      );
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response)).toEqual({
        error: { code: 'invalid_request', message: 'the order ID in the URL is not a valid one' },
      });
      expect(ddb.commandCalls(GetCommand, { TableName: 'orders' })).toHaveLength(0);
    },
  );

  it("GET /orders/{id} reads only under the session customer, so nobody reads another customer's order", async () => {
    const aliceKey = generateKeyPairSync('ed25519');
    await addCustomer(world, 'alice', 'alice password 123', [
      { kid: 'alice-key', alg: 'EdDSA', publicKey: aliceKey.publicKey },
    ]);
    ddb
      .on(GetCommand, { TableName: 'orders' })
      .callsFake((input: { Key: { customerId: string; orderId: string } }) => ({
        Item: input.Key.customerId === 'alice' && input.Key.orderId === ORDER.orderId ? ORDER : undefined,
      }));
    const own = await read(
      apiEvent({ method: 'GET', resource: '/orders/{id}', session: ALICE, pathParameters: { id: ORDER.orderId } }),
      lambdaContext,
    );
    expect(own.statusCode).toBe(200);
    expect(bodyOf(own)).toMatchObject({
      orderId: ORDER.orderId,
      totalCents: 2500,
      currency: 'USD',
      signature: { jws: 'eyJ.eyJ.sig', keyId: 'alice-key', publicKeyPem: exportPublicKeyPem(aliceKey.publicKey) },
      receipt: ORDER.receipt,
    });
    // Strongly consistent: a client that lost the answer to POST /orders asks here whether the order was taken.
    expect(ddb.commandCalls(GetCommand, { TableName: 'orders' })[0]?.args[0].input.ConsistentRead).toBe(true);
    // The customer's key is read by projection: that one key, never the password hash.
    const customerReads = ddb.commandCalls(GetCommand, { TableName: 'customers' }).map((call) => call.args[0].input);
    expect(customerReads).toEqual([
      expect.objectContaining({
        Key: { customerId: 'alice' },
        ProjectionExpression: '#keys.#kid',
        ExpressionAttributeNames: { '#keys': 'keys', '#kid': 'alice-key' },
      }),
    ]);
    expect(own.body).not.toContain('scrypt$');
    const other = await read(
      apiEvent({
        method: 'GET',
        resource: '/orders/{id}',
        session: { customerId: 'bob', role: 'customer' },
        pathParameters: { id: ORDER.orderId },
      }),
      lambdaContext,
    );
    expect(other.statusCode).toBe(404);
    expect(
      ddb
        .commandCalls(GetCommand, { TableName: 'orders' })
        .map((call) => call.args[0].input.Key?.customerId as unknown),
    ).toEqual(['alice', 'bob']);
  });

  it("GET /orders pages through the session customer's orders newest first, validating limit and cursor", async () => {
    const older = { ...ORDER, orderId: 'zzzzzzzzzzzzzzzzzzzzzz', acceptedAt: '2026-11-22T09:00:00.000Z' };
    const newer = { ...ORDER, orderId: 'AAAAAAAAAAAAAAAAAAAAAA', acceptedAt: '2026-11-22T11:00:00.000Z' };
    const entry = (order: OrderRecord) => ({
      customerId: order.customerId,
      orderId: order.orderId,
      acceptedAt: order.acceptedAt,
    });
    ddb
      .on(QueryCommand, { TableName: 'orders', IndexName: 'byCustomer' })
      .resolves({ Items: [entry(newer), entry(older)], LastEvaluatedKey: entry(older) });
    // BatchGetItem answers in any order it likes: the page keeps the index's.
    ddb.on(BatchGetCommand).resolves({ Responses: { orders: [older, newer] } });
    const page = bodyOf(
      await read(
        apiEvent({ method: 'GET', resource: '/orders', session: ALICE, query: { limit: '2' } }),
        lambdaContext,
      ),
    );
    expect((page.orders as Array<{ orderId: string }>).map((order) => order.orderId)).toEqual([
      newer.orderId,
      older.orderId,
    ]);
    expect(ddb.commandCalls(QueryCommand, { TableName: 'orders' })[0]?.args[0].input).toMatchObject({
      IndexName: 'byCustomer',
      ExpressionAttributeValues: { ':customerId': 'alice' },
      ScanIndexForward: false,
      Limit: 2,
    });
    // The next page starts after the last entry, in this customer's partition only.
    await read(
      apiEvent({ method: 'GET', resource: '/orders', session: ALICE, query: { cursor: page.next as string } }),
      lambdaContext,
    );
    expect(ddb.commandCalls(QueryCommand, { TableName: 'orders' })[1]?.args[0].input.ExclusiveStartKey).toEqual(
      entry(older),
    );
    const foreign = Buffer.from(
      JSON.stringify({ acceptedAt: older.acceptedAt, orderId: older.orderId, customerId: 'bob' }),
    );
    for (const query of [
      { limit: '0' },
      { limit: '1000' },
      { limit: 'abc' },
      { cursor: '../x' },
      { cursor: older.orderId }, // an order ID is not a cursor (it was, before pages went by time)
      { cursor: foreign.toString('base64url') }, // a member the cursor does not have: another customer's partition
      { cursor: 'A'.repeat(10_000) },
    ] as Array<Record<string, string>>) {
      const response = await read(
        apiEvent({ method: 'GET', resource: '/orders', session: ALICE, query }),
        lambdaContext,
      );
      expect(bodyOf(response)).toMatchObject({ error: { code: 'invalid_request' } });
    }
  });

  it('GET /orders stops a page before its answer outgrows a Lambda response (6 MB); the next page goes on from there', async () => {
    const heavy = ['a', 'b', 'c'].map((letter, index) => ({
      ...ORDER,
      orderId: letter.repeat(22),
      acceptedAt: `2026-11-22T1${index}:00:00.000Z`,
      jws: 'x'.repeat(1_600_000), // not a real order's size: it makes three orders outweigh the budget
    }));
    ddb.on(QueryCommand, { TableName: 'orders', IndexName: 'byCustomer' }).resolves({
      Items: heavy.map(({ customerId, orderId, acceptedAt }) => ({ customerId, orderId, acceptedAt })),
    });
    ddb.on(BatchGetCommand).resolves({ Responses: { orders: heavy } });
    const response = await read(apiEvent({ method: 'GET', resource: '/orders', session: ALICE }), lambdaContext);
    expect(response.statusCode).toBe(200);
    expect(response.body.length).toBeLessThan(6 * 1024 * 1024);
    const page = bodyOf(response) as { orders: Array<{ orderId: string }>; next: string };
    expect(page.orders.map((order) => order.orderId)).toEqual([heavy[0]!.orderId, heavy[1]!.orderId]);
    expect(JSON.parse(Buffer.from(page.next, 'base64url').toString())).toEqual({
      acceptedAt: heavy[1]!.acceptedAt,
      orderId: heavy[1]!.orderId,
    });
  });

  it('refuses order routes without a session and unknown routes', async () => {
    expect((await read(apiEvent({ method: 'GET', resource: '/orders' }), lambdaContext)).statusCode).toBe(401);
    expect((await read(apiEvent({ method: 'DELETE', resource: '/orders' }), lambdaContext)).statusCode).toBe(404);
  });
});
