/**
 * Placing an order: open and verify the envelope against the logged-in customer's registered keys, sign the OPD's
 * receipt, and commit order and receipt in one transaction that checks every signed price and every line's stock —
 * retrying only what is safe to retry.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KeyObject } from 'node:crypto';
import { config } from '../config.js';
import { ApiError, serviceUnavailable, sessionInvalid } from '../errors.js';
import { openOrder } from '../envelope/index.js';
import { parsePublicKeyPem, spkiFingerprint, verificationKey } from '../keys.js';
import type { VerificationKey } from '../keys.js';
import { logger } from '../observability.js';
import { newOrderRecord, orderLines, priceChanged, unknownSkus } from '../orders.js';
import type { OrderRecord } from '../orders.js';
import { receiptClaims, signReceipt } from '../receipts.js';
import { getProducts } from '../aws/catalog.js';
import { getCustomer } from '../aws/customers.js';
import type { Customer } from '../aws/customers.js';
import type { KeyRing } from '../aws/keystore.js';
import { writeOrder } from '../aws/orders.js';

/** Transaction attempts before answering 503 (only conflicts with concurrent transactions are retried). */
const MAX_ATTEMPTS = 4;

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
 *   `out_of_stock`, `order_conflict`, `service_unavailable`
 */
export async function placeOrder(
  customerId: string,
  envelope: string,
  keys: OrderKeys,
  now = Date.now(),
): Promise<PlacedOrder> {
  const customer = await getCustomer(customerId);
  if (!customer) throw sessionInvalid();
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
  const signer = await keys.receipt.active();
  const receipt = signReceipt(
    receiptClaims({
      issuer: opdId,
      customerId,
      orderId: claims.jti,
      acceptedAt: now,
      orderJws: opened.jws,
      customerKeyFingerprint: spkiFingerprint(opened.customerKey.publicKey),
      lines,
      currency: claims.currency,
      totalCents: claims.totalCents,
    }),
    { kid: signer.kid, privateKey: signer.value },
  );
  const order = newOrderRecord({ ...opened, lines, receipt, email: customer.email, now });

  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const outcome = await writeOrder(order);
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
      case 'conflict':
        await sleep(Math.floor(Math.random() * 25 * 2 ** attempt)); // full jitter
        continue;
      case 'throttled':
        throw serviceUnavailable('the order database');
    }
  }
  throw serviceUnavailable('the order database', 1);
}
