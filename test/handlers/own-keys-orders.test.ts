/**
 * A key the customer revokes stops orders at once, even in an order function that verified with it before and keeps
 * it in memory: the order's transaction checks the key's status at commit (shared/aws/accounts.ts), against stateful
 * tables that evaluate that condition as DynamoDB would.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { sealOrder } from '../../shared/envelope/index.js';
import type { SigningKey } from '../../shared/keys.js';
import { apiEvent, bodyOf, ddb, dynamoRequestsSince, lambdaContext, TransactWriteCommand } from '../helpers/aws.js';
import {
  ALICE,
  addKeyOf,
  aliceKey,
  coldStartBeforeEach,
  newKey,
  revokeKey,
  tables,
  world,
} from '../helpers/handlers/own-keys.js';

coldStartBeforeEach();

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;
let order: Handler;

beforeEach(async () => {
  // Imported after the password function, in the same cold start: each function keeps its own memory.
  order = (await import('../../functions/order/index.js')).handler as unknown as Handler;
  world.products.set('WIDGET-1', { sku: 'WIDGET-1', name: 'Widget', priceCents: 1250, stock: 10 });
});

const place = (signer: SigningKey) =>
  order(
    apiEvent({
      method: 'POST',
      resource: '/orders',
      body: {
        envelope: sealOrder({
          customerId: 'alice',
          items: [{ sku: 'WIDGET-1', qty: 1, unitPriceCents: 1250 }],
          currency: 'USD',
          signer,
          server: { kid: world.server.kid, publicKey: world.server.publicKey },
        }),
      },
      session: ALICE,
    }),
    lambdaContext,
  );

describe('a key revoked by its customer', () => {
  it('refuses at commit an order signed with it, though the warm order function still holds the key', async () => {
    expect((await place(aliceKey.signer)).statusCode).toBe(201); // verified, and the key kept in memory
    const after = { balance: world.customers.get('alice')!.balanceCents, stock: world.products.get('WIDGET-1')!.stock };

    expect((await revokeKey(aliceKey.signer.kid)).statusCode).toBe(200);

    const before = ddb.calls().length;
    const refused = await place(aliceKey.signer);
    expect(refused.statusCode).toBe(400);
    expect(bodyOf(refused)).toMatchObject({
      error: { code: 'customer_key_unknown', message: expect.stringMatching(/revoked/) as unknown },
    });
    // Warm, nothing was read first: the transaction was sent with the remembered key, and its condition refused it.
    expect(dynamoRequestsSince(before)[0]).toBe('TransactWrite');
    expect(ddb.commandCalls(TransactWriteCommand).at(-1)!.args[0].input.TransactItems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Update: expect.objectContaining({
            TableName: 'customers',
            ConditionExpression: expect.stringContaining('#keys.#kid.#status = :active') as unknown,
          }) as unknown,
        }),
      ]),
    );
    // Nothing of it was written: one order, its one ledger entry, the balance and stock it left.
    expect(tables.items('orders')).toHaveLength(1);
    expect(tables.items('ledger')).toHaveLength(1);
    expect(world.customers.get('alice')!.balanceCents).toBe(after.balance);
    expect(world.products.get('WIDGET-1')!.stock).toBe(after.stock);
  });

  it('leaves the customer’s other keys ordering, and a key added since orders at once', async () => {
    const added = newKey('ec');
    expect((await addKeyOf(added)).statusCode).toBe(201);
    expect((await place(aliceKey.signer)).statusCode).toBe(201);
    expect((await revokeKey(aliceKey.signer.kid)).statusCode).toBe(200);
    expect((await place(added.signer)).statusCode).toBe(201);
    expect(bodyOf(await place(aliceKey.signer))).toMatchObject({ error: { code: 'customer_key_unknown' } });
    expect(tables.items('orders')).toHaveLength(2);
  });
});
