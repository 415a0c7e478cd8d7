/**
 * Reading the orders table: one order, a customer's orders page by page (newest first), the OPD's work queue (orders
 * by status, oldest first, merged from every shard of the status: ./sharded-index.ts), and who has an order with a
 * given ID.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchGetCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.js';
import { serviceUnavailable } from '../errors.js';
import { ORDERS_BY_CUSTOMER, ORDERS_BY_ID, ORDERS_BY_STATUS, ORDER_INDEX_SHARDS } from '../../contract/tables.js';
import { ISO_TIME_PATTERN, decodeCursor, encodeCursor } from '../paging.js';
import type { OrderRecord, OrderStatus } from '../orders.js';
import { dynamo } from './clients.js';
import { ORDER_DATABASE, orderDatabase, queryOrders } from './orders-table.js';
import { querySharded } from './sharded-index.js';
import { ORDER_ID_PATTERN } from '../rules.js';

/**
 * An order by its key, or `undefined` if there is none. A strongly consistent read: a client that lost the answer to
 * `POST /orders` asks here whether the order was taken, and "no" must mean no (an eventually consistent read may miss
 * an order committed a moment ago, and the client would order again).
 */
export async function getOrder(customerId: string, orderId: string): Promise<OrderRecord | undefined> {
  const result = await orderDatabase('GetItem', () =>
    dynamo().send(
      new GetCommand({ TableName: config().tables.orders, Key: { customerId, orderId }, ConsistentRead: true }),
    ),
  );
  return result.Item as OrderRecord | undefined;
}

/** A customer's order IDs are read from the table at most this many at a time (BatchGetItem's limit). */
const BATCH_GET_LIMIT = 100;

/**
 * One page of a customer's orders, newest accepted first, through the `byCustomer` index (keys only), each order then
 * read whole from the table. `cursor` is the previous page's `next`: opaque (base64url JSON of the last entry's
 * acceptance time and ID), checked member by member when it comes back. @throws ApiError `invalid_request` (cursor)
 */
export async function listOrders(
  customerId: string,
  limit: number,
  cursor?: string,
): Promise<{ orders: OrderRecord[]; next?: string }> {
  const after = cursor ? decodeCursor(cursor, { acceptedAt: ISO_TIME_PATTERN, orderId: ORDER_ID_PATTERN }) : undefined;
  const index = ORDERS_BY_CUSTOMER;
  const result = await queryOrders({
    IndexName: index.name,
    KeyConditionExpression: '#customer = :customerId',
    ExpressionAttributeNames: { '#customer': index.partitionKey.name },
    ExpressionAttributeValues: { ':customerId': customerId },
    ScanIndexForward: false,
    Limit: Math.min(limit, BATCH_GET_LIMIT),
    ...(after ? { ExclusiveStartKey: { customerId, ...after } } : {}),
  });
  const keys = (result.Items ?? []).map((item) => ({ customerId, orderId: String(item.orderId) }));
  const found = await getOrders(keys);
  // A page's answer must fit a Lambda response (6 MB): orders of 50 long lines with their evidence run to ~70 KB.
  const orders: OrderRecord[] = [];
  let bytes = 0;
  for (const order of found) {
    bytes += Buffer.byteLength(JSON.stringify(order));
    if (orders.length > 0 && bytes > PAGE_BYTE_BUDGET) break;
    orders.push(order);
  }
  const cut = orders.length < found.length ? orders.at(-1) : undefined;
  const last = cut ?? result.LastEvaluatedKey;
  const next =
    last && typeof last.acceptedAt === 'string' && typeof last.orderId === 'string'
      ? encodeCursor({ acceptedAt: last.acceptedAt, orderId: last.orderId })
      : undefined;
  return { orders, ...(next ? { next } : {}) };
}

/** The most a page of orders may weigh as stored (its JSON), well under Lambda's 6 MB response limit. */
const PAGE_BYTE_BUDGET = 4 * 1024 * 1024;

/** Orders by key, in the keys' order (at most {@link BATCH_GET_LIMIT}); one that vanished meanwhile is left out. */
async function getOrders(keys: ReadonlyArray<{ customerId: string; orderId: string }>): Promise<OrderRecord[]> {
  const table = config().tables.orders;
  const found = new Map<string, OrderRecord>();
  let pending: Array<Record<string, unknown>> = [...keys];
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > 5) throw serviceUnavailable(ORDER_DATABASE);
    const requested = pending;
    const result = await orderDatabase('BatchGetItem', () =>
      dynamo().send(new BatchGetCommand({ RequestItems: { [table]: { Keys: requested } } })),
    );
    for (const item of (result.Responses?.[table] ?? []) as OrderRecord[]) found.set(item.orderId, item);
    pending = result.UnprocessedKeys?.[table]?.Keys ?? [];
    if (pending.length > 0) await sleep(25 * 2 ** attempt); // throttled: back off, then ask for the rest
  }
  return keys.flatMap((key) => found.get(key.orderId) ?? []);
}

/** An order as the work queue shows it (the status index's projection). */
export type QueuedOrder = Pick<
  OrderRecord,
  | 'customerId'
  | 'orderId'
  | 'status'
  | 'acceptedAt'
  | 'lines'
  | 'totalCents'
  | 'currency'
  | 'fulfilledAt'
  | 'cancelledAt'
>;

/**
 * One page of the OPD's work queue: orders in `status`, oldest accepted first (ties by customer, then order ID),
 * merged from every shard of the status index. `cursor` is the previous page's `next`: its last order's status,
 * acceptance time and IDs, checked member by member (`patterns`: customer and order IDs); the page goes on exactly
 * after that order.
 */
export async function listOrdersByStatus(
  status: OrderStatus,
  limit: number,
  cursor: string | undefined,
  patterns: { customerId: RegExp; orderId: RegExp },
): Promise<{ orders: QueuedOrder[]; next?: string }> {
  const at = cursor
    ? decodeCursor<{ status: string; acceptedAt: string; customerId: string; orderId: string }>(cursor, {
        status: new RegExp(`^${status}$`),
        acceptedAt: ISO_TIME_PATTERN,
        ...patterns,
      })
    : undefined;
  const { page, more } = await querySharded({
    index: ORDERS_BY_STATUS,
    value: status,
    shards: ORDER_INDEX_SHARDS,
    limit,
    after: at && { sort: at.acceptedAt, customerId: at.customerId, orderId: at.orderId },
    entry: (item) => {
      const order = item as QueuedOrder;
      return { sort: order.acceptedAt, customerId: order.customerId, orderId: order.orderId, order };
    },
  });
  const orders = page.map((entry) => entry.order);
  const last = orders.at(-1);
  const next =
    more && last
      ? encodeCursor({ status, acceptedAt: last.acceptedAt, customerId: last.customerId, orderId: last.orderId })
      : undefined;
  return { orders, ...(next ? { next } : {}) };
}

/** The customers who have an order with this ID (normally one: IDs are random; nothing stops two from choosing one). */
export async function customersWithOrder(orderId: string): Promise<string[]> {
  const result = await queryOrders({
    IndexName: ORDERS_BY_ID.name,
    KeyConditionExpression: 'orderId = :orderId',
    ExpressionAttributeValues: { ':orderId': orderId },
    Limit: 10,
  });
  return (result.Items ?? []).map((item) => String(item.customerId));
}
