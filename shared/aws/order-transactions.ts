/**
 * The order transactions. Placing an order is one TransactWriteItems that puts the order (with its receipt) only if
 * its ID (the envelope's jti) is new — the replay protection — decrements each line's stock (from one shard, or
 * several: shared/stock.ts) only if the shard exists, holds enough, and still has the unit price the customer signed,
 * and debits the total from the
 * customer's balance with its ledger entry (shared/aws/accounts.ts). Cancelling is one transaction too: the status
 * moves from `accepted` only once, every line's stock comes back, the total is refunded. Stock and balances never go
 * negative, nothing is sold at a price the customer did not sign, nothing is refunded twice, whatever the
 * concurrency: DynamoDB checks every condition at commit.
 */
import type { AccountState, LedgerEntry, OrderGuard } from '../accounts.js';
import { config } from '../config.js';
import { serviceUnavailable } from '../errors.js';
import { mailAttributes, owedMarker } from '../mail.js';
import { accountReadNeeded, allReasons, interpretCancellation } from '../order-outcomes.js';
import type { TransactionOutcome } from '../order-outcomes.js';
import { orderStatusShard } from '../orders.js';
import type { Cancellation, OrderRecord } from '../orders.js';
import { shardCountOf } from '../stock.js';
import type { StockTake } from '../stock.js';
import { accountActions, accountReason } from './accounts.js';
import type { AccountReason } from './accounts.js';
import { getProducts } from './catalog.js';
import { getOrderingProfile } from './customers.js';
import { ORDER_DATABASE } from './orders-table.js';
import type { OrderKey } from './orders-table.js';
import { addStockAction, takeAction } from './stock.js';
import { transact } from './transactions.js';
import type { TransactItem } from './transactions.js';

/** A ledger entry to record with a transaction, and the account state it was computed from. */
export interface AccountChange {
  readonly seen: AccountState;
  readonly entry: LedgerEntry;
  /** For an order's debit: the session and key checks made again at commit. */
  readonly guard?: OrderGuard;
}

/**
 * Writes the order, decrements stock and debits the account in one transaction, whose parts are the order put, one
 * stock update per take (`takes`: every line's quantity, from the shards planned), the account update and the ledger
 * put. Returns 'placed' or why it was cancelled.
 */
export async function writeOrder(
  order: OrderRecord,
  takes: readonly StockTake[],
  debit: AccountChange,
): Promise<{ kind: 'placed' } | TransactionOutcome> {
  const result = await transact(ORDER_DATABASE, {
    order: {
      Put: {
        TableName: config().tables.orders,
        Item: order,
        ConditionExpression: 'attribute_not_exists(orderId)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
    lines: takes.map(takeAction),
    ...accountActions(debit.seen, debit.entry, debit.guard),
  });
  if (result.committed) return { kind: 'placed' };
  const account = accountReadNeeded(result.reasons)
    ? { item: await getOrderingProfile(order.customerId, debit.guard?.keyId) }
    : undefined;
  return interpretCancellation(result.reasons, takes, debit.guard, account);
}

/**
 * Where a cancellation gives each line's stock back: to one of its product's shards, at random, as the product is now
 * split (a refund to shard 0 alone would put a hot SKU's cancellations on one item). A shard removed before the
 * cancellation commits fails its condition, and the cancellation is tried again from a fresh read.
 */
async function giveBackActions(order: OrderRecord) {
  const products = await getProducts(order.lines.map((line) => line.sku));
  return order.lines.map((line) => {
    const count = shardCountOf(products.get(line.sku) ?? {});
    return addStockAction(line.sku, Math.min(count - 1, Math.floor(Math.random() * count)), line.qty);
  });
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
 * The update that moves an accepted order to `status` (also setting `set`, whose values are `values`) and owes the
 * customer a notice of the change since `since` (epoch milliseconds): applied only while the order is still
 * `accepted`, so that of any number of concurrent changes exactly one commits. The order's status-index key moves
 * with its status (to the same shard of the new one), and the notice is listed under the order's sharded `owed`.
 */
function leaveAccepted(
  orderId: string,
  status: 'cancelled' | 'fulfilled',
  set: string,
  values: Record<string, unknown>,
  since: number,
) {
  const notice = mailAttributes('notice');
  return {
    UpdateExpression: `SET #status = :${status}, statusShard = :shard, ${set}, ${notice.status} = :pending, ${notice.owed} = :owed, ${notice.owedSince} = :since`,
    ConditionExpression: '#status = :accepted',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      [`:${status}`]: status,
      ':shard': orderStatusShard(status, orderId),
      ':accepted': 'accepted',
      ...values,
      ':pending': 'pending',
      ':owed': owedMarker('owed', orderId),
      ':since': since,
    },
  };
}

/**
 * Cancels an accepted order in one transaction, with the parts of an order's: its status moves to `cancelled` only if
 * it is still `accepted` (so of any number of concurrent cancellations exactly one commits), every line's stock is
 * restored (to a shard of its product: {@link giveBackActions}), and the total is refunded with its ledger entry.
 */
export async function writeCancellation(
  order: OrderRecord,
  cancellation: Cancellation,
  cancelledAt: string,
  refund: AccountChange,
  audit?: TransactItem,
): Promise<CancelOutcome> {
  const result = await transact(ORDER_DATABASE, {
    order: {
      Update: {
        TableName: config().tables.orders,
        Key: { customerId: order.customerId, orderId: order.orderId },
        ...leaveAccepted(
          order.orderId,
          'cancelled',
          'cancelledAt = :at, cancellation = :cancellation',
          { ':at': cancelledAt, ':cancellation': cancellation },
          Date.parse(cancelledAt),
        ),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
    lines: await giveBackActions(order),
    ...accountActions(refund.seen, refund.entry),
    audit,
  });
  if (result.committed) return { kind: 'cancelled' };
  const { order: orderReason, account } = result.reasons;
  if (orderReason?.code === 'ConditionalCheckFailed')
    return orderReason.item
      ? { kind: 'closed', existing: orderReason.item as unknown as OrderRecord }
      : { kind: 'not_found' };
  if (account?.code === 'ConditionalCheckFailed')
    return { kind: 'account', reason: await accountReason(order.customerId) };
  if (
    allReasons(result.reasons).some(
      (reason) => reason.code === 'ConditionalCheckFailed' || reason.code === 'TransactionConflict',
    )
  )
    return { kind: 'conflict' };
  return { kind: 'throttled' };
}

/** How a fulfilment ended: done, the order no longer accepted (as it now is), or gone. */
export type FulfilOutcome =
  | { readonly kind: 'fulfilled'; readonly fulfilledAt: string }
  | { readonly kind: 'closed'; readonly existing: OrderRecord }
  | { readonly kind: 'not_found' };

/**
 * Marks an accepted order fulfilled (and owes the customer a notice), with `audit` (its record) in the same
 * transaction: applied only while the order is still `accepted`. A transaction that another one held is tried again
 * (3 times in all).
 * @throws ApiError `service_unavailable`
 */
export async function markFulfilled(key: OrderKey, audit: TransactItem, now = Date.now()): Promise<FulfilOutcome> {
  const fulfilledAt = new Date(now).toISOString();
  for (let attempt = 0; attempt < 3; attempt++) {
    const result = await transact(ORDER_DATABASE, {
      order: {
        Update: {
          TableName: config().tables.orders,
          Key: key,
          ...leaveAccepted(key.orderId, 'fulfilled', 'fulfilledAt = :at', { ':at': fulfilledAt }, now),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      audit,
    });
    if (result.committed) return { kind: 'fulfilled', fulfilledAt };
    const reason = result.reasons.order;
    if (reason?.code === 'ConditionalCheckFailed')
      return reason.item ? { kind: 'closed', existing: reason.item as unknown as OrderRecord } : { kind: 'not_found' };
  }
  throw serviceUnavailable(ORDER_DATABASE, 1);
}
