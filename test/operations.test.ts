/**
 * Keeps docs/operations.md's per-order unit counts in step with the code: a reference order (one line, Ed25519) runs
 * through the real handlers against the mocked SDK; its DynamoDB requests are counted, its items sized by DynamoDB's
 * rules, and the capacity units they cost compared with the document's table.
 */
import { readFileSync } from 'node:fs';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayProxyResult, DynamoDBStreamEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { TABLES } from '../contract/tables.js';
import { indexEntry, itemSize, writeUnits } from '../bench/capacity/sizing.js';
import { sealOrder } from '../shared/envelope/index.js';
import {
  addCustomer,
  apiEvent,
  ddb,
  dynamoRequestsSince,
  GetCommand,
  installWorld,
  lambdaContext,
  TransactWriteCommand,
  UpdateCommand,
} from './helpers/aws.js';
import { customerKeys } from './helpers/keys.js';

interface Measured {
  /** DynamoDB requests of a warm order, in order, as `Operation table`. */
  orderRequests: string[];
  notifyRequests: string[];
  /** Write units of the order transaction (each action doubled: transactions cost two units per KiB). */
  transactionWriteUnits: number;
  /** Index entries the new order writes (not doubled: index writes are not transactional). */
  indexWriteUnits: number;
  /** The notifier's writes: claim and sent on the order item, and the owed-mail index entry removed. */
  notifyWriteUnits: number;
  /** Reads: the notifier's email lookup (eventually consistent: half a unit per 4 KiB). */
  notifyReadUnits: number;
  authorizerReadUnits: number;
  orderItemBytes: number;
}

let measured: Measured;

beforeAll(async () => {
  const keys = await customerKeys();
  const world = installWorld();
  vi.resetModules();
  const order = (await import('../functions/order/index.js')).handler as unknown as (
    event: unknown,
    context: unknown,
  ) => Promise<APIGatewayProxyResult>;
  const { notify } = await import('../functions/notify/index.js');
  const { verifier, signer } = keys.ed25519;
  await addCustomer(world, 'alice', 'correct horse battery', [
    { kid: verifier.kid, alg: verifier.alg, publicKey: verifier.publicKey },
  ]);
  world.products.set('WIDGET-1', { sku: 'WIDGET-1', name: 'Widget', priceCents: 1250, stock: 1000 });
  const post = async () => {
    const envelope = sealOrder({
      customerId: 'alice',
      items: [{ sku: 'WIDGET-1', qty: 2, unitPriceCents: 1250 }],
      currency: 'USD',
      signer,
      server: { kid: world.server.kid, publicKey: world.server.publicKey },
    });
    const response = await order(
      apiEvent({
        method: 'POST',
        resource: '/orders',
        body: { envelope },
        session: { customerId: 'alice', role: 'customer' },
      }),
      lambdaContext,
    );
    expect(response.statusCode).toBe(201);
  };
  await post(); // cold: reads the customer and the product once
  const before = ddb.calls().length;
  await post();
  const orderRequests = dynamoRequestsSince(before);

  const transaction = ddb.commandCalls(TransactWriteCommand).at(-1)!.args[0].input.TransactItems!;
  const stored = transaction[0]!.Put!.Item as Record<string, unknown>;
  const customer = world.customers.get('alice') as unknown as Record<string, unknown>;
  const product = world.products.get('WIDGET-1') as unknown as Record<string, unknown>;
  const ledger = transaction[3]!.Put!.Item as Record<string, unknown>;
  const transactionWriteUnits =
    2 * (writeUnits(stored) + writeUnits(product) + writeUnits(customer) + writeUnits(ledger));
  const tableKeys = ['customerId', 'orderId'];
  // Every index of the orders table whose keys the new order holds gets an entry (a sparse one, none).
  const indexWriteUnits = (TABLES.find((table) => table.name === 'orders')!.indexes ?? [])
    .filter((index) =>
      [index.partitionKey, ...(index.sortKey ? [index.sortKey] : [])].every((key) => key.name in stored),
    )
    .map((index) => [index.partitionKey.name, ...(index.sortKey ? [index.sortKey.name] : []), ...(index.include ?? [])])
    .reduce((total, names) => total + indexEntry(stored, [...tableKeys, ...names]), 0);

  const beforeNotify = ddb.calls().length;
  const stream: DynamoDBStreamEvent = {
    Records: [{ eventName: 'INSERT', dynamodb: { SequenceNumber: '1', NewImage: marshall(stored) as never } }],
  };
  const result = await notify(stream);
  expect(result.batchItemFailures).toEqual([]);
  const notifyRequests = dynamoRequestsSince(beforeNotify);
  const updates = ddb.commandCalls(UpdateCommand, { TableName: 'orders' }).length;
  const emailRead = ddb.commandCalls(GetCommand, { TableName: 'customers' }).at(-1)!.args[0].input;
  expect(emailRead.ConsistentRead).toBeUndefined();

  measured = {
    orderRequests,
    notifyRequests,
    transactionWriteUnits,
    indexWriteUnits,
    notifyWriteUnits: updates * writeUnits(stored) + indexEntry(stored, [...tableKeys, 'emailOwed', 'emailOwedSince']),
    notifyReadUnits: 0.5 * Math.ceil(itemSize(customer) / 4096),
    authorizerReadUnits: Math.ceil(itemSize(customer) / 4096),
    orderItemBytes: itemSize(stored),
  };
}, 60_000);

/** The document's "units per order" table: first cell → the units cell, as numbers. */
function documentedUnits(): Map<string, number> {
  const text = readFileSync('docs/operations.md', 'utf8');
  const section = text.slice(text.indexOf('## Units per order'), text.indexOf('## Cost per 1,000,000 orders'));
  const rows = section.split('\n').filter((line) => /^\| [^-]/.test(line));
  return new Map(
    rows.slice(1).map((row) => {
      const cells = row.split('|').map((cell) => cell.trim());
      return [cells[1]!, Number(cells[3])];
    }),
  );
}

describe('docs/operations.md: units per order, as the code spends them', () => {
  it('a warm order makes one DynamoDB request; the notifier three', () => {
    expect(measured.orderRequests).toEqual(['TransactWrite']);
    expect(measured.notifyRequests).toEqual(['Update orders', 'Get customers', 'Update orders']);
    const units = documentedUnits();
    expect(units.get('DynamoDB requests, order function (warm)')).toBe(measured.orderRequests.length);
    expect(units.get('DynamoDB requests, notifier')).toBe(measured.notifyRequests.length);
  });

  it('the write and read units in the table are the ones the reference order’s items cost', () => {
    const units = documentedUnits();
    expect({
      transaction: units.get('DynamoDB write units, order transaction'),
      indexes: units.get('DynamoDB write units, order indexes'),
      notify: units.get('DynamoDB write units, notifier'),
      notifyRead: units.get('DynamoDB read units, notifier'),
      authorizerRead: units.get('DynamoDB read units, authorizer (uncached)'),
    }).toEqual({
      transaction: measured.transactionWriteUnits,
      indexes: measured.indexWriteUnits,
      notify: measured.notifyWriteUnits,
      notifyRead: measured.notifyReadUnits,
      authorizerRead: measured.authorizerReadUnits,
    });
    expect(measured.orderItemBytes).toBeGreaterThan(1024); // why the order item costs more than one unit per write
  });
});
