/**
 * The audit trail of the catalogue and the customers' accounts: each staff change writes exactly one record, in the
 * same TransactWriteItems request as the change, naming the staff member; a change refused writes none. Against
 * mocked DynamoDB (test/helpers/audit.ts).
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { exportPublicKeyPem, spkiFingerprint } from '../../shared/keys.js';
import { addCustomer, apiEvent, bodyOf, lambdaContext } from '../helpers/aws.js';
import type { STAFF } from '../helpers/audit.js';
import {
  expectNoRecord,
  expectOneRecord,
  failing,
  scriptTransactions,
  staffSession,
  transactionsSent,
  writes,
} from '../helpers/audit.js';
import { admin, coldStartBeforeEach, world } from '../helpers/handlers/read-admin-notify.js';

coldStartBeforeEach();

const call = (
  who: keyof typeof STAFF,
  method: string,
  resource: string,
  options: { body?: unknown; params?: Record<string, string>; headers?: Record<string, string> } = {},
) =>
  admin(
    apiEvent({
      method,
      resource,
      session: staffSession(who),
      ...(options.body === undefined ? {} : { body: options.body }),
      ...(options.params ? { pathParameters: options.params } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
    }),
    lambdaContext,
  );
const widget = writes('inventory', { sku: 'WIDGET-1' });
const alice = writes('customers', { customerId: 'alice' });

describe('the catalogue', () => {
  const reprice = (body: unknown) =>
    call('catalog', 'PATCH', '/admin/products/{sku}', { body, params: { sku: 'WIDGET-1' } });
  const restock = (quantity: number, sku = 'WIDGET-1') =>
    call('catalog', 'POST', '/admin/products/{sku}/restock', { body: { quantity }, params: { sku } });

  it('product.add: the name, price and stock it was added with', async () => {
    const response = await call('catalog', 'POST', '/admin/products', {
      body: { sku: 'BOLT-9', name: 'Bolt', priceCents: 15, stock: 100 },
    });
    expect(response.statusCode).toBe(201);
    const record = expectOneRecord(world, 'catalog', writes('inventory', { sku: 'BOLT-9' }), {
      action: 'product.add',
      target: 'BOLT-9',
      targetType: 'product',
    });
    expect(record.changes).toEqual({ name: { after: 'Bolt' }, priceCents: { after: 15 }, stock: { after: 100 } });
  });

  it('product.add of a SKU that exists: 409, the transaction cancelled, no record', async () => {
    scriptTransactions(world, [failing(writes('inventory', { sku: 'WIDGET-1' }))]);
    const response = await call('catalog', 'POST', '/admin/products', {
      body: { sku: 'WIDGET-1', name: 'Widget', priceCents: 1, stock: 1 },
    });
    expect(bodyOf(response)).toMatchObject({ error: { code: 'already_exists' } });
    expectNoRecord(world);
  });

  it('product.update (re-price): before → after, written only if the price is still the one read', async () => {
    const response = await reprice({ priceCents: 1400 });
    expect(bodyOf(response)).toMatchObject({ sku: 'WIDGET-1', priceCents: 1400, name: 'Widget', stock: 10 });
    const record = expectOneRecord(world, 'catalog', widget, { action: 'product.update', target: 'WIDGET-1' });
    expect(record.changes).toEqual({ priceCents: { before: 1250, after: 1400 } });
    expect(transactionsSent()[0]![0]!.Update).toMatchObject({
      UpdateExpression: 'SET #priceCents = :priceCents',
      ConditionExpression: '#priceCents = :was_priceCents AND attribute_not_exists(stockShards)',
      ExpressionAttributeValues: { ':priceCents': 1400, ':was_priceCents': 1250 },
    });
  });

  it('product.update (rename and re-price): both values, each before → after', async () => {
    await reprice({ name: 'Widget, steel', priceCents: 1300 });
    const record = expectOneRecord(world, 'catalog', widget, { action: 'product.update' });
    expect(record.changes).toEqual({
      name: { before: 'Widget', after: 'Widget, steel' },
      priceCents: { before: 1250, after: 1300 },
    });
  });

  it('product.update when another change won meanwhile: read again, the record says the price it replaced', async () => {
    scriptTransactions(world, [failing(widget)], (n) => {
      if (n === 0) world.products.set('WIDGET-1', { ...world.products.get('WIDGET-1')!, priceCents: 1300 });
    });
    expect((await reprice({ priceCents: 1400 })).statusCode).toBe(200);
    expect(transactionsSent()).toHaveLength(2);
    const record = expectOneRecord(world, 'catalog', widget, { action: 'product.update' });
    expect(record.changes).toEqual({ priceCents: { before: 1300, after: 1400 } });
  });

  it('product.update to the price it has: nothing changes, nothing is written or recorded', async () => {
    expect(bodyOf(await reprice({ priceCents: 1250 }))).toMatchObject({ priceCents: 1250 });
    expect(transactionsSent()).toEqual([]);
    expectNoRecord(world);
  });

  it('product.restock: an atomic addition, the quantity added and the stock before → after as read', async () => {
    expect(bodyOf(await restock(5))).toMatchObject({ sku: 'WIDGET-1', stock: 15 });
    const record = expectOneRecord(world, 'catalog', widget, { action: 'product.restock', target: 'WIDGET-1' });
    expect(record.changes).toEqual({ stock: { before: 10, after: 15 }, quantity: 5 });
    expect(transactionsSent()[0]![0]!.Update).toMatchObject({
      UpdateExpression: 'ADD stock :quantity',
      ConditionExpression: 'attribute_exists(sku)',
      ExpressionAttributeValues: { ':quantity': 5 },
    });
  });

  it('product.restock of an unknown SKU: 404, nothing written, no record', async () => {
    expect(bodyOf(await restock(5, 'NOPE-9'))).toMatchObject({ error: { code: 'not_found' } });
    expect(transactionsSent()).toEqual([]);
    expectNoRecord(world);
  });
});

describe('customers and their keys', () => {
  const { publicKey } = generateKeyPairSync('ed25519');
  const pem = exportPublicKeyPem(publicKey);

  it('customer.add: the email and the key IDs, never the password', async () => {
    const response = await call('security', 'POST', '/admin/customers', {
      body: {
        customerId: 'carol',
        email: 'carol@customer.example',
        password: 'a long password!',
        keys: [{ publicKeyPem: pem }],
      },
    });
    expect(response.statusCode).toBe(201);
    const record = expectOneRecord(world, 'security', writes('customers', { customerId: 'carol' }), {
      action: 'customer.add',
      target: 'carol',
      targetType: 'customer',
    });
    expect(record.changes).toEqual({
      email: { after: 'carol@customer.example' },
      keyIds: [spkiFingerprint(publicKey)],
    });
    expect(JSON.stringify(transactionsSent())).not.toContain('a long password!');
  });

  it('customer.add of an existing customer: 409, no record', async () => {
    scriptTransactions(world, [failing(writes('customers', { customerId: 'alice' }))]);
    const response = await call('security', 'POST', '/admin/customers', {
      body: { customerId: 'alice', email: 'alice@customer.example', password: 'a long password!' },
    });
    expect(bodyOf(response)).toMatchObject({ error: { code: 'already_exists' } });
    expectNoRecord(world);
  });

  it('customer-key.add: the key ID, algorithm and fingerprint', async () => {
    await addCustomer(world, 'alice', 'correct horse battery');
    const response = await call('security', 'POST', '/admin/customers/{customerId}/keys', {
      body: { publicKeyPem: pem, keyId: 'alice-laptop' },
      params: { customerId: 'alice' },
    });
    expect(response.statusCode).toBe(201);
    const record = expectOneRecord(world, 'security', alice, { action: 'customer-key.add', target: 'alice' });
    expect(record.changes).toEqual({ keyId: 'alice-laptop', alg: 'EdDSA', fingerprint: spkiFingerprint(publicKey) });
  });

  it('customer-key.revoke: the key revoked; revoking it again changes and records nothing; an unknown key is 404', async () => {
    await addCustomer(world, 'alice', 'correct horse battery', [{ kid: 'alice-laptop', alg: 'EdDSA', publicKey }]);
    const revoke = (keyId: string) =>
      call('security', 'DELETE', '/admin/customers/{customerId}/keys/{keyId}', {
        params: { customerId: 'alice', keyId },
      });
    expect(bodyOf(await revoke('alice-laptop'))).toEqual({
      customerId: 'alice',
      keyId: 'alice-laptop',
      status: 'revoked',
    });
    const record = expectOneRecord(world, 'security', alice, { action: 'customer-key.revoke', target: 'alice' });
    expect(record.changes).toEqual({ keyId: 'alice-laptop', alg: 'EdDSA', fingerprint: spkiFingerprint(publicKey) });
    expect(transactionsSent()[0]![0]!.Update!.ConditionExpression).toBe('#keys.#kid.#status = :active');

    const stored = world.customers.get('alice')!;
    const key = { ...stored.keys['alice-laptop']!, status: 'revoked' as const, revokedAt: '2026-12-01T00:00:00.000Z' };
    world.customers.set('alice', { ...stored, keys: { 'alice-laptop': key } });
    expect((await revoke('alice-laptop')).statusCode).toBe(200);
    expect(bodyOf(await revoke('no-such-key'))).toMatchObject({ error: { code: 'not_found' } });
    expect(transactionsSent()).toHaveLength(1);
    expect(world.audit).toHaveLength(1);
  });
});

describe('money', () => {
  const KEY = 'k2d8Qq1v3ZbA9xYt7LmN0w';
  const credit = (body: unknown, who: keyof typeof STAFF = 'finance') =>
    call(who, 'POST', '/admin/customers/{customerId}/credit', {
      body,
      params: { customerId: 'alice' },
      headers: { 'Idempotency-Key': KEY },
    });
  const ledger = (action: { Put?: { TableName?: string } }) => action.Put?.TableName === 'ledger';

  it('account.credit: amount, entry, reference and the balance before → after; the entry names the staff member', async () => {
    await addCustomer(world, 'alice', 'correct horse battery', [], { balanceCents: 1000, ledgerSeq: 3 });
    const response = await credit({ amountCents: 10_000, reference: 'wire 2026-12-07' });
    expect(bodyOf(response)).toMatchObject({ entry: 4, balanceAfterCents: 11_000, actor: 'fran' });
    const record = expectOneRecord(world, 'finance', ledger, { action: 'account.credit', target: 'alice' });
    expect(record.changes).toEqual({
      amountCents: 10_000,
      entry: 4,
      reference: 'wire 2026-12-07',
      balanceCents: { before: 1000, after: 11_000 },
    });
    expect(transactionsSent()[0]!.some(alice)).toBe(true); // the balance moves in the same transaction
  });

  it('account.adjustment: a negative amount', async () => {
    await addCustomer(world, 'alice', 'correct horse battery', [], { balanceCents: 1000, ledgerSeq: 3 });
    await credit({ amountCents: -250, reference: 'correction' });
    const record = expectOneRecord(world, 'finance', ledger, { action: 'account.adjustment' });
    expect(record.changes).toMatchObject({ amountCents: -250, balanceCents: { before: 1000, after: 750 } });
  });

  it('a credit resent with its Idempotency-Key: the first entry again, its transaction cancelled, no second record', async () => {
    await addCustomer(world, 'alice', 'correct horse battery', [], { balanceCents: 1000, ledgerSeq: 3 });
    scriptTransactions(world, ['commit']);
    const first = await credit({ amountCents: 10_000, reference: 'wire' });
    const idempotency = transactionsSent()[0]!.find((action) => action.Put?.TableName === 'idempotency')!.Put!.Item!;
    // DynamoDB refuses the resent request: the account moved, and the key exists (returned, ALL_OLD).
    scriptTransactions(world, [
      (actions) =>
        actions.map((action) =>
          action.Put?.TableName === 'idempotency'
            ? { Code: 'ConditionalCheckFailed', Item: idempotency }
            : { Code: alice(action) ? 'ConditionalCheckFailed' : 'None' },
        ),
    ]);
    const again = await credit({ amountCents: 10_000, reference: 'wire' });
    expect([again.statusCode, bodyOf(again)]).toEqual([200, bodyOf(first)]);
    expect(transactionsSent()).toHaveLength(2);
    expect(world.audit).toHaveLength(1);
  });

  it('a credit by a clerk: 403, nothing written, no record', async () => {
    await addCustomer(world, 'alice', 'correct horse battery', [], { balanceCents: 1000, ledgerSeq: 3 });
    const response = await credit({ amountCents: 10_000, reference: 'wire' }, 'clerk');
    expect(bodyOf(response)).toMatchObject({ error: { code: 'forbidden', permission: 'accounts:credit' } });
    expect(transactionsSent()).toEqual([]);
    expectNoRecord(world);
  });
});
