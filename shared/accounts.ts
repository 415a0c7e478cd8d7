/**
 * Accounts: each customer's balance in integer cents of the catalogue's currency, never negative, changed only by
 * appending a ledger entry in the same transaction as the change it records. Entries are numbered 1, 2, 3… per
 * customer; the account stores the number of the last one (`ledgerSeq`), and every change is conditioned on it, so
 * an entry's `balanceAfterCents` is exact and the entries replay to the balance in order. Pure: the adapter is
 * shared/aws/accounts.ts.
 */
import { ApiError } from './errors.js';
import { formatMoney } from './money.js';
import { invalidCursor } from './paging.js';

/** Why an entry changed the balance: a credit, an order's debit, a cancellation's refund, an adjustment. */
export const LEDGER_TYPES = ['credit', 'order', 'refund', 'adjustment'] as const;
/** One of {@link LEDGER_TYPES}. */
export type LedgerType = (typeof LEDGER_TYPES)[number];

/** Largest balance an account may hold (10^13 currency units): sums stay exact, far below 2^53. */
export const MAX_BALANCE_CENTS = 1_000_000_000_000_000;

/** Where an account stands: its balance and the number of its last ledger entry (0: none yet). */
export interface AccountState {
  readonly balanceCents: number;
  readonly ledgerSeq: number;
}

/**
 * What an order's debit also checks at commit: the session's token version (a password change, a disabled account,
 * ended sessions all move it), the signing key still active.
 */
export interface OrderGuard {
  readonly tokenVersion: number;
  readonly keyId: string;
}

/** One ledger entry, as stored (append-only). */
export interface LedgerEntry {
  readonly customerId: string;
  /** 1, 2, 3… per customer: the entry's ID. */
  readonly entry: number;
  readonly type: LedgerType;
  /** Signed: credits and refunds add, orders and negative adjustments subtract. */
  readonly amountCents: number;
  readonly balanceAfterCents: number;
  readonly currency: string;
  readonly orderId?: string;
  readonly reference?: string;
  /** Who caused it: the customer (orders, their cancellations) or the staff member. */
  readonly actor: string;
  /** ISO 8601. */
  readonly at: string;
}

/** A change to post: the amount is signed; `type` says why. */
export interface LedgerChange {
  readonly type: LedgerType;
  readonly amountCents: number;
  readonly actor: string;
  readonly orderId?: string;
  readonly reference?: string;
}

/** The account a stored customer item holds (one created before accounts existed holds 0 and no entries). */
export function accountOf(item: { readonly balanceCents?: unknown; readonly ledgerSeq?: unknown }): AccountState {
  return {
    balanceCents: typeof item.balanceCents === 'number' ? item.balanceCents : 0,
    ledgerSeq: typeof item.ledgerSeq === 'number' ? item.ledgerSeq : 0,
  };
}

/** @returns ApiError `insufficient_funds` (402) with the balance and what was needed */
export function insufficientFunds(balanceCents: number, neededCents: number, currency: string): ApiError {
  return new ApiError(
    'insufficient_funds',
    `the balance is ${formatMoney(balanceCents, currency)}; this needs ${formatMoney(neededCents, currency)}`,
    { details: { balanceCents, neededCents, currency } },
  );
}

/**
 * The entry that records `change` on an account in state `seen`, and the state after it.
 * @throws ApiError `insufficient_funds` if the balance would go below 0, `invalid_request` above the maximum
 */
export function nextEntry(
  customerId: string,
  seen: AccountState,
  change: LedgerChange,
  currency: string,
  now: number,
): { entry: LedgerEntry; after: AccountState } {
  const balanceAfterCents = seen.balanceCents + change.amountCents;
  if (balanceAfterCents < 0) throw insufficientFunds(seen.balanceCents, -change.amountCents, currency);
  if (balanceAfterCents > MAX_BALANCE_CENTS)
    throw new ApiError('invalid_request', `a balance may not exceed ${formatMoney(MAX_BALANCE_CENTS, currency)}`);
  const entry: LedgerEntry = {
    customerId,
    entry: seen.ledgerSeq + 1,
    type: change.type,
    amountCents: change.amountCents,
    balanceAfterCents,
    currency,
    ...(change.orderId === undefined ? {} : { orderId: change.orderId }),
    ...(change.reference === undefined ? {} : { reference: change.reference }),
    actor: change.actor,
    at: new Date(now).toISOString(),
  };
  return { entry, after: { balanceCents: balanceAfterCents, ledgerSeq: entry.entry } };
}

/** A ledger entry as the API shows it. */
export function ledgerEntryView(entry: LedgerEntry) {
  return {
    entry: entry.entry,
    type: entry.type,
    amountCents: entry.amountCents,
    balanceAfterCents: entry.balanceAfterCents,
    currency: entry.currency,
    ...(entry.orderId === undefined ? {} : { orderId: entry.orderId }),
    ...(entry.reference === undefined ? {} : { reference: entry.reference }),
    actor: entry.actor,
    at: entry.at,
  };
}

/** A ledger entry as the API returns it: what {@link ledgerEntryView} makes. */
export type LedgerEntryView = ReturnType<typeof ledgerEntryView>;

/** The keys a customer registered, as they are shown to them and to administrators (public parts only). */
export function keysView(
  keys: Readonly<Record<string, { alg: string; status: string; addedAt: string; revokedAt?: string }>>,
) {
  return Object.entries(keys).map(([keyId, key]) => ({
    keyId,
    alg: key.alg,
    status: key.status,
    addedAt: key.addedAt,
    ...(key.revokedAt === undefined ? {} : { revokedAt: key.revokedAt }),
  }));
}

/** An account: balance, currency, registered keys, one page of ledger entries (newest first) and the next cursor. */
export function accountView(
  customer: {
    readonly customerId: string;
    readonly balanceCents?: number;
    readonly ledgerSeq?: number;
    readonly keys: Parameters<typeof keysView>[0];
  },
  currency: string,
  ledger: { readonly entries: readonly LedgerEntry[]; readonly next?: number },
) {
  const account = accountOf(customer);
  return {
    customerId: customer.customerId,
    balanceCents: account.balanceCents,
    currency,
    entries: account.ledgerSeq,
    keys: keysView(customer.keys),
    ledger: ledger.entries.map(ledgerEntryView),
    ...(ledger.next === undefined ? {} : { next: String(ledger.next) }),
  };
}

/** An account as the API returns it: what {@link accountView} makes. */
export type AccountView = ReturnType<typeof accountView>;

/** A ledger cursor as it comes back from a client: the entry number to continue below. @throws ApiError */
export function ledgerCursor(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^[1-9]\d{0,15}$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw invalidCursor();
  return Number(raw);
}
