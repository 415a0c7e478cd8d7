/** POST /orders against mocked DynamoDB and KMS, warm: one DynamoDB request, and nothing remembered decides. */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  BatchGetCommand,
  bodyOf,
  ddb,
  dynamoRequestsSince,
  TransactWriteCommand,
  transactionCancelled,
} from '../helpers/aws.js';
import { keys, makeKeysBeforeAll } from '../helpers/keys.js';
import {
  ITEMS,
  coldStartBeforeEach,
  conditionFailedAt,
  envelope,
  post,
  verifiedReceipt,
  world,
} from '../helpers/handlers/order.js';

makeKeysBeforeAll();
coldStartBeforeEach();

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
