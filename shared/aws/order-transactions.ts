/**
 * The order transactions. Placing an order is one TransactWriteItems that puts the order (with its receipt) only if
 * its ID (the envelope's jti) is new — the replay protection — decrements each line's stock only if the product
 * exists, enough is left, and its price is still the unit price the customer signed, and debits the total from the
 * customer's balance with its ledger entry (shared/aws/accounts.ts). Cancelling is one transaction too: the status
 * moves from `accepted` only once, every line's stock comes back, the total is refunded. Stock and balances never go
 * negative, nothing is sold at a price the customer did not sign, nothing is refunded twice, whatever the
 * concurrency: DynamoDB checks every condition at commit.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AccountState, LedgerEntry, OrderGuard } from '../accounts.js';
import { config } from '../config.js';
import { ApiError } from '../errors.js';
import { interpretCancellation } from '../order-outcomes.js';
import type { CancellationReason, TransactionOutcome } from '../order-outcomes.js';
import type { Cancellation, OrderRecord } from '../orders.js';
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
