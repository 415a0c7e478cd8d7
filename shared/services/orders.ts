/**
 * Placing an order: open and verify the envelope against the logged-in customer's registered keys, sign the OPD's
 * receipt, and commit order, receipt and payment in one transaction that checks every signed price, every line's
 * stock and the balance — retrying only what is safe to retry.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KeyObject } from 'node:crypto';
import { accountOf, insufficientFunds, nextEntry } from '../accounts.js';
import { config } from '../config.js';
import { ApiError, EnvelopeError, serviceUnavailable, sessionInvalid } from '../errors.js';
import { openOrder } from '../envelope/index.js';
import { parsePublicKeyPem, spkiFingerprint, verificationKey } from '../keys.js';
import type { VerificationKey } from '../keys.js';
import { logger } from '../observability.js';
import { evidenceKeyIds, newOrderRecord, orderLines, priceChanged, unknownSkus } from '../orders.js';
import type { OrderRecord } from '../orders.js';
import { receiptClaims, signReceipt } from '../receipts.js';
import { getProducts } from '../aws/catalog.js';
import { getCustomer, getCustomerKey } from '../aws/customers.js';
import type { Customer } from '../aws/customers.js';
import type { KeyRing } from '../aws/keystore.js';
import { writeOrder } from '../aws/orders.js';

/**
 * How long to keep retrying a transaction that lost a race (another transaction held an item, or another change to
 * the same account committed first) before answering 503. Races end: each round, one contender commits.
 */
const RETRY_BUDGET_MS = 8_000;
/** Most `TransactionConflict`s (another transaction held an item) to back off from before answering 503. */
const MAX_CONFLICTS = 10;

/**
 * The retry budget of one order or cancellation transaction: it backs off after each `TransactionConflict` (full
 * jitter, capped at 200 ms; at most {@link MAX_CONFLICTS}) and gives up once {@link RETRY_BUDGET_MS} have passed.
 */
export class RaceBudget {
  #conflicts = 0;
  readonly #deadline = Date.now() + RETRY_BUDGET_MS;

  /** Waits after a `TransactionConflict`. @throws ApiError `service_unavailable` after too many */
  async conflict(): Promise<void> {
    if (++this.#conflicts >= MAX_CONFLICTS) throw serviceUnavailable('the order database', 1);
    await sleep(Math.floor(Math.random() * Math.min(200, 25 * 2 ** this.#conflicts)));
  }

  /** Before another round. @throws ApiError `service_unavailable` once the time is spent */
  check(): void {
    if (Date.now() > this.#deadline) throw serviceUnavailable('the order database', 1);
  }
}

/**
 * A customer's active key by ID, as a verification key. The stored algorithm must agree with the key itself; a
 * revoked or inconsistent key is treated as unknown.
 */
export function registeredKey(customer: Customer, kid: string): VerificationKey | undefined {
  const stored = Object.hasOwn(customer.keys, kid) ? customer.keys[kid] : undefined;
  if (!stored || stored.status !== 'active') return undefined;
  const key = verificationKey(parsePublicKeyPem(stored.publicKeyPem), kid);
  return key.alg === stored.alg ? key : undefined;
}

/** The registered keys an order's signatures were verified with, so the customer can assemble the evidence bundle. */
export async function evidenceKeys(order: OrderRecord): Promise<Map<string, string>> {
  const keys = await Promise.all(
    evidenceKeyIds(order).map(
      async (kid) => [kid, (await getCustomerKey(order.customerId, kid))?.publicKeyPem] as const,
    ),
  );
  return new Map(keys.filter((entry): entry is readonly [string, string] => entry[1] !== undefined));
}

export interface PlacedOrder {
  readonly order: OrderRecord;
  /** True when this was an identical resubmission of an order already accepted. */
  readonly replayed: boolean;
}

/** The keys the order function holds in memory: server keys decrypt, the receipt key signs. */
export interface OrderKeys {
  readonly server: KeyRing<KeyObject>;
  readonly receipt: KeyRing<KeyObject>;
}

/**
 * @throws EnvelopeError for any envelope check; ApiError `currency_mismatch`, `unknown_sku`, `price_changed`,
 *   `out_of_stock`, `insufficient_funds`, `order_conflict`, `service_unavailable`
 */
export async function placeOrder(
  session: { readonly customerId: string; readonly tokenVersion?: number },
  envelope: string,
  keys: OrderKeys,
  now = Date.now(),
): Promise<PlacedOrder> {
  const { customerId } = session;
  const customer = await getCustomer(customerId);
  if (!customer) throw sessionInvalid();
  // The session's token version, as the authorizer checked it; the transaction checks it again at commit.
  const tokenVersion = session.tokenVersion ?? customer.tokenVersion;
  if (tokenVersion !== customer.tokenVersion) throw sessionInvalid();
  const opened = await openOrder(envelope, {
    customerId,
    serverKey: (kid) => keys.server.get(kid),
    customerKey: (kid) => registeredKey(customer, kid),
    now,
  });
  const { claims } = opened;
  const { catalogueCurrency, opdId } = config();
  if (claims.currency !== catalogueCurrency)
    throw new ApiError('currency_mismatch', `the catalogue is priced in ${catalogueCurrency}, not ${claims.currency}`, {
      details: { currency: catalogueCurrency },
    });
  const lines = orderLines(claims, await getProducts(claims.items.map((item) => item.sku)));
  const customerKeyFingerprint = spkiFingerprint(opened.customerKey.publicKey);
  let seen = accountOf(customer);
  const budget = new RaceBudget();

  for (;;) {
    // The debit's entry number and the balance after it depend on the account as last seen: so does the receipt.
    const { entry } = nextEntry(
      customerId,
      seen,
      { type: 'order', amountCents: -claims.totalCents, actor: customerId, orderId: claims.jti },
      claims.currency,
      now,
    );
    const signer = await keys.receipt.active();
    const receipt = signReceipt(
      receiptClaims({
        issuer: opdId,
        customerId,
        orderId: claims.jti,
        acceptedAt: now,
        orderJws: opened.jws,
        customerKeyFingerprint,
        lines,
        currency: claims.currency,
        totalCents: claims.totalCents,
        ledgerEntry: entry.entry,
      }),
      { kid: signer.kid, privateKey: signer.value },
    );
    const order = newOrderRecord({ ...opened, lines, receipt, ledgerEntry: entry.entry, email: customer.email, now });
    const outcome = await writeOrder(order, {
      seen,
      entry,
      guard: { tokenVersion, keyId: opened.customerKey.kid },
    });
    switch (outcome.kind) {
      case 'placed':
        logger.info('order accepted', { orderId: order.orderId, lines: lines.length, alg: opened.alg });
        return { order, replayed: false };
      case 'duplicate':
        // The same signed order again (a client retry): answer with the original. Anything else reusing the ID is a replay.
        if (outcome.existing.jws === opened.jws) return { order: outcome.existing, replayed: true };
        throw new ApiError('order_conflict', 'an order with this ID already exists with different content');
      case 'unknown_sku':
        throw unknownSkus(outcome.skus); // removed from the catalogue since it was read
      case 'price_changed':
        throw priceChanged(outcome.changes, claims.currency);
      case 'out_of_stock':
        throw new ApiError('out_of_stock', `not enough stock for ${outcome.sku}: ${outcome.available} left`, {
          details: { sku: outcome.sku, available: outcome.available },
        });
      case 'insufficient_funds':
        throw insufficientFunds(outcome.balanceCents, claims.totalCents, claims.currency);
      case 'customer_gone':
      case 'session_stale':
        throw sessionInvalid(); // deleted, or the password changed since the session was checked
      case 'key_revoked':
        throw new EnvelopeError('customer_key_unknown', 'the signing key was revoked before the order was committed');
      case 'account_moved':
        // Another change to this account committed first: go again from the state it left (returned, not re-read).
        seen = outcome.now;
        break;
      case 'conflict':
        await budget.conflict();
        break;
      case 'throttled':
        throw serviceUnavailable('the order database');
    }
    budget.check();
  }
}
