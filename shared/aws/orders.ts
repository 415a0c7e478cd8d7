/**
 * The orders table and the order transactions. Placing an order is one TransactWriteItems that puts the order (with
 * its receipt) only if its ID (the envelope's jti) is new — the replay protection — decrements each line's stock only
 * if the product exists, enough is left, and its price is still the unit price the customer signed, and debits the
 * total from the customer's balance with its ledger entry (shared/aws/accounts.ts). Cancelling is one transaction
 * too: the status moves from `accepted` only once, every line's stock comes back, the total is refunded. Stock and
 * balances never go negative, nothing is sold at a price the customer did not sign, nothing is refunded twice,
 * whatever the concurrency: DynamoDB checks every condition at commit.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchGetCommand, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AccountState, LedgerEntry, OrderGuard } from '../accounts.js';
import { config } from '../config.js';
import { ApiError, serviceUnavailable } from '../errors.js';
import { ISO_TIME_PATTERN, decodeCursor, encodeCursor } from '../paging.js';
import { MAIL_OWED, ORDERS_BY_CUSTOMER, ORDERS_BY_ID, ORDERS_BY_STATUS } from '../../infra/tables.js';
import { JTI_PATTERN } from '../envelope/claims.js';
import { interpretCancellation } from '../orders.js';
import type {
  Cancellation,
  CancellationReason,
  MailStatus,
  OrderRecord,
  OrderStatus,
  TransactionOutcome,
} from '../orders.js';
import { accountReason, accountWrites } from './accounts.js';
import { getOrderingProfile } from './customers.js';
import type { AccountReason } from './accounts.js';
import { dynamo, guarded, whenConditionFails } from './clients.js';

const database = <T>(what: string, operation: () => Promise<T>) => guarded('the order database', what, operation);

/** A ledger entry to record with a transaction, and the account state it was computed from. */
export interface AccountChange {
  readonly seen: AccountState;
  readonly entry: LedgerEntry;
  /** For an order's debit: the session and key checks made again at commit. */
  readonly guard?: OrderGuard;
}

/** The cancellation reasons of a cancelled transaction, items unmarshalled. */
function reasonsOf(error: TransactionCanceledException): CancellationReason[] {
  return (error.CancellationReasons ?? []).map((reason) => ({
    code: reason.Code,
    ...(reason.Item ? { item: unmarshall(reason.Item) } : {}),
  }));
}

/**
 * Writes the order, decrements stock and debits the account in one transaction. Returns 'placed' or why it was
 * cancelled.
 */
export async function writeOrder(
  order: OrderRecord,
  debit: AccountChange,
): Promise<{ kind: 'placed' } | TransactionOutcome> {
  const { orders, inventory } = config().tables;
  try {
    await database('TransactWriteItems', () =>
      dynamo().send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: orders,
                Item: order,
                ConditionExpression: 'attribute_not_exists(orderId)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            ...order.lines.map((line) => ({
              Update: {
                TableName: inventory,
                Key: { sku: line.sku },
                UpdateExpression: 'SET stock = stock - :qty',
                ConditionExpression: 'attribute_exists(sku) AND stock >= :qty AND priceCents = :price',
                ExpressionAttributeValues: { ':qty': line.qty, ':price': line.unitPriceCents },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
              },
            })),
            ...accountWrites(debit.seen, debit.entry, debit.guard),
          ],
        }),
      ),
    );
    return { kind: 'placed' };
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const reasons = reasonsOf(error);
    // The account action returns no item (see accountWrites). `None` for it proves its condition held — the session
    // current at commit — only when every action that failed did so on its own condition: a transaction cancelled for
    // a conflict or throttling may not have evaluated it. Unless proven, an answer that tells anything (a condition
    // failed somewhere) waits for one read of what the order path may see of the account.
    const failedOnConditions = reasons.every(
      (reason) => reason.code === 'None' || reason.code === 'ConditionalCheckFailed',
    );
    const proven = reasons[order.lines.length + 1]?.code === 'None' && failedOnConditions;
    const tells = reasons.some((reason) => reason.code === 'ConditionalCheckFailed');
    const account =
      !proven && tells ? { item: await getOrderingProfile(order.customerId, debit.guard?.keyId) } : undefined;
    return interpretCancellation(reasons, order.lines, debit.guard, account);
  }
}

/** Why a cancellation transaction did not commit. */
export type CancelOutcome =
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'closed'; readonly existing: OrderRecord }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'account'; readonly reason: AccountReason }
  | { readonly kind: 'conflict' }
  | { readonly kind: 'throttled' };

/**
 * Cancels an accepted order in one transaction: its status moves to `cancelled` only if it is still `accepted` (so
 * of any number of concurrent cancellations exactly one commits), every line's stock is restored, and the total is
 * refunded with its ledger entry.
 */
export async function writeCancellation(
  order: OrderRecord,
  cancellation: Cancellation,
  cancelledAt: string,
  refund: AccountChange,
): Promise<CancelOutcome> {
  const { orders, inventory } = config().tables;
  try {
    await database('TransactWriteItems', () =>
      dynamo().send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: orders,
                Key: { customerId: order.customerId, orderId: order.orderId },
                UpdateExpression:
                  'SET #status = :cancelled, cancelledAt = :at, cancellation = :cancellation, noticeStatus = :pending, noticeOwed = :owed, noticeOwedSince = :since',
                ConditionExpression: '#status = :accepted',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':cancelled': 'cancelled',
                  ':accepted': 'accepted',
                  ':at': cancelledAt,
                  ':cancellation': cancellation,
                  ':pending': 'pending',
                  ':owed': 'owed',
                  ':since': Date.parse(cancelledAt),
                },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            ...order.lines.map((line) => ({
              Update: {
                TableName: inventory,
                Key: { sku: line.sku },
                UpdateExpression: 'ADD stock :qty',
                ConditionExpression: 'attribute_exists(sku)',
                ExpressionAttributeValues: { ':qty': line.qty },
              },
            })),
            ...accountWrites(refund.seen, refund.entry),
          ],
        }),
      ),
    );
    return { kind: 'cancelled' };
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const reasons = reasonsOf(error);
    const [orderReason] = reasons;
    if (orderReason?.code === 'ConditionalCheckFailed')
      return orderReason.item
        ? { kind: 'closed', existing: orderReason.item as unknown as OrderRecord }
        : { kind: 'not_found' };
    const account = reasons[order.lines.length + 1];
    if (account?.code === 'ConditionalCheckFailed')
      return { kind: 'account', reason: await accountReason(order.customerId) };
    if (reasons.some((reason) => reason.code === 'ConditionalCheckFailed' || reason.code === 'TransactionConflict'))
      return { kind: 'conflict' };
    return { kind: 'throttled' };
  }
}

/**
 * Marks an accepted order fulfilled (and owes the customer a notice).
 * @throws ApiError `not_found`, `order_closed`
 */
export async function markFulfilled(
  key: { customerId: string; orderId: string },
  now = Date.now(),
): Promise<OrderRecord> {
  const update = new UpdateCommand({
    TableName: config().tables.orders,
    Key: key,
    UpdateExpression:
      'SET #status = :fulfilled, fulfilledAt = :at, noticeStatus = :pending, noticeOwed = :owed, noticeOwedSince = :since',
    ConditionExpression: '#status = :accepted',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':fulfilled': 'fulfilled',
      ':accepted': 'accepted',
      ':at': new Date(now).toISOString(),
      ':pending': 'pending',
      ':owed': 'owed',
      ':since': now,
    },
    ReturnValues: 'ALL_NEW',
  });
  return whenConditionFails(
    async () => (await database('UpdateItem', () => dynamo().send(update))).Attributes as OrderRecord,
    () => {
      throw new ApiError('order_closed', `order ${key.orderId} is no longer accepted`);
    },
  );
}

export async function getOrder(customerId: string, orderId: string): Promise<OrderRecord | undefined> {
  const result = await database('GetItem', () =>
    dynamo().send(new GetCommand({ TableName: config().tables.orders, Key: { customerId, orderId } })),
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
  const after = cursor ? decodeCursor(cursor, { acceptedAt: ISO_TIME_PATTERN, orderId: JTI_PATTERN }) : undefined;
  const index = ORDERS_BY_CUSTOMER;
  const result = await database('Query', () =>
    dynamo().send(
      new QueryCommand({
        TableName: config().tables.orders,
        IndexName: index.name,
        KeyConditionExpression: '#customer = :customerId',
        ExpressionAttributeNames: { '#customer': index.partitionKey.name },
        ExpressionAttributeValues: { ':customerId': customerId },
        ScanIndexForward: false,
        Limit: Math.min(limit, BATCH_GET_LIMIT),
        ...(after ? { ExclusiveStartKey: { customerId, ...after } } : {}),
      }),
    ),
  );
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
    if (attempt > 5) throw serviceUnavailable('the order database');
    const requested = pending;
    const result = await database('BatchGetItem', () =>
      dynamo().send(new BatchGetCommand({ RequestItems: { [table]: { Keys: requested } } })),
    );
    for (const item of (result.Responses?.[table] ?? []) as OrderRecord[]) found.set(item.orderId, item);
    pending = result.UnprocessedKeys?.[table]?.Keys ?? [];
    if (pending.length > 0) await sleep(25 * 2 ** attempt); // throttled: back off, then ask for the rest
  }
  return keys.flatMap((key) => found.get(key.orderId) ?? []);
}

/** The two emails an order may owe: its confirmation, and the notice of its last status change. */
export type EmailKind = 'email' | 'notice';

/** Runs a conditional update: true if it was applied, false if its condition did not hold. */
function updateIf(update: UpdateCommand): Promise<boolean> {
  return whenConditionFails(
    async () => {
      await database('UpdateItem', () => dynamo().send(update));
      return true;
    },
    () => false,
  );
}

/**
 * Moves an order's email (or notice) status from `from` to `to` if and only if it is `from` (or a `sending` claim older
 * than `staleBefore`, left by a crashed sender). Sent mail leaves the owed index. Returns false when another worker got
 * there first.
 */
export async function transitionEmailStatus(
  key: { customerId: string; orderId: string },
  from: MailStatus,
  to: MailStatus,
  now = Date.now(),
  staleBefore?: number,
  kind: EmailKind = 'email',
): Promise<boolean> {
  const stale = staleBefore === undefined ? '' : ` OR (${kind}Status = :sending AND ${kind}ClaimedAt < :stale)`;
  const update = new UpdateCommand({
    TableName: config().tables.orders,
    Key: key,
    UpdateExpression:
      to === 'sent'
        ? `SET ${kind}Status = :to, ${kind}SentAt = :now REMOVE ${kind}Owed, ${kind}OwedSince`
        : `SET ${kind}Status = :to, ${kind}ClaimedAt = :epoch`,
    ConditionExpression: `${kind}Status = :from${stale}`,
    ExpressionAttributeValues: {
      ':to': to,
      ':from': from,
      ...(to === 'sent' ? { ':now': new Date(now).toISOString() } : { ':epoch': now }),
      ...(staleBefore === undefined ? {} : { ':sending': 'sending', ':stale': staleBefore }),
    },
  });
  return updateIf(update);
}

/** Gives up a claimed email after a permanent rejection: `failed`, with the reason, listed by `GET /admin/emails`. */
export async function markMailFailed(
  key: { customerId: string; orderId: string },
  kind: EmailKind,
  reason: string,
): Promise<boolean> {
  const update = new UpdateCommand({
    TableName: config().tables.orders,
    Key: key,
    UpdateExpression: `SET ${kind}Status = :failed, ${kind}Failure = :reason, ${kind}Owed = :failed`,
    ConditionExpression: `${kind}Status = :sending`,
    ExpressionAttributeValues: { ':failed': 'failed', ':reason': reason.slice(0, 500), ':sending': 'sending' },
  });
  return updateIf(update);
}

/** Puts a failed email back in the queue (the administrator's retry). Returns false if it was not `failed`. */
export async function reopenFailedMail(
  key: { customerId: string; orderId: string },
  kind: EmailKind,
  now = Date.now(),
): Promise<boolean> {
  const update = new UpdateCommand({
    TableName: config().tables.orders,
    Key: key,
    UpdateExpression: `SET ${kind}Status = :pending, ${kind}Owed = :owed, ${kind}OwedSince = :now REMOVE ${kind}Failure`,
    ConditionExpression: `${kind}Status = :failed`,
    ExpressionAttributeValues: { ':pending': 'pending', ':owed': 'owed', ':now': now, ':failed': 'failed' },
  });
  return updateIf(update);
}

/** One order's mail in the owed index: which order, which kind, since when. */
export interface OwedMail {
  readonly customerId: string;
  readonly orderId: string;
  readonly kind: EmailKind;
  readonly since: number;
}

/**
 * A page of mail that is `owed` (oldest first; `before`: only what has been owed since before then) or `failed`, of
 * one kind, from its sparse index. `start` continues a previous page.
 */
export async function listOwedMail(
  kind: EmailKind,
  state: 'owed' | 'failed',
  limit: number,
  options: { before?: number; start?: Record<string, unknown> } = {},
): Promise<{ mail: OwedMail[]; next?: Record<string, unknown> }> {
  const index = MAIL_OWED[kind];
  const result = await database('Query', () =>
    dynamo().send(
      new QueryCommand({
        TableName: config().tables.orders,
        IndexName: index.name,
        KeyConditionExpression: options.before === undefined ? '#owed = :state' : '#owed = :state AND #since < :before',
        ExpressionAttributeNames: {
          '#owed': index.partitionKey.name,
          ...(options.before === undefined ? {} : { '#since': index.sortKey.name }),
        },
        ExpressionAttributeValues: {
          ':state': state,
          ...(options.before === undefined ? {} : { ':before': options.before }),
        },
        Limit: limit,
        ...(options.start ? { ExclusiveStartKey: options.start } : {}),
      }),
    ),
  );
  return {
    mail: (result.Items ?? []).map((item) => ({
      customerId: item.customerId as string,
      orderId: item.orderId as string,
      kind,
      since: item[index.sortKey.name] as number,
    })),
    ...(result.LastEvaluatedKey ? { next: result.LastEvaluatedKey } : {}),
  };
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

/** One page of the OPD's work queue: orders in `status`, oldest accepted first, through the status index. */
export async function listOrdersByStatus(
  status: OrderStatus,
  limit: number,
  cursor: string | undefined,
  patterns: { customerId: RegExp; orderId: RegExp },
): Promise<{ orders: QueuedOrder[]; next?: string }> {
  const start = cursor
    ? decodeCursor(cursor, { status: new RegExp(`^${status}$`), acceptedAt: ISO_TIME_PATTERN, ...patterns })
    : undefined;
  const result = await database('Query', () =>
    dynamo().send(
      new QueryCommand({
        TableName: config().tables.orders,
        IndexName: ORDERS_BY_STATUS.name,
        KeyConditionExpression: '#status = :status',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status },
        ScanIndexForward: true,
        Limit: limit,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    ),
  );
  const last = result.LastEvaluatedKey;
  return { orders: (result.Items ?? []) as QueuedOrder[], ...(last ? { next: encodeCursor(last) } : {}) };
}

/** The customers who have an order with this ID (normally one: IDs are random; nothing stops two from choosing one). */
export async function customersWithOrder(orderId: string): Promise<string[]> {
  const result = await database('Query', () =>
    dynamo().send(
      new QueryCommand({
        TableName: config().tables.orders,
        IndexName: ORDERS_BY_ID.name,
        KeyConditionExpression: 'orderId = :orderId',
        ExpressionAttributeValues: { ':orderId': orderId },
        Limit: 10,
      }),
    ),
  );
  return (result.Items ?? []).map((item) => String(item.customerId));
}

/**
 * One page of mail in a state (`owed` or `failed`), confirmations first, then notices, each oldest first. The cursor
 * names the kind and the last key, all as strings, checked member by member when it comes back.
 */
export async function listMailPage(
  state: 'owed' | 'failed',
  limit: number,
  cursor: string | undefined,
  patterns: { customerId: RegExp; orderId: RegExp },
): Promise<{ mail: OwedMail[]; next?: string }> {
  const at = cursor
    ? decodeCursor<{ kind: string; customerId: string; orderId: string; since: string }>(cursor, {
        kind: /^(email|notice)$/,
        since: /^\d{1,16}$/,
        ...patterns,
      })
    : undefined;
  const kinds: EmailKind[] = at?.kind === 'notice' ? ['notice'] : ['email', 'notice'];
  const mail: OwedMail[] = [];
  for (const kind of kinds) {
    const index = MAIL_OWED[kind];
    const start =
      at?.kind === kind
        ? {
            customerId: at.customerId,
            orderId: at.orderId,
            [index.partitionKey.name]: state,
            [index.sortKey.name]: Number(at.since),
          }
        : undefined;
    const page = await listOwedMail(kind, state, limit - mail.length, start ? { start } : {});
    mail.push(...page.mail);
    if (mail.length >= limit) {
      // Full: continue after the last one (of this kind; once it is exhausted, with the next kind).
      if (kind === 'notice' && !page.next) return { mail };
      const last = mail.at(-1)!;
      const next = { kind, customerId: last.customerId, orderId: last.orderId, since: String(last.since) };
      return { mail, next: encodeCursor(next) };
    }
  }
  return { mail };
}
