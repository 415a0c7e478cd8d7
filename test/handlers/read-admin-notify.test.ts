/** Read routes, admin routes and the notifier, against mocked DynamoDB, KMS and SES. */
import { generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createHash } from 'node:crypto';
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { APIGatewayProxyResult, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { OrderRecord } from '../../shared/orders.js';
import { exportPublicKeyPem, parsePublicKeyPem, spkiFingerprint } from '../../shared/keys.js';
import {
  addCustomer,
  apiEvent,
  BatchGetCommand,
  awsError,
  bodyOf,
  ddb,
  EncryptCommand,
  GetCommand,
  installWorld,
  kms,
  lambdaContext,
  PutCommand,
  QueryCommand,
  SendEmailCommand,
  ses,
  TransactWriteCommand,
  transactionCancelled,
  UpdateCommand,
} from '../helpers/aws.js';
import type { World } from '../helpers/aws.js';

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;
let world: World;
let read: Handler;
let admin: Handler;
let notify: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

const ALICE = { customerId: 'alice', role: 'customer' as const };
const ROOT = { customerId: 'root', role: 'admin' as const };

const ORDER: OrderRecord = {
  customerId: 'alice',
  orderId: 'AAAAAAAAAAAAAAAAAAAAAA',
  lines: [{ sku: 'WIDGET-1', name: 'Widget', qty: 2, unitPriceCents: 1250 }],
  totalCents: 2500,
  currency: 'USD',
  status: 'accepted',
  acceptedAt: '2026-11-22T10:00:01.000Z',
  signedAt: '2026-11-22T10:00:00.000Z',
  jws: 'eyJ.eyJ.sig',
  alg: 'EdDSA',
  customerKeyId: 'alice-key',
  serverKeyId: 'server-1',
  receipt: 'eyJ.eyJ.receipt-signature',
  email: 'alice@customer.example',
  emailStatus: 'pending',
};

beforeEach(async () => {
  world = installWorld();
  vi.resetModules();
  read = (await import('../../functions/read/index.js')).handler as unknown as Handler;
  admin = (await import('../../functions/admin/index.js')).handler as unknown as Handler;
  notify = (await import('../../functions/notify/index.js')).notify;
  world.products.set('WIDGET-1', { sku: 'WIDGET-1', name: 'Widget', priceCents: 1250, stock: 10 });
});

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

describe('admin routes', () => {
  const call = (
    method: string,
    resource: string,
    body?: unknown,
    pathParameters?: Record<string, string>,
    session: { customerId: string; role: 'admin' | 'customer' } = ROOT,
  ) =>
    admin(
      apiEvent({
        method,
        resource,
        session,
        ...(body === undefined ? {} : { body }),
        ...(pathParameters ? { pathParameters } : {}),
      }),
      lambdaContext,
    );

  it('are forbidden to customers, even if the authorizer let one through', async () => {
    const response = await call(
      'POST',
      '/admin/products',
      { sku: 'X', name: 'X', priceCents: 1, stock: 1 },
      undefined,
      ALICE,
    );
    expect(response.statusCode).toBe(403);
    expect(bodyOf(response)).toMatchObject({ error: { code: 'forbidden' } });
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('create a customer with a hashed password and checked keys', async () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const response = await call('POST', '/admin/customers', {
      customerId: 'carol',
      email: 'carol@customer.example',
      password: 'a long password!',
      keys: [{ publicKeyPem: exportPublicKeyPem(publicKey) }],
    });
    expect(response.statusCode).toBe(201);
    expect(bodyOf(response)).toEqual({
      customerId: 'carol',
      email: 'carol@customer.example',
      role: 'customer',
      keyIds: [spkiFingerprint(publicKey)],
    });
    const put = ddb.commandCalls(PutCommand, { TableName: 'customers' })[0]!.args[0].input;
    expect(put.ConditionExpression).toBe('attribute_not_exists(customerId)');
    expect(put.Item).toMatchObject({
      customerId: 'carol',
      tokenVersion: 1,
      failedLogins: 0,
      keys: { [spkiFingerprint(publicKey)]: { alg: 'EdDSA', status: 'active' } },
    });
    expect(put.Item?.passwordHash).toMatch(/^scrypt\$17\$/);
    expect(JSON.stringify(put)).not.toContain('a long password!');
  });

  it('refuse customer keys below the minimum size, and weak passwords', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    const tooSmall = await call('POST', '/admin/customers', {
      customerId: 'dave',
      email: 'dave@customer.example',
      password: 'a long password!',
      keys: [{ publicKeyPem: exportPublicKeyPem(small) }],
    });
    expect(tooSmall.statusCode).toBe(400);
    expect(bodyOf(tooSmall)).toMatchObject({ error: { code: 'key_too_small' } });
    const weak = await call('POST', '/admin/customers', {
      customerId: 'dave',
      email: 'dave@customer.example',
      password: 'short',
    });
    expect(bodyOf(weak)).toMatchObject({ error: { code: 'password_policy' } });
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('add and revoke a customer key, unlock an account', async () => {
    await addCustomer(world, 'alice', 'correct horse battery');
    const { publicKey } = generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 224 });
    const added = await call(
      'POST',
      '/admin/customers/{customerId}/keys',
      { publicKeyPem: exportPublicKeyPem(publicKey), keyId: 'alice-dsa' },
      { customerId: 'alice' },
    );
    expect(added.statusCode).toBe(201);
    expect(ddb.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      ConditionExpression: 'attribute_exists(customerId) AND attribute_not_exists(#keys.#kid)',
      ExpressionAttributeValues: { ':key': { alg: 'DS256', status: 'active' } },
    });
    const revoked = await call('DELETE', '/admin/customers/{customerId}/keys/{keyId}', undefined, {
      customerId: 'alice',
      keyId: 'alice-dsa',
    });
    expect(bodyOf(revoked)).toEqual({ customerId: 'alice', keyId: 'alice-dsa', status: 'revoked' });
    const unlocked = await call('POST', '/admin/customers/{customerId}/unlock', undefined, { customerId: 'alice' });
    expect(bodyOf(unlocked)).toEqual({ customerId: 'alice', locked: false });
    expect(ddb.commandCalls(UpdateCommand).at(-1)?.args[0].input.UpdateExpression).toBe(
      'SET failedLogins = :zero REMOVE lockedUntil',
    );
  });

  it('answer 404 for unknown customers and products', async () => {
    ddb.on(UpdateCommand).rejects(awsError('ConditionalCheckFailedException'));
    expect(
      bodyOf(await call('POST', '/admin/customers/{customerId}/unlock', undefined, { customerId: 'nobody' })),
    ).toMatchObject({ error: { code: 'not_found' } });
    expect(bodyOf(await call('POST', '/admin/products/{sku}/restock', { quantity: 5 }, { sku: 'NOPE' }))).toMatchObject(
      { error: { code: 'not_found' } },
    );
  });

  it('create, re-price and restock products', async () => {
    expect(
      (await call('POST', '/admin/products', { sku: 'BOLT-9', name: 'Bolt', priceCents: 15, stock: 100 })).statusCode,
    ).toBe(201);
    ddb.on(UpdateCommand).resolves({ Attributes: { sku: 'BOLT-9', name: 'Bolt', priceCents: 20, stock: 150 } });
    expect((await call('PATCH', '/admin/products/{sku}', { priceCents: 20 }, { sku: 'BOLT-9' })).statusCode).toBe(200);
    expect((await call('POST', '/admin/products/{sku}/restock', { quantity: 50 }, { sku: 'BOLT-9' })).statusCode).toBe(
      200,
    );
    const [reprice, restock] = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(reprice).toMatchObject({
      UpdateExpression: 'SET #priceCents = :priceCents',
      ConditionExpression: 'attribute_exists(sku)',
    });
    expect(restock).toMatchObject({ UpdateExpression: 'ADD stock :qty', ExpressionAttributeValues: { ':qty': 50 } });
    for (const body of [{ priceCents: -1 }, {}, { stock: 5 }]) {
      expect(bodyOf(await call('PATCH', '/admin/products/{sku}', body, { sku: 'BOLT-9' }))).toMatchObject({
        error: { code: 'invalid_request' },
      });
    }
  });

  it.each([
    ['a NUL', 'Bolt\u0000'],
    ['a line break', 'Bolt\r\nBcc: mallory@example.com'],
    ['a right-to-left override', 'Bolt \u202eexe.'],
    ['a C1 next line (U+0085)', 'Bolt\u0085x'],
    ['a line separator (U+2028)', 'Bolt\u2028x'],
    ['201 characters', 'B'.repeat(201)],
  ])('refuse a product name holding %s, on create and on rename, writing nothing', async (_what, name) => {
    const created = await call('POST', '/admin/products', { sku: 'BOLT-9', name, priceCents: 15, stock: 100 });
    const renamed = await call('PATCH', '/admin/products/{sku}', { name }, { sku: 'BOLT-9' });
    for (const refused of [created, renamed]) {
      expect(refused.statusCode).toBe(400);
      expect(bodyOf(refused)).toMatchObject({
        error: { code: 'invalid_request', message: expect.stringMatching(/^name must /) as unknown },
      });
    }
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('rotate the server key: a new KMS-wrapped X25519 key becomes active, the old one decrypt-only', async () => {
    const response = await call('POST', '/admin/server-keys/rotate');
    expect(response.statusCode).toBe(201);
    const { kid, fingerprint, publicKeyPem } = bodyOf(response) as {
      kid: string;
      fingerprint: string;
      publicKeyPem: string;
    };
    expect(kid).not.toBe(world.server.kid);
    expect(fingerprint).toBe(spkiFingerprint(parsePublicKeyPem(publicKeyPem))); // to announce to the customers
    expect(kms.commandCalls(EncryptCommand)[0]?.args[0].input.EncryptionContext).toEqual({
      'po:purpose': 'server-key',
      'po:kid': kid,
    });
    const stored = ddb.commandCalls(PutCommand, { TableName: 'keys' })[0]!.args[0].input.Item!;
    expect(stored).toMatchObject({ purpose: 'server-key', kid, status: 'active' });
    expect(Buffer.from(stored.wrapped as Uint8Array).toString()).not.toContain('PRIVATE');
    const retire = ddb.commandCalls(UpdateCommand, { TableName: 'keys' })[0]!.args[0].input;
    expect(retire).toMatchObject({
      Key: { purpose: 'server-key', kid: world.server.kid },
      ConditionExpression: '#status = :active',
    });
  });
});

describe('credits, exactly once per Idempotency-Key', () => {
  const KEY = 'k2d8Qq1v3ZbA9xYt7LmN0w';
  const credit = (body: unknown, headers: Record<string, string> = { 'Idempotency-Key': KEY }) =>
    admin(
      apiEvent({
        method: 'POST',
        resource: '/admin/customers/{customerId}/credit',
        session: ROOT,
        body,
        headers,
        pathParameters: { customerId: 'alice' },
      }),
      lambdaContext,
    );
  const BODY = { amountCents: 5000, reference: 'wire 2026-12-07' };

  beforeEach(async () => {
    await addCustomer(world, 'alice', 'correct horse battery', [], { balanceCents: 1000, ledgerSeq: 3 });
  });

  /** The idempotency record the first credit's transaction put (what DynamoDB returns, ALL_OLD, when it is resent). */
  const recorded = () => ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!.at(-1)!.Put!.Item!;

  it('puts the key, the request digest and the entry in the credit’s own transaction: 201', async () => {
    const response = await credit(BODY);
    expect(response.statusCode).toBe(201);
    expect(bodyOf(response)).toMatchObject({ entry: 4, type: 'credit', amountCents: 5000, balanceAfterCents: 6000 });
    const [transaction] = ddb.commandCalls(TransactWriteCommand);
    const items = transaction!.args[0].input.TransactItems!;
    expect(items.map((item) => (item.Put ?? item.Update)!.TableName)).toEqual(['customers', 'ledger', 'idempotency']);
    expect(items[2]!.Put).toMatchObject({
      Item: { idempotencyKey: KEY, digest: expect.stringMatching(/^[\w-]{43}$/) as unknown, entry: { entry: 4 } },
      ConditionExpression: 'attribute_not_exists(idempotencyKey)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('the same key and body again (the first answer was lost): 200 Idempotent-Replayed, the first entry, nothing new', async () => {
    const first = await credit(BODY);
    const record = recorded();
    // The account moved (the first credit committed) and the key exists: the key decides.
    ddb
      .on(TransactWriteCommand)
      .rejects(
        transactionCancelled([
          { Code: 'ConditionalCheckFailed' },
          { Code: 'None' },
          { Code: 'ConditionalCheckFailed', Item: record },
        ]),
      );
    const again = await credit({ ...BODY, reference: '  wire 2026-12-07 ' }); // the same request once trimmed
    expect(again.statusCode).toBe(200);
    expect(again.headers?.['Idempotent-Replayed']).toBe('true');
    expect(bodyOf(again)).toEqual(bodyOf(first));
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2); // no retry: the key was answered
  });

  it.each([
    ['an adjustment that took the balance to 0 (too low now)', { amountCents: -1000, reference: 'write-off' }, 0],
    ['a credit that took the balance to the maximum (too high now)', { amountCents: 5000, reference: 'top' }, 1e18],
    ['a credit to a customer deleted since', BODY, undefined],
  ])(
    'resent after %s: the account as it is now would refuse it, the key answers with the first entry',
    async (_what, body, balanceNow) => {
      const first = await credit(body);
      expect(first.statusCode).toBe(201);
      // Applied: the account moved (or the customer went); the resent request must not be judged on that.
      if (balanceNow === undefined) world.customers.delete('alice');
      else world.customers.set('alice', { ...world.customers.get('alice')!, balanceCents: balanceNow, ledgerSeq: 4 });
      ddb.on(GetCommand, { TableName: 'idempotency' }).resolves({ Item: recorded() });
      const again = await credit(body);
      expect([again.statusCode, again.headers?.['Idempotent-Replayed']]).toEqual([200, 'true']);
      expect(bodyOf(again)).toEqual(bodyOf(first));
      const other = await credit({ ...body, reference: 'another one' });
      expect(bodyOf(other)).toMatchObject({ error: { code: 'idempotency_key_reused' } });
    },
  );

  it('a refusal for a key never seen is the refusal: 402, nothing recorded', async () => {
    const refused = await credit({ amountCents: -1001, reference: 'too much' });
    expect(bodyOf(refused)).toMatchObject({ error: { code: 'insufficient_funds' } });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it.each([
    ['another amount', { ...BODY, amountCents: 5001 }],
    ['another reference', { ...BODY, reference: 'wire 2026-12-08' }],
  ])('the same key with %s: 409 idempotency_key_reused, nothing written', async (_what, other) => {
    await credit(BODY);
    const record = recorded();
    ddb
      .on(TransactWriteCommand)
      .rejects(
        transactionCancelled([{ Code: 'None' }, { Code: 'None' }, { Code: 'ConditionalCheckFailed', Item: record }]),
      );
    const response = await credit(other);
    expect(response.statusCode).toBe(409);
    expect(bodyOf(response)).toMatchObject({ error: { code: 'idempotency_key_reused' } });
  });

  it.each([
    ['no Idempotency-Key', {}],
    ['an empty one', { 'Idempotency-Key': '' }],
    ['one too short to be random', { 'Idempotency-Key': 'abc' }],
    ['one of 10 KB', { 'Idempotency-Key': 'k'.repeat(10_240) }],
    ['one with a NUL', { 'Idempotency-Key': `${KEY}\u0000` }],
    ['one with an RTL mark', { 'Idempotency-Key': `${KEY}\u200f` }],
    ['one with percent-escapes', { 'Idempotency-Key': `${KEY}%2F%ZZ` }],
    ['two of them, joined', { 'Idempotency-Key': `${KEY}, ${KEY}` }],
  ])('refuses a credit with %s: 400, nothing read or written', async (_what, headers) => {
    const response = await credit(BODY, headers);
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({
      error: { code: 'invalid_request', message: expect.stringContaining('Idempotency-Key') as unknown },
    });
    expect(ddb.calls()).toHaveLength(0);
  });

  it('finds the header whatever the case of its name', async () => {
    expect((await credit(BODY, { 'idempotency-key': KEY })).statusCode).toBe(201);
  });
});

describe('receipt keys', () => {
  const call = (method: string, resource: string) =>
    admin(apiEvent({ method, resource, session: ROOT }), lambdaContext);

  beforeEach(async () => {
    await addCustomer(world, 'root', 'root password 123', [], { role: 'admin' });
  });

  it('rotate: a new KMS-wrapped Ed25519 key signs from now on; the old one signs no more and stays published', async () => {
    const response = await call('POST', '/admin/receipt-keys/rotate');
    expect(response.statusCode).toBe(201);
    const { kid, jwk } = bodyOf(response) as { kid: string; jwk: { kid: string; crv: string } };
    expect(jwk).toMatchObject({ kid, crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(kms.commandCalls(EncryptCommand)[0]?.args[0].input.EncryptionContext).toEqual({
      'po:purpose': 'receipt-key',
      'po:kid': kid,
    });
    const receiptKeys = world.keys.filter((key) => key.purpose === 'receipt-key');
    expect(receiptKeys.map((key) => [key.kid, key.status])).toEqual([
      [world.receipt.kid, 'retiring'],
      [kid, 'active'],
    ]);
    expect(receiptKeys[0]!.retireAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000)); // no grace: it signs no more
    const published = bodyOf(await read(apiEvent({ method: 'GET', resource: '/receipt-keys' }), lambdaContext));
    expect((published.keys as Array<{ kid: string }>).map((key) => key.kid).sort()).toEqual(
      [kid, world.receipt.kid].sort(),
    );
  });

  it('revoke (a key that leaked): a new key signs, the revoked one is published as revoked with its time, once', async () => {
    const revoke = (kid: string) =>
      admin(
        apiEvent({
          method: 'POST',
          resource: '/admin/receipt-keys/{kid}/revoke',
          session: ROOT,
          pathParameters: { kid },
        }),
        lambdaContext,
      );
    const response = await revoke(world.receipt.kid);
    expect(response.statusCode).toBe(200);
    const body = bodyOf(response) as {
      kid: string;
      revokedAt: string;
      signsNoMoreAfter: string;
      current: { kid: string };
      rotated: boolean;
    };
    expect(body).toMatchObject({ kid: world.receipt.kid, status: 'revoked', rotated: true });
    expect(body.current.kid).not.toBe(world.receipt.kid);
    const stored = world.keys.filter((key) => key.purpose === 'receipt-key');
    expect(stored.map((key) => [key.kid, key.status])).toEqual([
      [world.receipt.kid, 'revoked'],
      [body.current.kid, 'active'],
    ]);
    const published = bodyOf(await read(apiEvent({ method: 'GET', resource: '/receipt-keys' }), lambdaContext));
    expect(published).toMatchObject({
      current: body.current.kid,
      revoked: [{ kid: world.receipt.kid, revokedAt: body.revokedAt, signsNoMoreAfter: body.signsNoMoreAfter }],
    });
    expect((published.keys as unknown[]).length).toBe(2); // what it signed before stays verifiable
    // Again: nothing changes, the same answer (no second rotation).
    const again = bodyOf(await revoke(world.receipt.kid));
    expect(again).toMatchObject({ revokedAt: body.revokedAt, rotated: false, current: { kid: body.current.kid } });
    expect(world.keys.filter((key) => key.purpose === 'receipt-key')).toHaveLength(2);
    // An old key that no longer signs is revoked without a rotation; an unknown one is 404; "." is no key ID.
    expect(bodyOf(await revoke('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'))).toMatchObject({
      error: { code: 'not_found' },
    });
    expect((await revoke('..')).statusCode).toBe(400);
  });

  it('two revocations of the signing key at once: one rotation, one revocation, the same key named to both', async () => {
    const { revokeReceiptKey } = await import('../../shared/aws/receipt-key-revocation.js');
    const answers = await Promise.all([revokeReceiptKey(world.receipt.kid), revokeReceiptKey(world.receipt.kid)]);
    const receiptKeys = world.keys.filter((key) => key.purpose === 'receipt-key');
    expect(receiptKeys.map((key) => key.status).sort()).toEqual(['active', 'revoked']);
    const active = receiptKeys.find((key) => key.status === 'active')!;
    expect(answers.map((answer) => answer.current.kid)).toEqual([active.kid, active.kid]);
    expect(answers.map((answer) => answer.rotated).sort()).toEqual([false, true]);
    expect(answers[0].revokedAt).toBe(answers[1].revokedAt);
  });

  it('customers may not rotate it', async () => {
    const response = await admin(
      apiEvent({ method: 'POST', resource: '/admin/receipt-keys/rotate', session: ALICE }),
      lambdaContext,
    );
    expect(response.statusCode).toBe(403);
  });

  it('rank keys created at the same instant by ID in code-unit order, whatever the locale collates', async () => {
    const { listUsableKeys } = await import('../../shared/aws/keystore.js');
    const createdAt = '2026-11-22T00:00:00.000Z';
    for (const kid of ['B-key', 'a-key'])
      world.keys.push({ purpose: 'server-key', kid, wrapped: new Uint8Array([1]), status: 'active', createdAt });
    const ranked = (await listUsableKeys('server-key')).map((key) => key.kid);
    expect(ranked.slice(0, 2)).toEqual(['a-key', 'B-key']); // 'a' (U+0061) > 'B' (U+0042); a collation says a < B
  });

  it('two rotations at the same time leave an active key (the newest), never none', async () => {
    const { rotateServerKey, listUsableKeys } = await import('../../shared/aws/keystore.js');
    for (let round = 0; round < 20; round++) {
      // Same instant: the key IDs (random) decide which is newest, in code-unit order.
      const now = Date.now() + round * 1000;
      const [a, b] = await Promise.all([rotateServerKey(now), rotateServerKey(now)]);
      const active = world.keys.filter((key) => key.purpose === 'server-key' && key.status === 'active');
      expect(active.map((key) => key.kid)).toEqual([[a.kid, b.kid].sort().at(-1)]);
      expect((await listUsableKeys('server-key', now))[0]).toMatchObject({ kid: active[0]!.kid, status: 'active' });
    }
  });
});

describe('provisioning (the deploy-time custom resource)', () => {
  const provision = async (RequestType: 'Create' | 'Update' | 'Delete') =>
    (await import('../../functions/provision/index.js')).handler({
      RequestType,
      PhysicalResourceId: 'po-key-provisioning',
      ResourceProperties: {},
    } as never);

  it('creates the receipt key on the first update of a stack that had none, keeping the other keys', async () => {
    world.keys.splice(
      world.keys.findIndex((key) => key.purpose === 'receipt-key'),
      1,
    );
    const before = world.keys.map((key) => key.kid);
    const result = await provision('Update');
    const receipt = world.keys.find((key) => key.purpose === 'receipt-key');
    expect(receipt).toMatchObject({ status: 'active', kid: result.Data?.ReceiptKeyId });
    expect(world.keys.map((key) => key.kid)).toEqual([...before, receipt!.kid]);
    expect(result.Data?.ServerKeyId).toBe(world.server.kid);
    await provision('Update'); // idempotent: no second key
    expect(world.keys.filter((key) => key.purpose === 'receipt-key')).toHaveLength(1);
  });

  it('changes nothing on delete (keys outlive the stack)', async () => {
    const snapshot = () => world.keys.map((key) => `${key.purpose} ${key.kid} ${key.status}`);
    const before = snapshot();
    await provision('Delete');
    expect(snapshot()).toEqual(before);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });
});

describe('notify', () => {
  const stream = (
    ...records: Array<{ eventName: 'INSERT' | 'MODIFY'; order: Partial<OrderRecord>; sequence: string }>
  ): DynamoDBStreamEvent => ({
    Records: records.map(({ eventName, order, sequence }) => ({
      eventName,
      dynamodb: { SequenceNumber: sequence, NewImage: marshall(order) as never },
    })),
  });

  it('claims the order, emails the confirmation, marks it sent', async () => {
    const result = await notify(stream({ eventName: 'INSERT', order: ORDER, sequence: '1' }));
    expect(result.batchItemFailures).toEqual([]);
    const [email] = ses.commandCalls(SendEmailCommand);
    expect(email?.args[0].input).toMatchObject({
      Source: 'orders@opd.example',
      Destination: { ToAddresses: ['alice@customer.example'] },
    });
    const text = email!.args[0].input.Message!.Body!.Text!.Data!;
    expect(email!.args[0].input.Message!.Subject!.Data).toBe(`Order ${ORDER.orderId} accepted`);
    expect(text).toContain('Signed at:   2026-11-22T10:00:00.000Z');
    expect(text).toMatch(/WIDGET-1\s+2 ×\s+12\.50 =\s+25\.00/);
    expect(text).toContain('Total: USD 25.00');
    const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');
    expect(text).toContain(`order digest   (SHA-256 of your signed order): ${sha256(ORDER.jws)}`);
    expect(text).toContain(`receipt digest (SHA-256 of the OPD's receipt): ${sha256(ORDER.receipt)}`);
    const updates = ddb.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(updates[0]).toMatchObject({
      ConditionExpression: 'emailStatus = :from OR (emailStatus = :sending AND emailClaimedAt < :stale)',
      ExpressionAttributeValues: { ':from': 'pending', ':to': 'sending' },
    });
    expect(updates[1]).toMatchObject({ ExpressionAttributeValues: { ':from': 'sending', ':to': 'sent' } });
  });

  it('the note is in the email, its invisible characters shown; the HTML part is the same text, escaped', async () => {
    const note = 'dock 4 <b>&</b> \u202Eevil\u202C';
    const result = await notify(stream({ eventName: 'INSERT', order: { ...ORDER, note }, sequence: '1' }));
    expect(result.batchItemFailures).toEqual([]);
    const body = ses.commandCalls(SendEmailCommand)[0]!.args[0].input.Message!.Body!;
    const text = body.Text!.Data!;
    expect(text).toContain('Your note: dock 4 <b>&</b> \\u{202E}evil\\u{202C}');
    expect(text).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    const html = body.Html!.Data!;
    expect(html).toContain('Your note: dock 4 &#60;b&#62;&#38;&#60;/b&#62;');
    expect(html).not.toContain('<b>');
    const unescaped = /<pre[^>]*>([\s\S]*)<\/pre>/
      .exec(html)![1]!
      .replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));
    expect(unescaped).toBe(text); // the same content, character for character
  });

  it('a product name stored before the catalogue text rule cannot add a line or reorder the email: shown escaped', async () => {
    const name = 'Widget\r\nTotal: USD 0.00 \u202Eevil\u2028\u0000\ud800';
    const lines = [{ ...ORDER.lines[0]!, name }];
    await notify(stream({ eventName: 'INSERT', order: { ...ORDER, lines }, sequence: '1' }));
    const text = ses.commandCalls(SendEmailCommand)[0]!.args[0].input.Message!.Body!.Text!.Data!;
    const line = text.split('\n').find((each) => each.includes('Widget'));
    expect(line).toMatch(/ {3}Widget\\u\{D\}\\u\{A\}Total: USD 0\.00 \\u\{202E\}evil\\u\{2028\}\\u\{0\}\\u\{D800\}$/);
    expect(text).not.toMatch(/^Total: USD 0\.00/m);
    expect(text.isWellFormed()).toBe(true);
  });

  it('sends nothing for an order already claimed or sent (a retried batch sends once)', async () => {
    ddb.on(UpdateCommand).rejects(awsError('ConditionalCheckFailedException'));
    const result = await notify(stream({ eventName: 'INSERT', order: ORDER, sequence: '1' }));
    expect(result.batchItemFailures).toEqual([]);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('reports a failed send for retry and releases the claim; other records go on', async () => {
    ses.on(SendEmailCommand).rejectsOnce(awsError('ServiceUnavailable')).resolves({ MessageId: 'm-2' });
    const result = await notify(
      stream(
        { eventName: 'INSERT', order: ORDER, sequence: '1' },
        { eventName: 'INSERT', order: { ...ORDER, orderId: 'BBBBBBBBBBBBBBBBBBBBBB' }, sequence: '2' },
      ),
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '1' }]);
    const released = ddb
      .commandCalls(UpdateCommand)
      .map((call) => call.args[0].input.ExpressionAttributeValues)
      .find((values) => values?.[':from'] === 'sending' && values[':to'] === 'pending');
    expect(released).toBeDefined();
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(2);
  });

  it('ignores updates (only inserts carry a new order)', async () => {
    await notify(stream({ eventName: 'MODIFY', order: { ...ORDER, emailStatus: 'sent' }, sequence: '3' }));
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('orders without an address (since the order path stopped reading it) go to the customer’s address, read now', async () => {
    await addCustomer(world, 'alice', 'correct horse battery', [], { email: 'alice.now@customer.example' });
    const withoutEmail = Object.fromEntries(
      Object.entries(ORDER).filter(([name]) => name !== 'email'),
    ) as Partial<OrderRecord>;
    const result = await notify(stream({ eventName: 'INSERT', order: withoutEmail, sequence: '8' }));
    expect(result.batchItemFailures).toEqual([]);
    const [email] = ses.commandCalls(SendEmailCommand);
    expect(email?.args[0].input.Destination).toEqual({ ToAddresses: ['alice.now@customer.example'] });
    // Only the address: the notifier reads nothing else of a customer.
    const [read] = ddb.commandCalls(GetCommand, { TableName: 'customers' });
    expect(read?.args[0].input.ProjectionExpression).toBe('customerId, email');
  });

  it('gives up an order whose customer is gone (nobody to write to) even though SES works: marked failed, not retried', async () => {
    const withoutEmail = Object.fromEntries(
      Object.entries(ORDER).filter(([name]) => name !== 'email'),
    ) as Partial<OrderRecord>;
    ses.on(SendEmailCommand).resolves({ MessageId: 'never used' });
    const result = await notify(stream({ eventName: 'INSERT', order: withoutEmail, sequence: '9' }));
    expect(result.batchItemFailures).toEqual([]); // retrying cannot help: no dead-letter churn
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
    const failed = ddb
      .commandCalls(UpdateCommand)
      .find((call) => /Status = :failed/.test(call.args[0].input.UpdateExpression ?? ''));
    expect(failed?.args[0].input).toMatchObject({
      UpdateExpression: 'SET emailStatus = :failed, emailFailure = :reason, emailOwed = :failed',
      ConditionExpression: 'emailStatus = :sending',
      ExpressionAttributeValues: { ':reason': 'NoAddress: no customer alice to send to' },
    });
  });

  it.each(['MessageRejected', 'InvalidParameterValue'])(
    'gives up when SES rejects the message permanently (%s)',
    async (name) => {
      ses.on(SendEmailCommand).rejects(awsError(name, { $fault: 'client' }));
      const result = await notify(stream({ eventName: 'INSERT', order: ORDER, sequence: '10' }));
      expect(result.batchItemFailures).toEqual([]);
      const failed = ddb
        .commandCalls(UpdateCommand)
        .find((call) => /Status = :failed/.test(call.args[0].input.UpdateExpression ?? ''));
      expect(failed?.args[0].input.ExpressionAttributeValues?.[':reason']).toMatch(new RegExp(`^${name}: `));
    },
  );

  it('gives up text the SDK cannot encode (a URIError, as a lone surrogate in a product name once caused)', async () => {
    ses.on(SendEmailCommand).rejects(new URIError('URI malformed'));
    const result = await notify(stream({ eventName: 'INSERT', order: ORDER, sequence: '13' }));
    expect(result.batchItemFailures).toEqual([]); // before: retried, then dead-lettered, never sent
    const failed = ddb
      .commandCalls(UpdateCommand)
      .find((call) => /Status = :failed/.test(call.args[0].input.UpdateExpression ?? ''));
    expect(failed?.args[0].input.ExpressionAttributeValues?.[':reason']).toBe('URIError: URI malformed');
  });

  it('keeps retrying what may pass later (throttling, outages): reported for retry, never marked failed', async () => {
    ses.on(SendEmailCommand).rejects(awsError('Throttling'));
    const result = await notify(stream({ eventName: 'INSERT', order: ORDER, sequence: '11' }));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '11' }]);
    expect(
      ddb.commandCalls(UpdateCommand).some((call) => /:failed/.test(call.args[0].input.UpdateExpression ?? '')),
    ).toBe(false);
  });

  it('marking sent takes the order out of the owed index in the same update', async () => {
    await notify(stream({ eventName: 'INSERT', order: ORDER, sequence: '12' }));
    const sent = ddb
      .commandCalls(UpdateCommand)
      .map((call) => call.args[0].input)
      .find((input) => input.ExpressionAttributeValues?.[':to'] === 'sent');
    expect(sent?.UpdateExpression).toBe('SET emailStatus = :to, emailSentAt = :now REMOVE emailOwed, emailOwedSince');
  });
});

describe('sweeper', () => {
  const NOW = Date.parse('2026-11-22T12:00:00.000Z');
  const owed = (kind: 'email' | 'notice', minutesAgo: number, orderId = ORDER.orderId) => ({
    customerId: 'alice',
    orderId,
    [`${kind}Owed`]: 'owed',
    [`${kind}OwedSince`]: NOW - minutesAgo * 60_000,
  });

  /** Runs one sweep at NOW; returns the metrics it published, by name. */
  async function sweepAndMetrics(): Promise<Map<string, { unit: string; value: number }>> {
    const { metrics } = await import('../../shared/observability.js');
    const published = vi.spyOn(metrics, 'addMetric');
    const { sweep } = await import('../../functions/sweeper/index.js');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    try {
      await sweep();
    } finally {
      vi.useRealTimers();
    }
    return new Map(published.mock.calls.map(([name, unit, value]) => [name, { unit: String(unit), value }]));
  }

  it('publishes the age of the oldest mail owed, in seconds, whichever kind it is (alarmed past 15 minutes)', async () => {
    ddb.on(QueryCommand, { TableName: 'orders', IndexName: 'emailsOwed' }).resolves({ Items: [owed('email', 3)] });
    ddb
      .on(QueryCommand, { TableName: 'orders', IndexName: 'noticesOwed' })
      .resolves({ Items: [owed('notice', 20, 'BBBBBBBBBBBBBBBBBBBBBB'), owed('notice', 4, 'CCCCCCCCCCCCCCCCCCCCCC')] });
    ddb.on(GetCommand, { TableName: 'orders' }).resolves({ Item: { ...ORDER, noticeStatus: 'pending' } });
    const published = await sweepAndMetrics();
    expect(published.get('OldestOwedMailAge')).toEqual({ unit: 'Seconds', value: 20 * 60 });
    // It looked only at mail past the stream's grace period, and sent what it found.
    const queries = ddb.commandCalls(QueryCommand, { TableName: 'orders' }).map((call) => call.args[0].input);
    expect(queries.map((query) => query.ExpressionAttributeValues?.[':before'] as unknown)).toEqual([
      NOW - 60_000,
      NOW - 60_000,
    ]);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(3);
  });

  it('publishes 0 when no mail is owed, so the alarm always has a value to judge', async () => {
    ddb.on(QueryCommand, { TableName: 'orders' }).resolves({ Items: [] });
    const published = await sweepAndMetrics();
    expect(published.get('OldestOwedMailAge')).toEqual({ unit: 'Seconds', value: 0 });
    expect(published.get('SweptEmailsSent')).toEqual({ unit: 'Count', value: 0 });
  });

  it('publishes the age of mail it could not send as well (SES down): still owed, still counted', async () => {
    ddb.on(QueryCommand, { TableName: 'orders', IndexName: 'emailsOwed' }).resolves({ Items: [owed('email', 16)] });
    ddb.on(QueryCommand, { TableName: 'orders', IndexName: 'noticesOwed' }).resolves({ Items: [] });
    ddb.on(GetCommand, { TableName: 'orders' }).resolves({ Item: ORDER });
    ses.on(SendEmailCommand).rejects(awsError('ServiceUnavailable'));
    const published = await sweepAndMetrics();
    expect(published.get('OldestOwedMailAge')).toEqual({ unit: 'Seconds', value: 16 * 60 });
  });
});
