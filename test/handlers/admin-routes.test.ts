/** The admin routes for customers, products and the server key, against mocked DynamoDB and KMS. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { exportPublicKeyPem, parsePublicKeyPem, spkiFingerprint } from '../../shared/keys.js';
import {
  addCustomer,
  apiEvent,
  awsError,
  bodyOf,
  ddb,
  EncryptCommand,
  kms,
  lambdaContext,
  PutCommand,
  TransactWriteCommand,
  transactionCancelled,
  UpdateCommand,
} from '../helpers/aws.js';
import { ALICE, ROOT, admin, coldStartBeforeEach, world } from '../helpers/handlers/read-admin-notify.js';

coldStartBeforeEach();

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
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
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
      keyIds: [spkiFingerprint(publicKey)],
    });
    const [created, record] = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    const put = created!.Put!;
    expect(put.ConditionExpression).toBe('attribute_not_exists(customerId)');
    expect(record?.Put?.Item).toMatchObject({ action: 'customer.add', target: 'carol', actorKind: 'staff' });
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
    const [key, addedRecord, notice] = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(key?.Update).toMatchObject({
      ConditionExpression: 'attribute_exists(customerId) AND attribute_not_exists(#keys.#kid) AND size(#keys) < :max',
      ExpressionAttributeValues: { ':key': { alg: 'DS256', status: 'active' }, ':max': 100 },
    });
    expect(addedRecord?.Put?.Item).toMatchObject({ action: 'customer-key.add', target: 'alice', actorKind: 'staff' });
    // Whoever adds it, the customer is told (at least once: the notice owes its email until it is sent).
    expect(notice?.Put).toMatchObject({
      TableName: 'notices',
      Item: { customerId: 'alice', kind: 'key-added', keyId: 'alice-dsa', mailOwed: 'owed' },
    });
    // The mocked transaction stores nothing in the customers table: store the key as DynamoDB would have.
    const alice = world.customers.get('alice')!;
    const stored = key!.Update!.ExpressionAttributeValues![':key'] as (typeof alice.keys)[string];
    world.customers.set('alice', { ...alice, keys: { ...alice.keys, 'alice-dsa': stored } });
    const revoked = await call('DELETE', '/admin/customers/{customerId}/keys/{keyId}', undefined, {
      customerId: 'alice',
      keyId: 'alice-dsa',
    });
    expect(bodyOf(revoked)).toEqual({ customerId: 'alice', keyId: 'alice-dsa', status: 'revoked' });
    const revocation = ddb.commandCalls(TransactWriteCommand).at(-1)!.args[0].input.TransactItems!;
    expect(
      revocation.map((item) => item.Put?.TableName ?? item.Update?.TableName ?? item.ConditionCheck?.TableName),
    ).toEqual(['customers', 'audit', 'notices', 'staff']); // staff: the caller may still act, checked at commit
    expect(revocation[3]?.ConditionCheck).toMatchObject({
      Key: { staffId: 'root' },
      ConditionExpression: 'tokenVersion = :callerTokenVersion AND attribute_not_exists(disabledAt)',
    });
    expect(revocation[2]?.Put?.Item).toMatchObject({ kind: 'key-revoked', keyId: 'alice-dsa', activeKeys: 0 });
    const unlock = () => call('POST', '/admin/customers/{customerId}/unlock', undefined, { customerId: 'alice' });
    const transactions = ddb.commandCalls(TransactWriteCommand).length;
    // Nothing to lift: nothing written, nothing recorded.
    expect(bodyOf(await unlock())).toEqual({ customerId: 'alice', locked: false, changed: false });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(transactions);
    world.customers.set('alice', { ...world.customers.get('alice')!, failedLogins: 5 });
    expect(bodyOf(await unlock())).toEqual({ customerId: 'alice', locked: false, changed: true });
    const [lifted, record] = ddb.commandCalls(TransactWriteCommand).at(-1)!.args[0].input.TransactItems!;
    expect(lifted?.Update).toMatchObject({
      UpdateExpression: 'SET failedLogins = :zero REMOVE lockedUntil',
      ExpressionAttributeValues: { ':seen': 5, ':zero': 0 },
    });
    expect(record?.Put?.Item).toMatchObject({
      action: 'customer.unlock',
      target: 'alice',
      actorKind: 'staff',
      changes: { failedLogins: { before: 5, after: 0 } },
    });
  });

  it('an unlock that keeps meeting login attempts answers 503, never "no such customer"', async () => {
    await addCustomer(world, 'alice', 'correct horse battery', [], { failedLogins: 5 });
    ddb.on(TransactWriteCommand).rejects(transactionCancelled([{ Code: 'TransactionConflict' }, { Code: 'None' }]));
    const response = await call('POST', '/admin/customers/{customerId}/unlock', undefined, { customerId: 'alice' });
    expect([response.statusCode, (bodyOf(response).error as { code: string }).code]).toEqual([
      503,
      'service_unavailable',
    ]);
    // 3 reads and tries, each transaction sent 6 times while cancelled for conflicts alone (a staff request's).
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(3 * 6);
  });

  it('answer 404 for unknown customers and products', async () => {
    ddb.on(UpdateCommand).rejects(awsError('ConditionalCheckFailedException'));
    ddb.on(TransactWriteCommand).rejects(transactionCancelled([{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }]));
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
    // Each change is a transaction with its audit record, conditioned on the values it read (test/handlers/audit-*).
    world.products.set('BOLT-9', { sku: 'BOLT-9', name: 'Bolt', priceCents: 15, stock: 100 });
    expect((await call('PATCH', '/admin/products/{sku}', { priceCents: 20 }, { sku: 'BOLT-9' })).statusCode).toBe(200);
    expect((await call('POST', '/admin/products/{sku}/restock', { quantity: 50 }, { sku: 'BOLT-9' })).statusCode).toBe(
      200,
    );
    const [reprice, restock] = ddb
      .commandCalls(TransactWriteCommand)
      .slice(1)
      .map((c) => c.args[0].input.TransactItems![0]!.Update);
    expect(reprice).toMatchObject({
      UpdateExpression: 'SET #priceCents = :priceCents',
      ConditionExpression: '#priceCents = :was_priceCents AND attribute_not_exists(stockShards)',
    });
    expect(restock).toMatchObject({
      UpdateExpression: 'ADD stock :quantity',
      ExpressionAttributeValues: { ':quantity': 50 },
    });
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
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
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
    const stored = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems![0]!.Put!.Item!;
    expect(stored).toMatchObject({ purpose: 'server-key', kid, status: 'active' });
    expect(Buffer.from(stored.wrapped as Uint8Array).toString()).not.toContain('PRIVATE');
    const retire = ddb.commandCalls(UpdateCommand, { TableName: 'keys' })[0]!.args[0].input;
    expect(retire).toMatchObject({
      Key: { purpose: 'server-key', kid: world.server.kid },
      ConditionExpression: '#status = :active',
    });
  });
});
