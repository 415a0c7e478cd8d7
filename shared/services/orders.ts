/**
 * Placing an order: open and verify the envelope against the logged-in customer's registered keys, sign the OPD's
 * receipt, and commit order, receipt and payment in one transaction that checks every signed price, every line's
 * stock and the balance — retrying only what is safe to retry.
 */
import type { KeyObject } from 'node:crypto';
import { accountOf, insufficientFunds, nextEntry } from '../accounts.js';
import type { AccountState } from '../accounts.js';
import { BoundedCache } from '../cache.js';
import { config } from '../config.js';
import { ApiError, EnvelopeError, PoError, sessionInvalid } from '../errors.js';
import { openOrder } from '../envelope/index.js';
import { spkiFingerprint } from '../keys.js';
import type { VerificationKey } from '../keys.js';
import { logger } from '../observability.js';
import { accountOutcome } from '../order-outcomes.js';
import type { TransactionOutcome } from '../order-outcomes.js';
import { newOrderRecord, orderLines, priceChanged, unknownSkus } from '../orders.js';
import type { OrderRecord, Product } from '../orders.js';
import { receiptClaims, signReceipt } from '../receipts.js';
import { getProducts } from '../aws/catalog.js';
import { getOrderingProfile } from '../aws/customers.js';
import type { OrderingProfile } from '../aws/customers.js';
import type { KeyRing } from '../aws/key-ring.js';
import { writeOrder } from '../aws/order-transactions.js';
import { retryRounds } from './races.js';
import { firstTakes, outOfStock, replanTakes } from './stock-takes.js';
import { activeKey } from './verification-keys.js';

/**
 * What a warm order function remembers of a customer between orders: the account as its last transaction left it,
 * and the public keys it verified with. Both may be stale — another instance may have moved the account, an
 * administrator may have revoked a key — and neither decides anything: the transaction checks the sequence, the
 * balance, the session and the key's status at commit, and a refusal reads the truth (see `writeOrder`). Key
 * material under an ID never changes, so a cached key is the registered one.
 */
interface KnownCustomer {
  account: AccountState;
  readonly keys: Map<string, VerificationKey>;
}
const known = new BoundedCache<string, KnownCustomer>(10_000);

/**
 * Product names by SKU, for the order's lines: a name may be up to a minute old. Prices and stock are never taken
 * from here: the transaction's conditions check the signed prices and the stock (docs/design.md, "The order path").
 */
const catalogue = new BoundedCache<string, Product>(10_000, 60_000);

/** The products of these SKUs, reading only those not seen in the last minute. Unknown SKUs are absent. */
async function productsFor(skus: readonly string[], now: number): Promise<Map<string, Product>> {
  const products = new Map<string, Product>();
  const missing: string[] = [];
  for (const sku of skus) {
    const product = catalogue.get(sku, now);
    if (product) products.set(sku, product);
    else missing.push(sku);
  }
  if (missing.length > 0)
    for (const [sku, product] of await getProducts(missing)) {
      catalogue.set(sku, product, now);
      products.set(sku, product);
    }
  return products;
}

/**
 * The customer as remembered and their key `kid`: from memory, or (once per customer and key) from one read of what
 * the order path may see of the customer, which also refreshes the account. A customer gone, or a session older than
 * the stored token version, ends here. @throws ApiError `unauthorized`
 */
async function rememberedWithKey(
  session: OrderSession,
  kid: string,
): Promise<{ customer: KnownCustomer; key: VerificationKey | undefined; read: boolean }> {
  const remembered = known.get(session.customerId);
  const cached = remembered?.keys.get(kid);
  if (remembered && cached) return { customer: remembered, key: cached, read: false };
  const profile = await currentProfile(session, kid);
  const customer: KnownCustomer = {
    account: accountOf(profile),
    keys: remembered?.keys ?? new Map<string, VerificationKey>(),
  };
  const key = activeKey(profile.keys && Object.hasOwn(profile.keys, kid) ? profile.keys[kid] : undefined, kid);
  if (key) customer.keys.set(kid, key);
  known.set(session.customerId, customer);
  return { customer, key, read: true };
}

/**
 * The customer as the order path may read it (with key `kid` if given), if the session is still current: a customer
 * gone, or a session older than the stored token version, ends here. @throws ApiError `unauthorized`
 */
async function currentProfile(session: OrderSession, kid?: string): Promise<OrderingProfile> {
  const profile = await getOrderingProfile(session.customerId, kid);
  if (!profile || profile.tokenVersion !== session.tokenVersion) {
    known.delete(session.customerId);
    throw sessionInvalid();
  }
  return profile;
}

/**
 * Refusals that tell nothing stored: the service is unavailable, or the session itself is refused. Every other answer
 * of `POST /orders` (a replay's order, a refusal with its details, even an envelope's code) is given only once the
 * session is known to be current in this request: the authorizer's answer for this route may be minutes old
 * (contract/routes.ts, `cached-session`), and a logged-out session must learn nothing.
 */
const REVEALS_NOTHING: ReadonlySet<string> = new Set(['service_unavailable', 'unauthorized']);

/** Transaction outcomes that compared no stored token version with the session's: it is refused, or nothing was read. */
const CHECKS_NO_SESSION: ReadonlySet<string> = new Set(['session_stale', 'customer_gone', 'conflict', 'throttled']);

/** An accepted order, and whether it had been accepted before (the same signed order sent again). */
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

/** The session as the authorizer passed it on: every part of it is checked again at commit. */
export interface OrderSession {
  readonly customerId: string;
  readonly tokenVersion: number;
}

/**
 * Opens, verifies, prices and commits an order. Warm, for a customer and key seen before and products named in the
 * last minute, this makes exactly one DynamoDB request: the transaction, whose conditions carry every check. What is
 * remembered decides only how the transaction is built, never whether: a refusal rests on the transaction's
 * conditions or on a read made in this request, and comes only after the session is known to be current.
 * @throws EnvelopeError for any envelope check; ApiError `unauthorized`, `currency_mismatch`, `unknown_sku`,
 *   `price_changed`, `out_of_stock`, `insufficient_funds`, `order_conflict`, `service_unavailable`
 */
export async function placeOrder(
  session: OrderSession,
  envelope: string,
  keys: OrderKeys,
  now = Date.now(),
): Promise<PlacedOrder> {
  /** Whether the session has been checked against the stored customer in this request (a read, or the commit). */
  let sessionChecked = false;
  try {
    return await commitOrder(session, envelope, keys, now, () => {
      sessionChecked = true;
    });
  } catch (error) {
    if (!sessionChecked && error instanceof PoError && !REVEALS_NOTHING.has(error.code)) await currentProfile(session);
    throw error;
  }
}

async function commitOrder(
  session: OrderSession,
  envelope: string,
  keys: OrderKeys,
  now: number,
  sessionChecked: () => void,
): Promise<PlacedOrder> {
  const { customerId, tokenVersion } = session;
  let remembered: KnownCustomer | undefined;
  /** Whether `seen` (the account the transaction is built from) was read in this request, not remembered. */
  let read = false;
  const opened = await openOrder(envelope, {
    customerId,
    serverKey: (kid) => keys.server.get(kid),
    customerKey: async (kid) => {
      const found = await rememberedWithKey(session, kid);
      remembered = found.customer;
      read = found.read;
      if (read) sessionChecked();
      return found.key;
    },
    now,
  });
  const { claims } = opened;
  const { catalogueCurrency, opdId } = config();
  if (claims.currency !== catalogueCurrency)
    throw new ApiError('currency_mismatch', `the catalogue is priced in ${catalogueCurrency}, not ${claims.currency}`, {
      details: { currency: catalogueCurrency },
    });
  const products = await productsFor(
    claims.items.map((item) => item.sku),
    now,
  );
  const lines = orderLines(claims, products);
  let takes = firstTakes(lines, products);
  const customerKeyFingerprint = spkiFingerprint(opened.customerKey.publicKey);
  // Set by the key lookup, which the signature check needs: the customer as found in memory or read.
  if (!remembered) throw sessionInvalid();
  const customer = remembered;
  let seen = customer.account;
  const guard = { tokenVersion, keyId: opened.customerKey.kid };

  return retryRounds<PlacedOrder>(async () => {
    let outcome: { kind: 'placed'; order: OrderRecord; after: AccountState } | TransactionOutcome;
    if (seen.balanceCents < claims.totalCents && !read) {
      // Remembered, the balance cannot pay; it may be stale (a credit or a refund elsewhere): read the truth.
      const profile = await getOrderingProfile(customerId, guard.keyId);
      outcome = accountOutcome(profile ? { item: profile } : {}, claims.totalCents, guard);
    } else {
      // The debit's entry number and the balance after it depend on the account as last seen: so does the receipt.
      const { entry, after } = nextEntry(
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
      const order = newOrderRecord({ ...opened, lines, receipt, ledgerEntry: entry.entry, now });
      const written = await writeOrder(order, takes, { seen, entry, guard });
      outcome = written.kind === 'placed' ? { kind: 'placed', order, after } : written;
    }
    // A commit, a refused transaction that proved its account condition held or was followed by a read, or a read:
    // each compared the stored token version and role with the session's (a conflict or throttling proves nothing).
    if (!CHECKS_NO_SESSION.has(outcome.kind)) sessionChecked();
    switch (outcome.kind) {
      case 'placed':
        customer.account = outcome.after;
        logger.info('order accepted', { orderId: outcome.order.orderId, lines: lines.length, alg: opened.alg });
        return { answer: { order: outcome.order, replayed: false } };
      case 'duplicate':
        // The same signed order again (a client retry): answer with the original. Anything else reusing the ID is a replay.
        if (outcome.existing.jws === opened.jws) return { answer: { order: outcome.existing, replayed: true } };
        throw new ApiError('order_conflict', 'an order with this ID already exists with different content');
      case 'unknown_sku':
        for (const sku of outcome.skus) catalogue.delete(sku);
        throw unknownSkus(outcome.skus); // removed from the catalogue since it was read
      case 'price_changed':
        for (const change of outcome.changes) catalogue.delete(change.sku);
        throw priceChanged(outcome.changes, claims.currency);
      case 'out_of_stock':
        throw outOfStock(outcome.sku, outcome.available);
      case 'stock_moved':
        // A shard of split stock could not fill its part, or is gone: plan those lines from the shards as they are.
        for (const sku of outcome.skus) catalogue.delete(sku);
        takes = await replanTakes(takes, lines, outcome.skus);
        return 'stock_moved';
      case 'insufficient_funds':
        customer.account = outcome.now;
        throw insufficientFunds(outcome.now.balanceCents, claims.totalCents, claims.currency);
      case 'customer_gone':
      case 'session_stale':
        known.delete(customerId);
        throw sessionInvalid(); // deleted, or its sessions ended (password change, logout, disabled) since the session was checked
      case 'key_revoked':
        customer.keys.delete(opened.customerKey.kid);
        throw new EnvelopeError('customer_key_unknown', 'the signing key was revoked before the order was committed');
      case 'account_moved':
        // Another change to this account committed first (here or in another instance): go again from its state.
        seen = customer.account = outcome.now;
        read = true;
        return 'account_moved';
      case 'conflict':
      case 'throttled':
        return outcome.kind;
    }
  });
}
