/**
 * The account adapter: the balance lives on the customer item (`balanceCents`, `ledgerSeq`), the entries in the
 * ledger table. {@link accountActions} gives the two transaction actions that record one entry — the caller adds them
 * to its own transaction (an order, a cancellation) or {@link postLedgerEntry} commits them alone (an admin credit).
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { accountOf, nextEntry } from '../accounts.js';
import type { Actor } from '../audit.js';
import type { AccountState, LedgerChange, LedgerEntry, OrderGuard } from '../accounts.js';
import { config } from '../config.js';
import { ApiError, serviceUnavailable } from '../errors.js';
import { idempotencyKeyReused } from '../idempotency.js';
import type { IdempotentRequest } from '../idempotency.js';
import { auditAction } from './audit.js';
import { getCustomer, getOrderingProfile } from './customers.js';
import { dynamo, guarded } from './clients.js';
import { transact } from './transactions.js';
import type { TransactItem } from './transactions.js';

/**
 * The two actions that record `entry` on an account last seen in state `seen`: the customer item moves to the entry's
 * balance only if its ledger sequence is still `seen`'s (so the balance is `seen`'s and the new one exact) and, for a
 * debit, only if the balance covers it; the entry is put only if its number is new. An order's debit also checks the
 * session (token version) and the signing key at commit. A failed condition returns no item (the customer
 * item holds the password hash, which no function that writes money may read): the caller reads what it may see with
 * `getOrderingProfile` (shared/aws/customers.ts).
 */
export function accountActions(
  seen: AccountState,
  entry: LedgerEntry,
  guard?: OrderGuard,
): { readonly account: TransactItem; readonly ledger: TransactItem } {
  const { customers, ledger } = config().tables;
  const sequence =
    seen.ledgerSeq === 0 ? '(attribute_not_exists(ledgerSeq) OR ledgerSeq = :seen)' : 'ledgerSeq = :seen';
  const covers = entry.amountCents < 0 && seen.ledgerSeq > 0 ? ' AND balanceCents >= :debit' : '';
  // At commit, not only when read: the session is still current and the signing key still active.
  const guarded = guard ? ' AND tokenVersion = :tv AND #keys.#kid.#status = :active' : '';
  return {
    account: {
      Update: {
        TableName: customers,
        Key: { customerId: entry.customerId },
        UpdateExpression: 'SET balanceCents = :after, ledgerSeq = :entry',
        ConditionExpression: `attribute_exists(customerId) AND ${sequence}${covers}${guarded}`,
        ...(guard ? { ExpressionAttributeNames: { '#keys': 'keys', '#kid': guard.keyId, '#status': 'status' } } : {}),
        ExpressionAttributeValues: {
          ':after': entry.balanceAfterCents,
          ':entry': entry.entry,
          ':seen': seen.ledgerSeq,
          ...(covers ? { ':debit': -entry.amountCents } : {}),
          ...(guard ? { ':tv': guard.tokenVersion, ':active': 'active' } : {}),
        },
      },
    },
    ledger: {
      Put: {
        TableName: ledger,
        Item: entry,
        ConditionExpression: 'attribute_not_exists(customerId)',
      },
    },
  };
}

/** The two {@link accountActions} as a list, account update first, for a caller that lists its own (the API bench). */
export function accountWrites(seen: AccountState, entry: LedgerEntry, guard?: OrderGuard): TransactItem[] {
  const { account, ledger } = accountActions(seen, entry, guard);
  return [account, ledger];
}

/** After the account action's condition failed: the account as it now is, or gone. */
export type AccountReason = { readonly kind: 'moved'; readonly now: AccountState } | { readonly kind: 'gone' };

/**
 * The account as it is after its action's condition failed (one consistent read of what the order path may see), or
 * gone.
 */
export async function accountReason(customerId: string): Promise<AccountReason> {
  const item = await getOrderingProfile(customerId);
  return item ? { kind: 'moved', now: accountOf(item) } : { kind: 'gone' };
}

/** Most attempts to post an entry while other changes to the same account keep winning. */
const MAX_ATTEMPTS = 50;

/** A posted entry, and whether it was posted before (a resent request with the same Idempotency-Key). */
export interface PostedEntry {
  readonly entry: LedgerEntry;
  readonly replayed: boolean;
}

/** What the idempotency table keeps of a request: its key, its digest, and the entry it posted. */
interface IdempotencyRecord {
  readonly idempotencyKey: string;
  readonly digest: string;
  readonly entry: LedgerEntry;
  readonly at: string;
}

/** A credit or an adjustment (signed) to post on its own; its actor is the one who posts it. */
export type StaffLedgerChange = Omit<LedgerChange, 'type' | 'actor' | 'orderId'> & {
  readonly type: 'credit' | 'adjustment';
};

/**
 * Posts one entry on its own (a staff member's credit or adjustment, by `actor`, whom the entry names) and returns it,
 * with its audit record (`account.credit` or `account.adjustment`: amount, entry, reference, balance before → after)
 * in the same transaction. After a lost race, reads the account again and retries until the entry is recorded or
 * refused. With `request`, its Idempotency-Key is put in the same transaction: a key seen before answers with the
 * entry it posted (`replayed`, recording nothing), whatever the account did since, and is refused if it came with
 * another request.
 * @throws ApiError `not_found` (no such customer), `insufficient_funds` (an adjustment below 0),
 *   `idempotency_key_reused`, `service_unavailable`
 */
export async function postLedgerEntry(
  customerId: string,
  change: StaffLedgerChange,
  actor: Actor,
  now = Date.now(),
  request?: IdempotentRequest,
): Promise<PostedEntry> {
  try {
    return await postOnce(customerId, change, actor, now, request);
  } catch (error) {
    // A refusal (the customer gone, the balance too low or too high, as the account is now) may answer a request
    // whose first sending was applied: the account moved because of it. The key decides: its first answer stands.
    const refused = error instanceof ApiError && ACCOUNT_REFUSALS.has(error.code);
    const earlier = request && refused ? await earlierAnswer(request) : undefined;
    if (earlier) return earlier;
    throw error;
  }
}

/** What the account as it is now may refuse a change with: a resent request's first sending may be why. */
const ACCOUNT_REFUSALS: ReadonlySet<string> = new Set(['not_found', 'insufficient_funds', 'invalid_request']);

/**
 * What an Idempotency-Key was first answered with, if it came before (one consistent read).
 * @throws ApiError `idempotency_key_reused` if it came with another request
 */
async function earlierAnswer(request: IdempotentRequest): Promise<PostedEntry | undefined> {
  const result = await guarded('the account database', 'GetItem', () =>
    dynamo().send(
      new GetCommand({
        TableName: config().tables.idempotency,
        Key: { idempotencyKey: request.key },
        ConsistentRead: true,
      }),
    ),
  );
  return result.Item ? replayOf(result.Item as IdempotencyRecord, request) : undefined;
}

/** The answer to a request whose key was recorded before: the entry it posted. @throws ApiError `idempotency_key_reused` */
function replayOf(previous: IdempotencyRecord, request: IdempotentRequest): PostedEntry {
  if (previous.digest !== request.digest) throw idempotencyKeyReused();
  return { entry: previous.entry, replayed: true };
}

async function postOnce(
  customerId: string,
  change: StaffLedgerChange,
  actor: Actor,
  now: number,
  request: IdempotentRequest | undefined,
): Promise<PostedEntry> {
  const customer = await getCustomer(customerId);
  if (!customer) throw new ApiError('not_found', `no customer ${customerId}`);
  let seen = accountOf(customer);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const { entry } = nextEntry(customerId, seen, { ...change, actor: actor.id }, config().catalogueCurrency, now);
    const record: IdempotencyRecord | undefined = request && {
      idempotencyKey: request.key,
      digest: request.digest,
      entry,
      at: new Date(now).toISOString(),
    };
    const result = await transact('the account database', {
      ...accountActions(seen, entry),
      idempotency: record && {
        Put: {
          TableName: config().tables.idempotency,
          Item: record,
          ConditionExpression: 'attribute_not_exists(idempotencyKey)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
        },
      },
      audit: auditAction(
        actor,
        {
          action: change.type === 'credit' ? 'account.credit' : 'account.adjustment',
          target: customerId,
          changes: {
            amountCents: entry.amountCents,
            entry: entry.entry,
            ...(entry.reference === undefined ? {} : { reference: entry.reference }),
            balanceCents: { before: seen.balanceCents, after: entry.balanceAfterCents },
          },
        },
        now,
      ),
    });
    if (result.committed) return { entry, replayed: false };
    const { account, idempotency: earlier } = result.reasons;
    // The key was used before: that request's answer, not this one's (the account may have moved since).
    if (request && earlier?.code === 'ConditionalCheckFailed' && earlier.item)
      return replayOf(earlier.item as unknown as IdempotencyRecord, request);
    if (account?.code === 'ConditionalCheckFailed') {
      const reason = await accountReason(customerId);
      if (reason.kind === 'gone') throw new ApiError('not_found', `no customer ${customerId}`);
      seen = reason.now;
    }
    // Otherwise a concurrent transaction held the item: try again from the same state.
  }
  throw serviceUnavailable('the account database', 1);
}

/** One page of a customer's ledger, newest first. `before`: the entry number to continue below. */
export async function listLedger(
  customerId: string,
  limit: number,
  before?: number,
): Promise<{ entries: LedgerEntry[]; next?: number }> {
  const result = await guarded('the account database', 'Query', () =>
    dynamo().send(
      new QueryCommand({
        TableName: config().tables.ledger,
        KeyConditionExpression: before === undefined ? 'customerId = :c' : 'customerId = :c AND #entry < :before',
        ...(before === undefined ? {} : { ExpressionAttributeNames: { '#entry': 'entry' } }),
        ExpressionAttributeValues: { ':c': customerId, ...(before === undefined ? {} : { ':before': before }) },
        ScanIndexForward: false,
        Limit: limit,
      }),
    ),
  );
  const last: unknown = result.LastEvaluatedKey?.entry;
  return { entries: (result.Items ?? []) as LedgerEntry[], ...(typeof last === 'number' ? { next: last } : {}) };
}
