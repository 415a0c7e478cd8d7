/** POST /orders against mocked DynamoDB and KMS: the envelope checks, the transaction and every way it can end. */
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { sealOrder } from '../../shared/envelope/index.js';
import { parsePublicKeyPem, spkiFingerprint } from '../../shared/keys.js';
import { jwsDigest, receiptKeyFromJwk, receiptKeyId, receiptKeyJwk, verifyReceipt } from '../../shared/receipts.js';
import type { OrderItem } from '../../shared/envelope/index.js';
import {
  addCustomer,
  answerKms,
  apiEvent,
  awsError,
  BatchGetCommand,
  bodyOf,
  ddb,
  DecryptCommand,
  dynamoRequestsSince,
  GetCommand,
  installWorld,
  kms,
  lambdaContext,
  QueryCommand,
  TransactWriteCommand,
  transactionCancelled,
} from '../helpers/aws.js';
import type { World } from '../helpers/aws.js';
import type { Customer } from '../../shared/aws/customers.js';
import { customerKeys } from '../helpers/keys.js';
import type { CustomerKey, SigningAlgorithm } from '../helpers/keys.js';

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;
let world: World;
let handler: Handler;
let keys: Record<SigningAlgorithm, CustomerKey>;

beforeAll(async () => {
  keys = await customerKeys();
});

beforeEach(async () => {
  world = installWorld();
  vi.resetModules();
  handler = (await import('../../functions/order/index.js')).handler as unknown as Handler;
  await addCustomer(
    world,
    'alice',
    'correct horse battery',
    (['rsa', 'dsa', 'ecdsa', 'ed25519'] as const).map((algorithm) => ({
      kid: keys[algorithm].verifier.kid,
      alg: keys[algorithm].verifier.alg,
      publicKey: keys[algorithm].verifier.publicKey,
    })),
  );
  world.products.set('WIDGET-1', { sku: 'WIDGET-1', name: 'Widget', priceCents: 1250, stock: 10 });
  world.products.set('GADGET-2', { sku: 'GADGET-2', name: 'Gadget', priceCents: 999, stock: 3 });
});

/** Signed at the catalogue's prices (the quote). */
const ITEMS: OrderItem[] = [
  { sku: 'WIDGET-1', qty: 2, unitPriceCents: 1250 },
  { sku: 'GADGET-2', qty: 1, unitPriceCents: 999 },
];

function envelope(
  algorithm: SigningAlgorithm = 'ed25519',
  overrides: Partial<Parameters<typeof sealOrder>[0]> = {},
): string {
  return sealOrder({
    customerId: 'alice',
    items: ITEMS,
    currency: 'USD',
    signer: keys[algorithm].signer,
    server: { kid: world.server.kid, publicKey: world.server.publicKey },
    ...overrides,
  });
}

const post = (
  body: unknown,
  session: { customerId: string; role: 'customer' } | null = { customerId: 'alice', role: 'customer' },
) => handler(apiEvent({ method: 'POST', resource: '/orders', body, ...(session ? { session } : {}) }), lambdaContext);

/** The order's transaction (order, two lines, account, ledger entry) cancelled by the condition of action `index`. */
function conditionFailedAt(index: number, item?: Record<string, unknown>) {
  return transactionCancelled(
    Array.from({ length: 5 }, (_, i) =>
      i === index ? { Code: 'ConditionalCheckFailed', ...(item ? { Item: item } : {}) } : { Code: 'None' },
    ),
  );
}

/** The receipt in a response, verified with the world's receipt key as a customer would (published JWK). */
function verifiedReceipt(body: Record<string, unknown>) {
  return verifyReceipt(body.receipt as string, receiptKeyFromJwk(receiptKeyJwk(world.receipt.publicKey)));
}

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
        // …and, at commit, the session's token version and role and the signing key's status: checked, not trusted.
        ConditionExpression:
          'attribute_exists(customerId) AND ledgerSeq = :seen AND balanceCents >= :debit AND tokenVersion = :tv AND #role = :role AND #keys.#kid.#status = :active',
        ExpressionAttributeNames: {
          '#role': 'role',
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
          ':role': 'customer',
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

describe('POST /orders: the transaction cancelled', () => {
  it('answers an identical resubmission with the original order: 200, no second order', async () => {
    const sealed = envelope();
    const first = await post({ envelope: sealed });
    const stored = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems![0]!.Put!.Item!;
    ddb
      .on(TransactWriteCommand)
      .rejects(
        transactionCancelled([{ Code: 'ConditionalCheckFailed', Item: stored }, { Code: 'None' }, { Code: 'None' }]),
      );
    const again = await post({ envelope: sealed });
    expect(again.statusCode).toBe(200);
    expect(again.headers?.['Idempotent-Replayed']).toBe('true');
    expect(bodyOf(again)).toEqual(bodyOf(first));
    expect(bodyOf(again).receipt).toBe(bodyOf(first).receipt); // the original receipt, not a second one
  });

  it('refuses a different order reusing an order ID: 409 order_conflict', async () => {
    const jti = 'AAAAAAAAAAAAAAAAAAAAAA';
    await post({ envelope: envelope('ed25519', { jti }) });
    const stored = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems![0]!.Put!.Item!;
    ddb
      .on(TransactWriteCommand)
      .rejects(
        transactionCancelled([{ Code: 'ConditionalCheckFailed', Item: stored }, { Code: 'None' }, { Code: 'None' }]),
      );
    const replay = await post({
      envelope: envelope('ed25519', { jti, items: [{ sku: 'WIDGET-1', qty: 9, unitPriceCents: 1250 }] }),
    });
    expect(replay.statusCode).toBe(409);
    expect(bodyOf(replay)).toMatchObject({ error: { code: 'order_conflict' } });
  });

  it('answers out of stock with 409 naming the SKU and what is left', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejects(conditionFailedAt(2, { sku: 'GADGET-2', name: 'Gadget', priceCents: 999, stock: 0 }));
    const response = await post({ envelope: envelope() });
    expect(response.statusCode).toBe(409);
    expect(bodyOf(response)).toEqual({
      error: { code: 'out_of_stock', message: 'not enough stock for GADGET-2: 0 left', sku: 'GADGET-2', available: 0 },
    });
  });

  it('refuses an order whose signed prices are no longer current: 409 price_changed naming every changed line, no retry', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejects(
        transactionCancelled([
          { Code: 'None' },
          { Code: 'ConditionalCheckFailed', Item: { sku: 'WIDGET-1', name: 'Widget', priceCents: 1300, stock: 10 } },
          { Code: 'ConditionalCheckFailed', Item: { sku: 'GADGET-2', name: 'Gadget', priceCents: 899, stock: 0 } },
        ]),
      );
    const response = await post({ envelope: envelope() });
    expect(response.statusCode).toBe(409);
    expect(bodyOf(response)).toEqual({
      error: {
        code: 'price_changed',
        message: expect.stringContaining('WIDGET-1 12.50 → 13.00, GADGET-2 9.99 → 8.99') as unknown,
        currency: 'USD',
        lines: [
          { sku: 'WIDGET-1', signedPriceCents: 1250, currentPriceCents: 1300 },
          { sku: 'GADGET-2', signedPriceCents: 999, currentPriceCents: 899 },
        ],
      },
    });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1); // a changed price is the customer's to accept
  });

  it('answers 422 unknown_sku when a product was removed between reading and committing', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejects(transactionCancelled([{ Code: 'None' }, { Code: 'None' }, { Code: 'ConditionalCheckFailed' }]));
    const response = await post({ envelope: envelope() });
    expect(response.statusCode).toBe(422);
    expect(bodyOf(response)).toMatchObject({ error: { code: 'unknown_sku', skus: ['GADGET-2'] } });
  });

  /**
   * The account's condition fails because the customer item changed under the order (a concurrent order, a credit, a
   * password change, a revocation): DynamoDB returns no item for it, so the handler must read the item as it now is.
   */
  function accountChangedUnder(change: (alice: Customer) => Partial<Customer>, times: 'once' | 'always' = 'always') {
    const refuse = () => {
      const alice = world.customers.get('alice')!;
      world.customers.set('alice', { ...alice, ...change(alice) });
      throw conditionFailedAt(3);
    };
    if (times === 'once') ddb.on(TransactWriteCommand).callsFakeOnce(refuse).resolves({});
    else ddb.on(TransactWriteCommand).callsFake(refuse);
  }

  /** The reads of the customers table, each with what it projected. */
  const customerReads = () =>
    ddb.commandCalls(GetCommand, { TableName: 'customers' }).map((call) => call.args[0].input.ProjectionExpression);

  it('answers 402 insufficient_funds with the balance read after the refusal, writes nothing, does not retry', async () => {
    accountChangedUnder(() => ({ balanceCents: 3498, ledgerSeq: 4 }));
    const response = await post({ envelope: envelope() });
    expect(response.statusCode).toBe(402);
    expect(bodyOf(response)).toMatchObject({
      error: { code: 'insufficient_funds', balanceCents: 3498, neededCents: 3499, currency: 'USD' },
    });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('a balance that moved under it (a concurrent order or credit) is retried from the state read after the refusal', async () => {
    accountChangedUnder(() => ({ balanceCents: 10_000, ledgerSeq: 7 }), 'once');
    const response = await post({ envelope: envelope() });
    expect(response.statusCode).toBe(201);
    const [, second] = ddb.commandCalls(TransactWriteCommand);
    const items = second!.args[0].input.TransactItems!;
    expect(items[3]?.Update?.ExpressionAttributeValues).toEqual({
      ':after': 10_000 - 3499,
      ':entry': 8,
      ':seen': 7,
      ':debit': 3499,
      ':tv': 1,
      ':role': 'customer',
      ':active': 'active',
    });
    expect(items[4]?.Put?.Item).toMatchObject({ entry: 8, amountCents: -3499, balanceAfterCents: 10_000 - 3499 });
    expect(verifiedReceipt(bodyOf(response)).ledgerEntry).toBe(8); // the receipt names the entry that paid
    // The cold read, then one after the refusal: each projected, never the password hash or the email.
    const kid = keys.ed25519.signer.kid;
    expect(customerReads()).toEqual([
      '#customerId, #tokenVersion, #role, #balanceCents, #ledgerSeq, #keys.#kid',
      '#customerId, #tokenVersion, #role, #balanceCents, #ledgerSeq, #keys.#kid',
    ]);
    expect(ddb.commandCalls(GetCommand, { TableName: 'customers' })[1]?.args[0].input).toMatchObject({
      ConsistentRead: true,
      ExpressionAttributeNames: { '#kid': kid },
    });
  });

  it('a password changed between verification and commit: the transaction refuses it, 401, no retry', async () => {
    accountChangedUnder((alice) => ({ tokenVersion: alice.tokenVersion + 1 }));
    const response = await post({ envelope: envelope() });
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response)).toMatchObject({ error: { code: 'unauthorized' } });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('a role changed between the session check and commit: refused like a stale session, 401, no retry', async () => {
    accountChangedUnder(() => ({ role: 'admin' }));
    const response = await post({ envelope: envelope() });
    expect(response.statusCode).toBe(401);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('the signing key revoked between verification and commit: refused as customer_key_unknown, no retry', async () => {
    const kid = keys.ed25519.signer.kid;
    accountChangedUnder((alice) => ({
      keys: { ...alice.keys, [kid]: { ...alice.keys[kid]!, status: 'revoked' } },
    }));
    const response = await post({ envelope: envelope() });
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ error: { code: 'customer_key_unknown' } });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('a customer deleted between verification and commit: 401, no retry', async () => {
    ddb.on(TransactWriteCommand).callsFake(() => {
      world.customers.delete('alice');
      throw conditionFailedAt(3);
    });
    expect((await post({ envelope: envelope() })).statusCode).toBe(401);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('retries a TransactionConflict with jitter, then succeeds', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(transactionCancelled([{ Code: 'TransactionConflict' }, { Code: 'None' }, { Code: 'None' }]))
      .resolves({});
    expect((await post({ envelope: envelope() })).statusCode).toBe(201);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
    // A conflict tells nothing, so the retry needs no read of the account (the commit proves the session).
    expect(ddb.commandCalls(GetCommand, { TableName: 'customers' })).toHaveLength(1); // the cold start's only
  });

  it('gives up on endless conflicts with 503 and Retry-After, never a wrong answer', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejects(transactionCancelled([{ Code: 'None' }, { Code: 'TransactionConflict' }, { Code: 'None' }]));
    const response = await post({ envelope: envelope() });
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['Retry-After']).toBe('1');
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(10);
  });

  it('answers 503 when the transaction is throttled', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejects(transactionCancelled([{ Code: 'ThrottlingError' }, { Code: 'None' }, { Code: 'None' }]));
    expect((await post({ envelope: envelope() })).statusCode).toBe(503);
  });

  it('answers 503 when DynamoDB is unreachable', async () => {
    ddb.on(TransactWriteCommand).rejects(awsError('InternalServerError'));
    const response = await post({ envelope: envelope() });
    expect(response.statusCode).toBe(503);
    expect(bodyOf(response)).toMatchObject({ error: { code: 'service_unavailable' } });
  });
});

describe('POST /orders: the warm path is one DynamoDB request', () => {
  it('cold: one projected customer read, one catalogue read, the transaction; warm: the transaction alone', async () => {
    const start = ddb.calls().length;
    expect((await post({ envelope: envelope() })).statusCode).toBe(201);
    const cold = dynamoRequestsSince(start).filter((request) => !request.endsWith(' keys')); // key rings: once per process
    expect(cold).toEqual(['Get customers', 'BatchGet inventory', 'TransactWrite']);

    for (let i = 0; i < 3; i++) {
      const before = ddb.calls().length;
      expect((await post({ envelope: envelope() })).statusCode).toBe(201);
      expect(dynamoRequestsSince(before)).toEqual(['TransactWrite']);
    }
    // …and the ledger goes on from the state the last commit left: entries 2, 3, 4, 5, no gap, no read.
    const entries = ddb
      .commandCalls(TransactWriteCommand)
      .map((call) => (call.args[0].input.TransactItems![4]?.Put?.Item as { entry: number }).entry);
    expect(entries).toEqual([2, 3, 4, 5]);
  });

  it('a key not seen before costs one read of that key; a product not seen before, one catalogue read', async () => {
    await post({ envelope: envelope('ed25519') });
    const before = ddb.calls().length;
    expect((await post({ envelope: envelope('ecdsa') })).statusCode).toBe(201);
    expect(dynamoRequestsSince(before)).toEqual(['Get customers', 'TransactWrite']);
    world.products.set('BOLT-3', { sku: 'BOLT-3', name: 'Bolt', priceCents: 5, stock: 100 });
    const next = ddb.calls().length;
    const items = [...ITEMS, { sku: 'BOLT-3', qty: 4, unitPriceCents: 5 }];
    expect((await post({ envelope: envelope('ecdsa', { items }) })).statusCode).toBe(201);
    expect(dynamoRequestsSince(next)).toEqual(['BatchGet inventory', 'TransactWrite']);
    expect(ddb.commandCalls(BatchGetCommand).at(-1)?.args[0].input.RequestItems?.inventory?.Keys).toEqual([
      { sku: 'BOLT-3' },
    ]);
  });

  it('a key revoked while cached is still refused: the commit checks its status, and it is forgotten', async () => {
    await post({ envelope: envelope() });
    const kid = keys.ed25519.signer.kid;
    const alice = world.customers.get('alice')!;
    world.customers.set('alice', {
      ...alice,
      keys: { ...alice.keys, [kid]: { ...alice.keys[kid]!, status: 'revoked' } },
    });
    ddb.on(TransactWriteCommand).callsFake((input: { TransactItems: Array<{ Update?: { TableName: string } }> }) => {
      // DynamoDB evaluates the account's condition against the stored item: the key is revoked there.
      if (input.TransactItems.some((item) => item.Update?.TableName === 'customers')) throw conditionFailedAt(3);
      return {};
    });
    const refused = await post({ envelope: envelope() });
    expect(refused.statusCode).toBe(400);
    expect(bodyOf(refused)).toMatchObject({ error: { code: 'customer_key_unknown' } });
    // Forgotten: the next order with it reads the key again and is refused before any transaction.
    const before = ddb.calls().length;
    const again = await post({ envelope: envelope() });
    expect(bodyOf(again)).toMatchObject({ error: { code: 'customer_key_unknown' } });
    expect(dynamoRequestsSince(before)).toEqual(['Get customers']);
  });

  it('a stale cached balance (another instance debited the account) costs one refused commit and one read, then commits', async () => {
    await post({ envelope: envelope() }); // remembers ledgerSeq 2
    const alice = world.customers.get('alice')!;
    world.customers.set('alice', { ...alice, balanceCents: 50_000, ledgerSeq: 9 }); // moved elsewhere
    ddb
      .on(TransactWriteCommand)
      .callsFake(
        (input: {
          TransactItems: Array<{ Update?: { TableName: string; ExpressionAttributeValues: Record<string, unknown> } }>;
        }) => {
          const account = input.TransactItems.find((item) => item.Update?.TableName === 'customers');
          if (account?.Update?.ExpressionAttributeValues[':seen'] !== 9) throw conditionFailedAt(3);
          return {};
        },
      );
    const before = ddb.calls().length;
    const response = await post({ envelope: envelope() });
    expect(response.statusCode).toBe(201);
    expect(dynamoRequestsSince(before)).toEqual(['TransactWrite', 'Get customers', 'TransactWrite']);
    expect(verifiedReceipt(bodyOf(response)).ledgerEntry).toBe(10);
  });
});

describe('POST /orders: what a warm function remembers decides nothing', () => {
  const TOTAL = 2 * 1250 + 999;

  it('a remembered balance that cannot pay is read again, not believed: credited elsewhere, the order is accepted', async () => {
    world.customers.set('alice', { ...world.customers.get('alice')!, balanceCents: TOTAL, ledgerSeq: 1 });
    expect((await post({ envelope: envelope() })).statusCode).toBe(201); // remembers USD 0.00 at entry 2
    // Credited by the admin function (another instance): the account is USD 50.00 at entry 3.
    world.customers.set('alice', { ...world.customers.get('alice')!, balanceCents: 5000, ledgerSeq: 3 });
    const before = ddb.calls().length;
    const response = await post({ envelope: envelope() });
    expect(response.statusCode, JSON.stringify(bodyOf(response))).toBe(201);
    expect(dynamoRequestsSince(before)).toEqual(['Get customers', 'TransactWrite']);
    const account = ddb.commandCalls(TransactWriteCommand).at(-1)!.args[0].input.TransactItems![3]!.Update!;
    expect(account.ExpressionAttributeValues).toMatchObject({ ':seen': 3, ':entry': 4, ':after': 5000 - TOTAL });
    expect(verifiedReceipt(bodyOf(response)).ledgerEntry).toBe(4);
  });

  it('a refusal for funds rests on the account read in this request, with its true balance', async () => {
    world.customers.set('alice', { ...world.customers.get('alice')!, balanceCents: TOTAL, ledgerSeq: 1 });
    await post({ envelope: envelope() }); // remembers USD 0.00
    world.customers.set('alice', { ...world.customers.get('alice')!, balanceCents: TOTAL - 1, ledgerSeq: 3 });
    const before = ddb.calls().length;
    const response = await post({ envelope: envelope() });
    expect(response.statusCode).toBe(402);
    expect(bodyOf(response)).toMatchObject({ error: { code: 'insufficient_funds', balanceCents: TOTAL - 1 } });
    expect(dynamoRequestsSince(before)).toEqual(['Get customers']); // no transaction that could not commit
  });

  describe('a session that ended (logout, password change) while the gateway keeps its authorizer answer', () => {
    let sealed: string;
    let stored: Record<string, unknown>;

    beforeEach(async () => {
      sealed = envelope();
      expect((await post({ envelope: sealed })).statusCode).toBe(201); // the customer and key are remembered
      stored = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems![0]!.Put!.Item!;
      const alice = world.customers.get('alice')!;
      world.customers.set('alice', { ...alice, tokenVersion: alice.tokenVersion + 1 }); // POST /logout
    });

    /** The transaction as DynamoDB cancels it for this session: the account's condition fails on the token version. */
    const refusedAtCommit = (reasons: Array<{ Code: string; Item?: Record<string, unknown> }>) =>
      ddb.on(TransactWriteCommand).rejects(transactionCancelled(reasons));
    const ACCOUNT_REFUSED = [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }];

    it.each([
      [
        'a resent envelope (a replay would return the whole order and its receipt)',
        () => [
          { Code: 'ConditionalCheckFailed', Item: stored },
          { Code: 'None' },
          { Code: 'None' },
          ...ACCOUNT_REFUSED,
        ],
      ],
      [
        'an order for more than is left (out_of_stock would name what is left)',
        () => [
          { Code: 'None' },
          { Code: 'None' },
          { Code: 'ConditionalCheckFailed', Item: { sku: 'GADGET-2', name: 'Gadget', priceCents: 999, stock: 0 } },
          ...ACCOUNT_REFUSED,
        ],
      ],
      [
        'an order at an old price (price_changed would name the current price)',
        () => [
          { Code: 'None' },
          { Code: 'ConditionalCheckFailed', Item: { sku: 'WIDGET-1', name: 'Widget', priceCents: 1300, stock: 10 } },
          { Code: 'None' },
          ...ACCOUNT_REFUSED,
        ],
      ],
    ])('%s: 401 unauthorized and nothing else', async (_what, reasons) => {
      refusedAtCommit(reasons());
      const response = await post({ envelope: sealed });
      expect(response.statusCode).toBe(401);
      expect(response.headers?.['Idempotent-Replayed']).toBeUndefined();
      expect(Object.keys(bodyOf(response))).toEqual(['error']);
      expect(Object.keys(bodyOf(response).error as object).sort()).toEqual(['code', 'message']);
      expect(bodyOf(response)).toMatchObject({ error: { code: 'unauthorized' } });
    });

    it('a transaction cancelled by a conflict elsewhere proves nothing by its account `None`: read, then 401', async () => {
      // DynamoDB may not evaluate every condition of a transaction a conflict cancelled.
      refusedAtCommit([
        { Code: 'ConditionalCheckFailed', Item: stored },
        { Code: 'TransactionConflict' },
        { Code: 'None' },
        { Code: 'None' },
        { Code: 'None' },
      ]);
      const before = ddb.calls().length;
      const response = await post({ envelope: sealed });
      expect(response.statusCode).toBe(401);
      expect(dynamoRequestsSince(before)).toEqual(['TransactWrite', 'Get customers']);
    });

    it('a refusal found before any transaction (an unknown SKU) is not told either: one read, 401', async () => {
      const before = ddb.calls().length;
      const response = await post({
        envelope: envelope('ed25519', { items: [{ sku: 'NO-SUCH-1', qty: 1, unitPriceCents: 100 }] }),
      });
      expect(response.statusCode).toBe(401);
      expect(Object.keys(bodyOf(response).error as object).sort()).toEqual(['code', 'message']);
      expect(dynamoRequestsSince(before)).toEqual(['BatchGet inventory', 'Get customers']);
      expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1); // the first order's only
    });

    it('the same refusals to a current session keep their details, at no extra read', async () => {
      const alice = world.customers.get('alice')!;
      world.customers.set('alice', { ...alice, tokenVersion: alice.tokenVersion - 1 }); // the session is current
      refusedAtCommit([
        { Code: 'None' },
        { Code: 'None' },
        { Code: 'ConditionalCheckFailed', Item: { sku: 'GADGET-2', name: 'Gadget', priceCents: 999, stock: 0 } },
        { Code: 'None' },
        { Code: 'None' },
      ]);
      const before = ddb.calls().length;
      const response = await post({ envelope: envelope() });
      expect(bodyOf(response)).toMatchObject({ error: { code: 'out_of_stock', sku: 'GADGET-2', available: 0 } });
      expect(dynamoRequestsSince(before)).toEqual(['TransactWrite']); // the account's condition held at commit
    });
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
    // under load (the exact ±300 s bounds are tested with a fixed clock in test/envelope.rejections.test.ts).
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

describe('server key rotation', () => {
  it('accepts orders to a key created after the cold start at once, unwrapping only the new key', async () => {
    expect((await post({ envelope: envelope() })).statusCode).toBe(201); // cold start: the ring holds the old key
    const { generateKeyPairSync } = await import('node:crypto');
    const { exportPublicKeyPem } = await import('../../shared/keys.js');
    const rotated = generateKeyPairSync('x25519');
    const { KMSClient, EncryptCommand } = await import('@aws-sdk/client-kms');
    const kmsClient = new KMSClient({ region: 'eu-west-1' });
    const { CiphertextBlob } = await kmsClient.send(
      new EncryptCommand({
        KeyId: 'alias/purchase-orders',
        Plaintext: rotated.privateKey.export({ type: 'pkcs8', format: 'der' }),
        EncryptionContext: { 'po:purpose': 'server-key', 'po:kid': 'rotated-1' },
      }),
    );
    world.keys.push({
      purpose: 'server-key',
      kid: 'rotated-1',
      wrapped: CiphertextBlob!,
      status: 'active',
      createdAt: '2026-11-22T00:00:00.000Z',
      publicKeyPem: exportPublicKeyPem(rotated.publicKey),
    });
    kms.resetHistory();
    const response = await post({
      envelope: envelope('ed25519', { server: { kid: 'rotated-1', publicKey: rotated.publicKey } }),
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(kms.commandCalls(DecryptCommand).map((call) => call.args[0].input.EncryptionContext?.['po:kid'])).toEqual([
      'rotated-1',
    ]);
  });

  it('answers an unknown key ID without calling KMS, and asks the table at most once per interval', async () => {
    expect((await post({ envelope: envelope() })).statusCode).toBe(201);
    kms.resetHistory();
    ddb.resetHistory();
    for (let i = 0; i < 3; i++) {
      const response = await post({
        envelope: envelope('ed25519', { server: { kid: 'no-such-key', publicKey: world.server.publicKey } }),
      });
      expect(bodyOf(response)).toMatchObject({ error: { code: 'server_key_unknown' } });
    }
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(0);
    const { QueryCommand } = await import('../helpers/aws.js');
    expect(ddb.commandCalls(QueryCommand, { TableName: 'keys' })).toHaveLength(1);
  });
});

describe('receipt key rotation', () => {
  describe('receipt keys a warm function signs with (the clock faked)', () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['Date'] });
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('a rotated receipt key signs nothing more once the states a warm function holds are 10 s old; no read per order', async () => {
      const before = bodyOf(await post({ envelope: envelope() })); // cold start: loads the receipt key
      expect(receiptKeyId(before.receipt as string)).toBe(world.receipt.kid);
      const { rotateReceiptKey } = await import('../../shared/aws/keystore.js');
      const { RECEIPT_KEY_MAX_AGE_MS } = await import('../../shared/aws/key-ring.js');
      const rotated = await rotateReceiptKey();

      const from = ddb.calls().length;
      const warm = bodyOf(await post({ envelope: envelope() }));
      expect(receiptKeyId(warm.receipt as string)).toBe(world.receipt.kid); // states younger than 5 s: kept
      expect(dynamoRequestsSince(from)).toEqual(['TransactWrite']); // no table read per order

      vi.setSystemTime(Date.now() + RECEIPT_KEY_MAX_AGE_MS + 1);
      const after = bodyOf(await post({ envelope: envelope() }));
      expect(receiptKeyId(after.receipt as string)).toBe(rotated.kid);
      const published = receiptKeyFromJwk(receiptKeyJwk(parsePublicKeyPem(rotated.publicKeyPem)));
      expect(verifyReceipt(after.receipt as string, published).orderId).toBe(after.orderId);
    });

    it('re-reads the receipt key states in the background after 5 s: at most one read per interval, never per order', async () => {
      await post({ envelope: envelope() });
      const { RECEIPT_KEY_REFRESH_MS } = await import('../../shared/aws/key-ring.js');
      vi.setSystemTime(Date.now() + RECEIPT_KEY_REFRESH_MS + 1);
      const from = ddb.calls().length;
      for (let i = 0; i < 5; i++) expect((await post({ envelope: envelope() })).statusCode).toBe(201);
      const reads = dynamoRequestsSince(from).filter((request) => request === 'Query keys');
      expect(reads).toHaveLength(1);
    });

    it('a revoked receipt key: a new one signs, the revoked one never again once the states are 10 s old', async () => {
      await post({ envelope: envelope() });
      const { revokeReceiptKey } = await import('../../shared/aws/receipt-key-revocation.js');
      const { RECEIPT_KEY_MAX_AGE_MS } = await import('../../shared/aws/key-ring.js');
      const revoked = await revokeReceiptKey(world.receipt.kid);
      expect(revoked).toMatchObject({ kid: world.receipt.kid, rotated: true });
      expect(revoked.current.kid).not.toBe(world.receipt.kid);
      // The states' age bound, and 1 s for the revocation's write and the clocks.
      expect(Date.parse(revoked.signsNoMoreAfter) - Date.parse(revoked.revokedAt)).toBe(RECEIPT_KEY_MAX_AGE_MS + 1000);
      vi.setSystemTime(Date.parse(revoked.signsNoMoreAfter) + 1);
      for (let i = 0; i < 3; i++) {
        const order = bodyOf(await post({ envelope: envelope() }));
        expect(receiptKeyId(order.receipt as string)).toBe(revoked.current.kid);
      }
    });

    it('states are as old as the read that fetched them: one that took over 10 s is read again before signing', async () => {
      await post({ envelope: envelope() });
      const { RECEIPT_KEY_MAX_AGE_MS } = await import('../../shared/aws/key-ring.js');
      vi.setSystemTime(Date.now() + RECEIPT_KEY_MAX_AGE_MS + 1); // the next order must read the states first
      let slow = true;
      ddb
        .on(QueryCommand, { TableName: 'keys' })
        .callsFake((input: { ExpressionAttributeValues: { ':purpose': string } }) => {
          // This read answers 11 s after it was sent (slow, or frozen with its Lambda): what it says is that old.
          if (slow) vi.setSystemTime(Date.now() + RECEIPT_KEY_MAX_AGE_MS + 1);
          slow = false;
          return { Items: world.keys.filter((key) => key.purpose === input.ExpressionAttributeValues[':purpose']) };
        });
      const from = ddb.calls().length;
      expect((await post({ envelope: envelope() })).statusCode).toBe(201);
      expect(dynamoRequestsSince(from).filter((request) => request === 'Query keys')).toHaveLength(2);
    });

    it('signs with the states in memory while a background re-read fails; past 10 s it signs nothing (503), writes nothing', async () => {
      expect((await post({ envelope: envelope() })).statusCode).toBe(201);
      const { RECEIPT_KEY_REFRESH_MS, RECEIPT_KEY_MAX_AGE_MS } = await import('../../shared/aws/key-ring.js');
      const loaded = Date.now();
      ddb.on(QueryCommand, { TableName: 'keys' }).rejects(awsError('InternalServerError'));
      vi.setSystemTime(loaded + RECEIPT_KEY_REFRESH_MS + 1);
      const response = await post({ envelope: envelope() });
      expect(response.statusCode).toBe(201);
      expect(receiptKeyId(bodyOf(response).receipt as string)).toBe(world.receipt.kid);

      vi.setSystemTime(loaded + RECEIPT_KEY_MAX_AGE_MS + 1);
      const transactions = ddb.commandCalls(TransactWriteCommand).length;
      const refused = await post({ envelope: envelope() });
      expect(refused.statusCode).toBe(503);
      expect(refused.headers?.['Retry-After']).toBeDefined();
      expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(transactions);
    });
  });
});
