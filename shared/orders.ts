/**
 * Order domain: pricing against the catalogue, the stored order, its public view, and the meaning of a cancelled
 * DynamoDB transaction. Pure: no AWS SDK here (the adapter is shared/aws/orders.ts).
 */
import { ApiError } from './errors.js';
import type { OrderClaims } from './envelope/index.js';
import type { SignatureAlg } from './keys.js';

export interface Product {
  readonly sku: string;
  readonly name: string;
  readonly priceCents: number;
  readonly stock: number;
}

export interface OrderLine {
  readonly sku: string;
  readonly name: string;
  readonly qty: number;
  readonly unitPriceCents: number;
}

/** An order as stored. `jws` is the signed evidence, verbatim. */
export interface OrderRecord {
  readonly customerId: string;
  readonly orderId: string;
  readonly lines: readonly OrderLine[];
  readonly totalCents: number;
  readonly status: 'accepted';
  readonly acceptedAt: string;
  /** The signed order time (claims `iat`), ISO 8601. */
  readonly signedAt: string;
  readonly note?: string;
  readonly jws: string;
  readonly alg: SignatureAlg;
  readonly customerKeyId: string;
  readonly serverKeyId: string;
  readonly email: string;
  readonly emailStatus: 'pending' | 'sending' | 'sent';
  readonly emailSentAt?: string;
}

/**
 * Prices the order's lines at the catalogue's current prices.
 * @throws ApiError `unknown_sku` naming every SKU the catalogue lacks
 */
export function priceOrder(
  claims: OrderClaims,
  catalogue: ReadonlyMap<string, Product>,
): { lines: OrderLine[]; totalCents: number } {
  const unknown = claims.items.filter((item) => !catalogue.has(item.sku)).map((item) => item.sku);
  if (unknown.length > 0)
    throw new ApiError('unknown_sku', `unknown SKU: ${unknown.join(', ')}`, { details: { skus: unknown } });
  const lines = claims.items.map((item) => {
    const product = catalogue.get(item.sku)!;
    return { sku: item.sku, name: product.name, qty: item.qty, unitPriceCents: product.priceCents };
  });
  return { lines, totalCents: lines.reduce((sum, line) => sum + line.qty * line.unitPriceCents, 0) };
}

/** Builds the record to store for a verified, priced order. */
export function newOrderRecord(input: {
  claims: OrderClaims;
  jws: string;
  alg: SignatureAlg;
  customerKeyId: string;
  serverKeyId: string;
  email: string;
  lines: OrderLine[];
  totalCents: number;
  now: number;
}): OrderRecord {
  const { claims } = input;
  return {
    customerId: claims.iss,
    orderId: claims.jti,
    lines: input.lines,
    totalCents: input.totalCents,
    status: 'accepted',
    acceptedAt: new Date(input.now).toISOString(),
    signedAt: new Date(claims.iat * 1000).toISOString(),
    ...(claims.note === undefined ? {} : { note: claims.note }),
    jws: input.jws,
    alg: input.alg,
    customerKeyId: input.customerKeyId,
    serverKeyId: input.serverKeyId,
    email: input.email,
    emailStatus: 'pending',
  };
}

/** What the API returns for an order (the evidence JWS included: it is the customer's own signed order). */
export function orderView(order: OrderRecord) {
  return {
    orderId: order.orderId,
    customerId: order.customerId,
    status: order.status,
    lines: order.lines.map((line) => ({ ...line, lineTotalCents: line.qty * line.unitPriceCents })),
    totalCents: order.totalCents,
    acceptedAt: order.acceptedAt,
    signedAt: order.signedAt,
    ...(order.note === undefined ? {} : { note: order.note }),
    signature: { alg: order.alg, keyId: order.customerKeyId, jws: order.jws },
    email: { status: order.emailStatus, ...(order.emailSentAt ? { sentAt: order.emailSentAt } : {}) },
  };
}

/** One cancellation reason of a TransactWriteItems, with the old item when the condition check returned it. */
export interface CancellationReason {
  readonly code: string | undefined;
  readonly item?: Record<string, unknown>;
}

/** What a cancelled order transaction means. The first action is the order put; then one stock update per line. */
export type TransactionOutcome =
  | { readonly kind: 'duplicate'; readonly existing: OrderRecord }
  | { readonly kind: 'out_of_stock'; readonly sku: string; readonly available: number }
  | { readonly kind: 'catalogue_changed' }
  | { readonly kind: 'conflict' }
  | { readonly kind: 'throttled' };

/**
 * Interprets `CancellationReasons` (DESIGN §4): the order already exists → duplicate (replay or resubmission);
 * a line's condition failed with less stock than asked → out of stock (naming the SKU); with enough stock, the
 * product changed since it was priced (re-price and retry);
 * `TransactionConflict` → retry; throttling → retry later.
 */
export function interpretCancellation(
  reasons: readonly CancellationReason[],
  lines: readonly OrderLine[],
): TransactionOutcome {
  const [orderReason, ...lineReasons] = reasons;
  if (orderReason?.code === 'ConditionalCheckFailed' && orderReason.item)
    return { kind: 'duplicate', existing: orderReason.item as unknown as OrderRecord };
  for (const [index, reason] of lineReasons.entries()) {
    if (reason.code !== 'ConditionalCheckFailed') continue;
    const line = lines[index]!;
    const product = reason.item as Partial<Product> | undefined;
    if (product && (product.stock ?? 0) < line.qty)
      return { kind: 'out_of_stock', sku: line.sku, available: product.stock ?? 0 };
    return { kind: 'catalogue_changed' }; // deleted, re-priced, or restocked meanwhile: price and try again
  }
  if (reasons.some((reason) => reason.code === 'TransactionConflict')) return { kind: 'conflict' };
  return { kind: 'throttled' };
}
