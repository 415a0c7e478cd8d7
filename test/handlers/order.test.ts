/** POST /orders against mocked DynamoDB and KMS: accepted, and every refusal before the transaction. */
import { describe, expect, it } from 'vitest';
import { ORDER_INDEX_SHARDS } from '../../contract/tables.js';
import { spkiFingerprint } from '../../shared/keys.js';
import { shardOf } from '../../shared/shards.js';
import { jwsDigest, receiptKeyId } from '../../shared/receipts.js';
import {
  addCustomer,
  answerKms,
  awsError,
  BatchGetCommand,
  bodyOf,
  ddb,
  DecryptCommand,
  kms,
  TransactWriteCommand,
} from '../helpers/aws.js';
import { keys, makeKeysBeforeAll } from '../helpers/keys.js';
import { ITEMS, coldStartBeforeEach, envelope, post, verifiedReceipt, world } from '../helpers/handlers/order.js';

makeKeysBeforeAll();
coldStartBeforeEach();

describe('POST /orders: accepted', () => {
  it.each(['rsa', 'dsa', 'ecdsa', 'ed25519'] as const)(
    'accepts an order signed with %s: 201 at the signed prices, one transaction, a receipt for exactly it',
    async (algorithm) => {
      const response = await post({ envelope: envelope(algorithm) });
      expect(response.statusCode).toBe(201);
      const order = bodyOf(response);
      expect(order).toMatchObject({
        customerId: 'alice',
        status: 'accepted',
        totalCents: 2 * 1250 + 999,
        currency: 'USD',
        lines: [
          { sku: 'WIDGET-1', name: 'Widget', qty: 2, unitPriceCents: 1250, lineTotalCents: 2500 },
          { sku: 'GADGET-2', name: 'Gadget', qty: 1, unitPriceCents: 999, lineTotalCents: 999 },
        ],
        signature: { alg: keys[algorithm].signer.alg, keyId: keys[algorithm].signer.kid },
        email: { status: 'pending' },
      });
      expect(response.headers?.Location).toBe(`/orders/${order.orderId as string}`);

      const [transaction] = ddb.commandCalls(TransactWriteCommand);
      const [put, ...rest] = transaction!.args[0].input.TransactItems!;
      const updates = rest.slice(0, 2);
      const [account, entry] = rest.slice(2);
      // Paid in the same transaction: the balance moves only from the state read, and only if it covers the total.
      expect(rest).toHaveLength(4);
      expect(account?.Update).toMatchObject({
        TableName: 'customers',
        Key: { customerId: 'alice' },
        UpdateExpression: 'SET balanceCents = :after, ledgerSeq = :entry',
        // …and, at commit, the session's token version and the signing key's status: checked, not trusted.
        ConditionExpression:
          'attribute_exists(customerId) AND ledgerSeq = :seen AND balanceCents >= :debit AND tokenVersion = :tv AND #keys.#kid.#status = :active',
        ExpressionAttributeNames: {
          '#keys': 'keys',
          '#kid': keys[algorithm].signer.kid,
          '#status': 'status',
        },
        ExpressionAttributeValues: {
          ':after': 100_000_000 - 3499,
          ':entry': 2,
          ':seen': 1,
          ':debit': 3499,
          ':tv': 1,
          ':active': 'active',
        },
      });
      // No item back on a refusal: the customer item holds the password hash, which the order function never reads.
      expect(account?.Update?.ReturnValuesOnConditionCheckFailure).toBeUndefined();
      expect(entry?.Put).toMatchObject({
        TableName: 'ledger',
        Item: {
          customerId: 'alice',
          entry: 2,
          type: 'order',
          amountCents: -3499,
          balanceAfterCents: 100_000_000 - 3499,
        },
      });
      expect(put?.Put).toMatchObject({
        TableName: 'orders',
        ConditionExpression: 'attribute_not_exists(orderId)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
      const stored = put?.Put?.Item as Record<string, unknown>;
      expect(stored).toMatchObject({
        customerId: 'alice',
        orderId: order.orderId,
        emailStatus: 'pending',
        currency: 'USD',
        receipt: order.receipt, // the receipt is written with the order: no accepted order without it
      });
      expect(stored).not.toHaveProperty('email'); // looked up by the notifier, off the order path
      // The status and owed-mail index keys are the order's shard of each value, not one hot key for every order.
      const shard = shardOf(order.orderId as string, ORDER_INDEX_SHARDS);
      expect(stored).toMatchObject({ statusShard: `accepted#${shard}`, emailOwed: `owed#${shard}` });
      expect((stored.jws as string).split('.')).toHaveLength(3); // the signed evidence, stored
      expect(updates.map((u) => u.Update)).toEqual([
        expect.objectContaining({
          TableName: 'inventory',
          Key: { sku: 'WIDGET-1' },
          ConditionExpression: 'attribute_exists(sku) AND stock >= :qty AND priceCents = :price',
          ExpressionAttributeValues: { ':qty': 2, ':price': 1250 },
        }),
        expect.objectContaining({
          TableName: 'inventory',
          Key: { sku: 'GADGET-2' },
          ExpressionAttributeValues: { ':qty': 1, ':price': 999 },
        }),
      ]);

      const receipt = verifiedReceipt(order);
      expect(receipt).toEqual({
        iss: 'opd',
        sub: 'alice',
        orderId: order.orderId,
        iat: Math.floor(Date.parse(order.acceptedAt as string) / 1000),
        orderDigest: jwsDigest(stored.jws as string),
        customerKeyFingerprint: spkiFingerprint(keys[algorithm].verifier.publicKey),
        lines: ITEMS,
        currency: 'USD',
        totalCents: 2 * 1250 + 999,
        ledgerEntry: 2, // the debit's entry: the receipt says the order was paid, and which entry paid it
        status: 'accepted',
      });
      expect(receiptKeyId(order.receipt as string)).toBe(world.receipt.kid);
    },
  );

  it('commits at the price the customer signed: the transaction condition carries the signed price, not a read one', async () => {
    world.products.set('WIDGET-1', { sku: 'WIDGET-1', name: 'Widget', priceCents: 1300, stock: 10 }); // re-priced
    await post({ envelope: envelope() }); // signed at 1250
    const [, widget] = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(widget?.Update?.ExpressionAttributeValues).toEqual({ ':qty': 2, ':price': 1250 });
  });

  it('reads product names and existence consistently', async () => {
    await post({ envelope: envelope() });
    expect(ddb.commandCalls(BatchGetCommand)[0]?.args[0].input.RequestItems?.inventory?.ConsistentRead).toBe(true);
  });
});

describe('POST /orders: rejected before the transaction', () => {
  it('refuses unknown SKUs with 422 naming them, and writes nothing', async () => {
    const response = await post({
      envelope: envelope('ed25519', {
        items: [
          { sku: 'NOPE-1', qty: 1, unitPriceCents: 100 },
          { sku: 'WIDGET-1', qty: 1, unitPriceCents: 1250 },
        ],
      }),
    });
    expect(response.statusCode).toBe(422);
    expect(bodyOf(response)).toMatchObject({ error: { code: 'unknown_sku', skus: ['NOPE-1'] } });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it.each([
    ['an order priced in another currency', () => envelope('ed25519', { currency: 'EUR' }), 409, 'currency_mismatch'],
    // 10 s past the window, not 1: the handler's clock reads later than the envelope's, across a second boundary
    // under load (the exact ±300 s bounds are tested with a fixed clock in test/envelope.rejections.claims.test.ts).
    ['a stale order', () => envelope('ed25519', { now: Date.now() - 310_000 }), 400, 'iat_too_old'],
    ['an order from the future', () => envelope('ed25519', { now: Date.now() + 310_000 }), 400, 'iat_in_future'],
    [
      'an order in the name of another customer',
      () => envelope('ed25519', { customerId: 'bob' }),
      403,
      'issuer_mismatch',
    ],
    ['an envelope that is not one', () => 'not-an-envelope', 400, 'envelope_malformed'],
    ['an oversized envelope', () => 'x'.repeat(16_385), 413, 'envelope_too_large'],
    [
      'an envelope to an unknown server key',
      () => envelope('ed25519', { server: { kid: 'old-server', publicKey: world.server.publicKey } }),
      400,
      'server_key_unknown',
    ],
  ])('refuses %s', async (_name, make, status, code) => {
    const response = await post({ envelope: make() });
    expect(response.statusCode).toBe(status);
    expect(bodyOf(response)).toMatchObject({ error: { code } });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it("refuses an order signed with another customer's key", async () => {
    await addCustomer(world, 'bob', 'bob password 123', [
      { kid: 'bob-key', alg: 'EdDSA', publicKey: keys.ed25519.verifier.publicKey },
    ]);
    world.customers.set('alice', { ...world.customers.get('alice')!, keys: {} });
    const response = await post({ envelope: envelope() });
    expect(bodyOf(response)).toMatchObject({ error: { code: 'customer_key_unknown' } });
  });

  it('refuses an order signed with a revoked key', async () => {
    const alice = world.customers.get('alice')!;
    const kid = keys.ed25519.verifier.kid;
    world.customers.set('alice', {
      ...alice,
      keys: { ...alice.keys, [kid]: { ...alice.keys[kid]!, status: 'revoked' } },
    });
    expect(bodyOf(await post({ envelope: envelope() }))).toMatchObject({ error: { code: 'customer_key_unknown' } });
  });

  it('refuses requests without a session, and bodies that are not {envelope}', async () => {
    expect((await post({ envelope: envelope() }, null)).statusCode).toBe(401);
    expect(bodyOf(await post({ envelope: envelope(), extra: 1 }))).toMatchObject({
      error: { code: 'invalid_request' },
    });
    expect(bodyOf(await post({ envelope: 42 }))).toMatchObject({ error: { code: 'invalid_request' } });
  });

  it('answers 503 with Retry-After when KMS fails at cold start, and opens orders once it is back', async () => {
    kms.on(DecryptCommand).rejectsOnce(awsError('KMSInternalException'));
    const failed = await post({ envelope: envelope() });
    expect(failed.statusCode).toBe(503);
    expect(failed.headers?.['Retry-After']).toBe('2');
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    answerKms();
    expect((await post({ envelope: envelope() })).statusCode).toBe(201);
  });

  it('unwraps the server key and the receipt key once per cold start, each bound to its purpose and ID', async () => {
    await post({ envelope: envelope() });
    await post({ envelope: envelope('dsa') });
    expect(kms.commandCalls(DecryptCommand).map((call) => call.args[0].input)).toEqual([
      expect.objectContaining({
        KeyId: 'alias/purchase-orders',
        EncryptionContext: { 'po:purpose': 'server-key', 'po:kid': world.server.kid },
      }),
      expect.objectContaining({
        KeyId: 'alias/purchase-orders',
        EncryptionContext: { 'po:purpose': 'receipt-key', 'po:kid': world.receipt.kid },
      }),
    ]);
  });
});
