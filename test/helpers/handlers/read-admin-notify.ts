/**
 * The world of the read, admin and notify suites: mocked DynamoDB, KMS and SES with one product, the three functions
 * imported anew before each test ({@link coldStartBeforeEach}), two sessions and a stored order. `world` and the
 * handlers are live bindings: read them inside tests.
 */
import { beforeEach, vi } from 'vitest';
import type { APIGatewayProxyResult, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { orderStatusShard } from '../../../shared/orders.js';
import type { OrderRecord } from '../../../shared/orders.js';
import { installWorld } from '../aws.js';
import type { World } from '../aws.js';

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;
export let world: World;
export let read: Handler;
export let admin: Handler;
export let notify: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

export const ALICE = { customerId: 'alice', role: 'customer' as const };
export const ROOT = { customerId: 'root', role: 'admin' as const };

export const ORDER: OrderRecord = {
  customerId: 'alice',
  orderId: 'AAAAAAAAAAAAAAAAAAAAAA',
  lines: [{ sku: 'WIDGET-1', name: 'Widget', qty: 2, unitPriceCents: 1250 }],
  totalCents: 2500,
  currency: 'USD',
  status: 'accepted',
  statusShard: orderStatusShard('accepted', 'AAAAAAAAAAAAAAAAAAAAAA'),
  acceptedAt: '2026-11-22T10:00:01.000Z',
  signedAt: '2026-11-22T10:00:00.000Z',
  jws: 'eyJ.eyJ.sig',
  alg: 'EdDSA',
  customerKeyId: 'alice-key',
  serverKeyId: 'server-1',
  receipt: 'eyJ.eyJ.receipt-signature',
  email: 'alice@customer.example',
  emailStatus: 'pending',
};

/** {@link ORDER} as `customerId`'s, accepted at minute `minute` of its day, in `status`, its email sent. */
export function orderAt(customerId: string, minute: number, status: OrderRecord['status']): OrderRecord {
  const at = `2026-11-22T10:${String(minute).padStart(2, '0')}:00.000Z`;
  const orderId = `${customerId}-${String(minute).padStart(2, '0')}`.padEnd(22, 'x');
  const statusShard = orderStatusShard(status, orderId);
  return { ...ORDER, customerId, orderId, status, statusShard, acceptedAt: at, signedAt: at, emailStatus: 'sent' };
}

/** A fresh world and freshly imported functions before each of the calling file's tests (its `beforeEach`). */
export function coldStartBeforeEach(): void {
  beforeEach(async () => {
    world = installWorld();
    vi.resetModules();
    read = (await import('../../../functions/read/index.js')).handler as unknown as Handler;
    admin = (await import('../../../functions/admin/index.js')).handler as unknown as Handler;
    notify = (await import('../../../functions/notify/index.js')).notify;
    world.products.set('WIDGET-1', { sku: 'WIDGET-1', name: 'Widget', priceCents: 1250, stock: 10 });
  });
}
