/**
 * What a cancelled order transaction means: DynamoDB's cancellation reasons, read back into why the order was refused
 * (a replay, a price changed, stock short, the account or session moved) or whether to retry. Pure: the adapter
 * (shared/aws/order-transactions.ts) builds the transaction and hands its reasons here.
 */
import { accountOf } from './accounts.js';
import type { AccountState, OrderGuard } from './accounts.js';
import { linesTotalCents as linesTotal } from './money.js';
import type { OrderRecord, PriceChange, Product } from './orders.js';
import type { StockTake } from './stock.js';

/** One cancellation reason of a TransactWriteItems, with the old item when the condition check returned it. */
export interface CancellationReason {
  readonly code: string | undefined;
  readonly item?: Record<string, unknown>;
}

/**
 * The reasons of a cancelled order transaction (or of a cancellation's: it has the same parts), by the action they
 * answer: the order's (put, or status update), each stock update (one per take: shared/stock.ts) in the order they
 * were sent, the account update and the ledger entry put. One that DynamoDB did not give is absent.
 */
export interface OrderTransactionReasons {
  readonly order?: CancellationReason | undefined;
  readonly lines: readonly CancellationReason[];
  readonly account?: CancellationReason | undefined;
  readonly ledger?: CancellationReason | undefined;
}

/** Every reason given, whichever action it answers. */
export function allReasons(reasons: OrderTransactionReasons): CancellationReason[] {
  return [reasons.order, ...reasons.lines, reasons.account, reasons.ledger].filter((reason) => reason !== undefined);
}

/** What a cancelled order transaction means. */
export type TransactionOutcome =
  | { readonly kind: 'duplicate'; readonly existing: OrderRecord }
  | { readonly kind: 'insufficient_funds'; readonly now: AccountState }
  | { readonly kind: 'account_moved'; readonly now: AccountState }
  | { readonly kind: 'customer_gone' }
  | { readonly kind: 'session_stale' }
  | { readonly kind: 'key_revoked' }
  | { readonly kind: 'unknown_sku'; readonly skus: string[] }
  | { readonly kind: 'price_changed'; readonly changes: PriceChange[] }
  | { readonly kind: 'out_of_stock'; readonly sku: string; readonly available: number }
  /** A split stock's shard could not fill its take, or is gone (the split changed): read the shards, plan again. */
  | { readonly kind: 'stock_moved'; readonly skus: string[] }
  | { readonly kind: 'conflict' }
  | { readonly kind: 'throttled' };

/** The account item as the order path may read it (contract/tables.ts `CUSTOMER_READS.ordering`), after its action in a transaction. */
export interface AccountRead {
  /** Absent: the customer is gone. */
  readonly item?: Record<string, unknown>;
}

/** Whether an account item no longer matches the session (its token version) an order was made under. */
function sessionStale(item: Record<string, unknown>, guard: OrderGuard): boolean {
  return item.tokenVersion !== guard.tokenVersion;
}

/**
 * What the account as read means for an order of `totalCents` (one consistent read of what the order path may see,
 * `getOrderingProfile`): the customer gone, the session stale, the signing key revoked, the balance too low, or
 * (none of those) the account as it now is, to build the transaction from.
 */
export function accountOutcome(
  account: AccountRead,
  totalCents: number,
  guard?: OrderGuard,
): Extract<
  TransactionOutcome,
  { kind: 'customer_gone' | 'session_stale' | 'key_revoked' | 'insufficient_funds' | 'account_moved' }
> {
  if (!account.item) return { kind: 'customer_gone' };
  if (guard) {
    if (sessionStale(account.item, guard)) return { kind: 'session_stale' };
    const keys = account.item.keys as Record<string, { status?: unknown }> | undefined;
    if (keys?.[guard.keyId]?.status !== 'active') return { kind: 'key_revoked' };
  }
  const now = accountOf(account.item);
  return now.balanceCents < totalCents ? { kind: 'insufficient_funds', now } : { kind: 'account_moved', now };
}

/**
 * Whether a cancelled order transaction must be followed by one read of the account before it is interpreted
 * ({@link interpretCancellation}). The account action returns no item (shared/aws/accounts.ts). `None` for it proves
 * its condition held — the session current at commit — only when every action that failed did so on its own
 * condition: a transaction cancelled for a conflict or throttling may not have evaluated it. Unless proven, an answer
 * that tells anything (a condition failed somewhere) waits for one read of what the order path may see of the account.
 */
export function accountReadNeeded(reasons: OrderTransactionReasons): boolean {
  const given = allReasons(reasons);
  const failedOnConditions = given.every(
    (reason) => reason.code === 'None' || reason.code === 'ConditionalCheckFailed',
  );
  const proven = reasons.account?.code === 'None' && failedOnConditions;
  const tells = given.some((reason) => reason.code === 'ConditionalCheckFailed');
  return !proven && tells;
}

/**
 * A part of a line taken from one stock shard ({@link StockTake}); a line as signed stands for a take of all of it from
 * an unsplit product's only shard.
 */
export type LineTake = Pick<StockTake, 'sku' | 'qty' | 'unitPriceCents'> &
  Partial<Pick<StockTake, 'shard' | 'shardCount'>>;

/**
 * Interprets the reasons of a cancelled order transaction. DynamoDB reports every action whose condition failed,
 * each take with its shard as it was (`ALL_OLD`), so the answer can name every line at fault. The account's action
 * returns no item: unless the transaction proved it held ({@link accountReadNeeded}), the caller reads the account
 * after the fact and gives it as `account` (shared/aws/order-transactions.ts).
 *
 * The session comes first: an answer that reveals stored state (the original order of a replay, what is left of a
 * SKU, a current price) is given only to a session the transaction found current (its account action passed) or the
 * read after it did. Otherwise:
 * - the account is gone → the customer was deleted; its token version changed → the session is stale;
 * - the order item exists → duplicate (an identical resubmission, or a replay);
 * - a line's product is gone → unknown SKU;
 * - a line's signed price is not the catalogue's → price changed (every such line, with its current price);
 * - a line asks for more than an unsplit product has left → out of stock (the first such line, with what is left);
 * - a take from split stock finds its shard short or gone → stock moved: the shards are read and the takes planned
 *   again (only their sum says whether the line can be filled);
 * - the signing key is no longer active → revoked; the balance is below the total → insufficient funds; otherwise
 *   another change to the account won the race → retry from the state read;
 * - `TransactionConflict` (another transaction held an item) → retry; anything else (throttling) → retry later.
 */
export function interpretCancellation(
  reasons: OrderTransactionReasons,
  takes: readonly LineTake[],
  guard?: OrderGuard,
  account?: AccountRead,
): TransactionOutcome {
  const { order: orderReason, lines: lineReasons, account: accountReason } = reasons;
  if (account) {
    if (!account.item) return { kind: 'customer_gone' };
    if (guard && sessionStale(account.item, guard)) return { kind: 'session_stale' };
  }
  if (orderReason?.code === 'ConditionalCheckFailed' && orderReason.item)
    return { kind: 'duplicate', existing: orderReason.item as unknown as OrderRecord };
  /** The takes whose condition failed, each with its shard as it was (absent: the shard is gone). */
  const failed: Array<{ take: LineTake; shard: Partial<Product> | undefined }> = lineReasons.flatMap((reason, index) =>
    reason.code === 'ConditionalCheckFailed' && takes[index] ? [{ take: takes[index], shard: reason.item }] : [],
  );
  // Shard 0 is the product item itself: without it there is no product. Another shard may go when the split changes.
  const gone = failed.filter(({ take, shard }) => !shard && (take.shard ?? 0) === 0).map(({ take }) => take.sku);
  if (gone.length > 0) return { kind: 'unknown_sku', skus: [...new Set(gone)] };
  const changes = new Map<string, PriceChange>();
  for (const { take, shard } of failed)
    if (shard && shard.priceCents !== take.unitPriceCents)
      changes.set(take.sku, {
        sku: take.sku,
        signedPriceCents: take.unitPriceCents,
        currentPriceCents: Number(shard.priceCents),
      });
  if (changes.size > 0) return { kind: 'price_changed', changes: [...changes.values()] };
  const short = failed.filter(({ take, shard }) => !shard || (shard.stock ?? 0) < take.qty);
  // A line taken whole from an unsplit product: what it has left is all there is. The product item says whether it
  // is still unsplit (a count remembered from before a split would otherwise refuse stock the other shards hold).
  const whole = short.find(
    ({ take, shard }) => (take.shardCount ?? 1) === 1 && (take.shard ?? 0) === 0 && shard?.stockShards === undefined,
  );
  if (whole) return { kind: 'out_of_stock', sku: whole.take.sku, available: whole.shard?.stock ?? 0 };
  if (short.length > 0) return { kind: 'stock_moved', skus: [...new Set(short.map(({ take }) => take.sku))] };
  if (accountReason?.code === 'ConditionalCheckFailed') return accountOutcome(account ?? {}, linesTotal(takes), guard);
  // A failed condition none of the above explains cannot happen; if it does, retrying is the safe answer.
  if (failed.length > 0 || allReasons(reasons).some((reason) => reason.code === 'TransactionConflict'))
    return { kind: 'conflict' };
  return { kind: 'throttled' };
}
