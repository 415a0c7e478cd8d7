/**
 * Placing an order: open and verify the envelope against the logged-in customer's registered keys, price it, and
 * commit it in one transaction — retrying only what is safe to retry.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KeyObject } from 'node:crypto';
import { ApiError, serviceUnavailable, sessionInvalid } from '../errors.js';
import { openOrder } from '../envelope/index.js';
import { parsePublicKeyPem, verificationKey } from '../keys.js';
import type { VerificationKey } from '../keys.js';
import { logger } from '../observability.js';
import { newOrderRecord, priceOrder } from '../orders.js';
import type { OrderRecord } from '../orders.js';
import { getProducts } from '../aws/catalog.js';
import { getCustomer } from '../aws/customers.js';
import type { Customer } from '../aws/customers.js';
import type { KeyRing } from '../aws/keystore.js';
import { writeOrder } from '../aws/orders.js';

/** Transaction attempts before answering 503 (conflicts and concurrent price changes are retried). */
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

/**
 * @throws EnvelopeError for any envelope check; ApiError `unknown_sku`, `out_of_stock`, `order_conflict`,
 *   `service_unavailable`
 */
export async function placeOrder(
  customerId: string,
  envelope: string,
  serverKeys: KeyRing<KeyObject>,
  now = Date.now(),
): Promise<PlacedOrder> {
  const customer = await getCustomer(customerId);
  if (!customer) throw sessionInvalid();
  const opened = await openOrder(envelope, {
    customerId,
    serverKey: (kid) => serverKeys.get(kid),
    customerKey: (kid) => registeredKey(customer, kid),
    now,
  });
  const skus = opened.claims.items.map((item) => item.sku);

  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const { lines, totalCents } = priceOrder(opened.claims, await getProducts(skus));
    const order = newOrderRecord({ ...opened, lines, totalCents, email: customer.email, now });
    const outcome = await writeOrder(order);
    switch (outcome.kind) {
      case 'placed':
        logger.info('order accepted', { orderId: order.orderId, lines: lines.length, alg: opened.alg });
        return { order, replayed: false };
      case 'duplicate':
        // The same signed order again (a client retry): answer with the original. Anything else reusing the ID is a replay.
        if (outcome.existing.jws === opened.jws) return { order: outcome.existing, replayed: true };
        throw new ApiError('order_conflict', 'an order with this ID already exists with different content');
      case 'out_of_stock':
        throw new ApiError('out_of_stock', `not enough stock for ${outcome.sku}: ${outcome.available} left`, {
          details: { sku: outcome.sku, available: outcome.available },
        });
      case 'catalogue_changed':
        logger.info('catalogue changed while ordering; re-pricing', { attempt });
        continue;
      case 'conflict':
        await sleep(Math.floor(Math.random() * 25 * 2 ** attempt)); // full jitter
        continue;
      case 'throttled':
        throw serviceUnavailable('the order database');
    }
  }
  throw serviceUnavailable('the order database', 1);
}
