/** POST /orders against mocked DynamoDB and KMS: every way the transaction can be cancelled, and what each answers. */
import { describe, expect, it } from 'vitest';
import { awsError, bodyOf, ddb, GetCommand, TransactWriteCommand, transactionCancelled } from '../helpers/aws.js';
import type { Customer } from '../../shared/aws/customers.js';
import { keys, makeKeysBeforeAll } from '../helpers/keys.js';
import {
  coldStartBeforeEach,
  conditionFailedAt,
  envelope,
  post,
  verifiedReceipt,
  world,
} from '../helpers/handlers/order.js';

makeKeysBeforeAll();
coldStartBeforeEach();

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
      ':active': 'active',
    });
    expect(items[4]?.Put?.Item).toMatchObject({ entry: 8, amountCents: -3499, balanceAfterCents: 10_000 - 3499 });
    expect(verifiedReceipt(bodyOf(response)).ledgerEntry).toBe(8); // the receipt names the entry that paid
    // The cold read, then one after the refusal: each projected, never the password hash or the email.
    const kid = keys.ed25519.signer.kid;
    expect(customerReads()).toEqual([
      '#customerId, #tokenVersion, #balanceCents, #ledgerSeq, #keys.#kid',
      '#customerId, #tokenVersion, #balanceCents, #ledgerSeq, #keys.#kid',
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

  it('the customer disabled between the session check and commit: refused like a stale session, 401, no retry', async () => {
    accountChangedUnder((alice) => ({ tokenVersion: alice.tokenVersion + 1, disabledAt: '2026-12-07T00:00:00.000Z' }));
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
