/**
 * The audit trail of the work queue and of the OPD's keys: fulfilment, the OPD's cancellation, a mail retry, key
 * rotations and a receipt key's revocation each write exactly one record, in the same TransactWriteItems request as
 * the change, naming the staff member; a change refused writes none, and the deploy's key provisioning none. Against
 * mocked DynamoDB (test/helpers/audit.ts).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { OrderRecord } from '../../shared/orders.js';
import { GetCommand, QueryCommand, addCustomer, apiEvent, bodyOf, ddb, lambdaContext } from '../helpers/aws.js';
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
import { ORDER, admin, coldStartBeforeEach, world } from '../helpers/handlers/read-admin-notify.js';

coldStartBeforeEach();

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;
let orderFunction: Handler;

const call = (
  who: keyof typeof STAFF,
  method: string,
  resource: string,
  options: { body?: unknown; params?: Record<string, string>; handler?: Handler } = {},
) =>
  (options.handler ?? admin)(
    apiEvent({
      method,
      resource,
      session: staffSession(who),
      ...(options.body === undefined ? {} : { body: options.body }),
      ...(options.params ? { pathParameters: options.params } : {}),
    }),
    lambdaContext,
  );
const theOrder = writes('orders', { customerId: 'alice', orderId: ORDER.orderId });
const params = { id: ORDER.orderId };

/** The stored order, as the admin routes find it by its ID. */
function storeOrder(...reads: OrderRecord[]): void {
  ddb.on(QueryCommand, { TableName: 'orders', IndexName: 'byOrderId' }).resolves({
    Items: [{ customerId: 'alice', orderId: ORDER.orderId }],
  });
  const get = ddb.on(GetCommand, { TableName: 'orders' });
  for (const order of reads.slice(0, -1)) get.resolvesOnce({ Item: order });
  get.resolves({ Item: reads.at(-1) });
}

beforeEach(async () => {
  await addCustomer(world, 'alice', 'correct horse battery', [], { balanceCents: 10_000, ledgerSeq: 1 });
  orderFunction = (await import('../../functions/order/index.js')).handler as unknown as Handler;
});

describe('the work queue', () => {
  it('order.fulfil: the status before → after and the customer, with the order’s own update', async () => {
    storeOrder(ORDER);
    const response = await call('clerk', 'POST', '/admin/orders/{id}/fulfil', { params });
    expect(bodyOf(response)).toMatchObject({ orderId: ORDER.orderId, status: 'fulfilled' });
    const record = expectOneRecord(world, 'clerk', theOrder, {
      action: 'order.fulfil',
      target: ORDER.orderId,
      targetType: 'order',
    });
    expect(record.changes).toEqual({ status: { before: 'accepted', after: 'fulfilled' }, customerId: 'alice' });
    expect(transactionsSent()[0]![0]!.Update!.ConditionExpression).toBe('#status = :accepted');
  });

  it('order.fulfil of a closed order: 409, nothing written, no record', async () => {
    storeOrder({ ...ORDER, status: 'cancelled' });
    const response = await call('clerk', 'POST', '/admin/orders/{id}/fulfil', { params });
    expect(bodyOf(response)).toMatchObject({ error: { code: 'order_closed', status: 'cancelled' } });
    expect(transactionsSent()).toEqual([]);
    expectNoRecord(world);
  });

  it('order.fulfil of an order cancelled after it was read: the transaction cancelled, 409, no record', async () => {
    storeOrder(ORDER);
    scriptTransactions(world, [failing(theOrder, { ...ORDER, status: 'cancelled' })]);
    const response = await call('clerk', 'POST', '/admin/orders/{id}/fulfil', { params });
    expect(bodyOf(response)).toMatchObject({ error: { code: 'order_closed', status: 'cancelled' } });
    expectNoRecord(world);
  });

  it('order.cancel (by the OPD): the reason, the refund and its entry, in the transaction that refunds it', async () => {
    storeOrder({ ...ORDER, ledgerEntry: 1 });
    const response = await call('clerk', 'POST', '/admin/orders/{id}/cancel', {
      params,
      body: { reason: 'out of stock' },
      handler: orderFunction,
    });
    expect(bodyOf(response)).toMatchObject({ status: 'cancelled', cancellation: { by: 'opd', actor: 'clara' } });
    const record = expectOneRecord(world, 'clerk', theOrder, {
      action: 'order.cancel',
      target: ORDER.orderId,
      reason: 'out of stock',
    });
    expect(record.changes).toEqual({
      status: { before: 'accepted', after: 'cancelled' },
      customerId: 'alice',
      refundCents: 2500,
      entry: 2,
    });
    const actions = transactionsSent()[0]!;
    expect(actions.some(writes('customers', { customerId: 'alice' }))).toBe(true);
    expect(actions.some((action) => action.Put?.TableName === 'ledger')).toBe(true);
  });

  it('order.cancel of a closed order: 409, no record', async () => {
    storeOrder({ ...ORDER, status: 'fulfilled' });
    const response = await call('clerk', 'POST', '/admin/orders/{id}/cancel', {
      params,
      body: { reason: 'out of stock' },
      handler: orderFunction,
    });
    expect(bodyOf(response)).toMatchObject({ error: { code: 'order_closed' } });
    expectNoRecord(world);
  });

  const failed = { ...ORDER, status: 'fulfilled', emailStatus: 'failed', noticeStatus: 'failed' } as OrderRecord;

  it('email.retry: the kinds reopened, together, in one transaction with the record', async () => {
    storeOrder(failed);
    const response = await call('clerk', 'POST', '/admin/emails/{id}/retry', { params });
    expect(response.statusCode).toBe(200);
    const record = expectOneRecord(world, 'clerk', theOrder, { action: 'email.retry', target: ORDER.orderId });
    expect(record.changes).toEqual({ kinds: ['email', 'notice'], customerId: 'alice' });
    expect(transactionsSent()[0]![0]!.Update!.ConditionExpression).toBe(
      'emailStatus = :failed AND noticeStatus = :failed',
    );
  });

  it('email.retry that another retry beat: nothing reopened, not_failed, no record', async () => {
    storeOrder(failed, { ...failed, emailStatus: 'sent', noticeStatus: 'pending' });
    scriptTransactions(world, [failing(theOrder)]);
    const response = await call('clerk', 'POST', '/admin/emails/{id}/retry', { params });
    expect(bodyOf(response)).toMatchObject({
      retried: [
        { kind: 'email', outcome: 'not_failed' },
        { kind: 'notice', outcome: 'not_failed' },
      ],
    });
    expect(transactionsSent()).toHaveLength(1);
    expectNoRecord(world);
  });
});

describe('the OPD’s keys', () => {
  const keys = (purpose: string) => world.keys.filter((key) => key.purpose === purpose);

  it.each([
    ['server-key', '/admin/server-keys/rotate', () => world.server.kid],
    ['receipt-key', '/admin/receipt-keys/rotate', () => world.receipt.kid],
  ] as const)('%s.rotate: the new key is the target, the active key before → after', async (purpose, path, old) => {
    const before = old();
    const response = await call('security', 'POST', path);
    const { kid } = bodyOf(response) as { kid: string };
    expect(keys(purpose).find((key) => key.kid === kid)?.status).toBe('active');
    const record = expectOneRecord(world, 'security', writes('keys', { purpose, kid }), {
      action: `${purpose}.rotate`,
      target: kid,
      targetType: purpose,
    });
    expect(record.changes).toEqual({ activeKey: { before, after: kid } });
  });

  it('receipt-key.revoke: revoked and replaced in one transaction with the record; again, nothing more', async () => {
    const revoke = (kid: string) => call('security', 'POST', '/admin/receipt-keys/{kid}/revoke', { params: { kid } });
    const leaked = world.receipt.kid;
    const body = bodyOf(await revoke(leaked)) as { current: { kid: string } };
    const record = expectOneRecord(world, 'security', writes('keys', { purpose: 'receipt-key', kid: leaked }), {
      action: 'receipt-key.revoke',
      target: leaked,
    });
    expect(record.changes).toEqual({
      status: { before: 'active', after: 'revoked' },
      activeKey: { before: leaked, after: body.current.kid },
    });
    expect(transactionsSent()[0]!.some(writes('keys', { purpose: 'receipt-key', kid: body.current.kid }))).toBe(true);
    expect((await revoke(leaked)).statusCode).toBe(200);
    expect(bodyOf(await revoke('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'))).toMatchObject({
      error: { code: 'not_found' },
    });
    expect(world.audit).toHaveLength(1);
  });

  it('the deploy’s provisioning makes a key without a record: it is no one’s action', async () => {
    world.keys.splice(world.keys.indexOf(keys('receipt-key')[0]!), 1);
    const { handler } = await import('../../functions/provision/index.js');
    await handler({ RequestType: 'Create', ResourceProperties: {} } as never);
    expect(keys('receipt-key')).toHaveLength(1);
    expect(transactionsSent()).toEqual([]);
    expectNoRecord(world);
  });
});
