/** Credits by the admin API, exactly once per Idempotency-Key, against mocked DynamoDB. */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  addCustomer,
  apiEvent,
  bodyOf,
  ddb,
  GetCommand,
  lambdaContext,
  TransactWriteCommand,
  transactionCancelled,
} from '../helpers/aws.js';
import { ROOT, admin, coldStartBeforeEach, world } from '../helpers/handlers/read-admin-notify.js';

coldStartBeforeEach();

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
  const recorded = () =>
    ddb
      .commandCalls(TransactWriteCommand)[0]!
      .args[0].input.TransactItems!.find((item) => item.Put?.TableName === 'idempotency')!.Put!.Item!;

  it('puts the key, the request digest and the entry in the credit’s own transaction: 201', async () => {
    const response = await credit(BODY);
    expect(response.statusCode).toBe(201);
    expect(bodyOf(response)).toMatchObject({ entry: 4, type: 'credit', amountCents: 5000, balanceAfterCents: 6000 });
    const [transaction] = ddb.commandCalls(TransactWriteCommand);
    const items = transaction!.args[0].input.TransactItems!;
    expect(items.map((item) => (item.Put ?? item.Update ?? item.ConditionCheck)!.TableName)).toEqual([
      'customers',
      'ledger',
      'idempotency',
      'audit',
      'staff', // the caller may still act, checked at commit
    ]);
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
