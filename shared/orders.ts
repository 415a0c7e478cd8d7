/**
 * Order domain: the lines as signed, the stored order and its public view. What a cancelled order transaction means
 * is shared/order-outcomes.ts. Pure: no AWS SDK here (the adapters are shared/aws/order-transactions.ts and
 * shared/aws/order-queries.ts).
 */
import { ApiError } from './errors.js';
import type { OrderClaims } from './envelope/index.js';
import type { SignatureAlg } from './keys.js';
import { ORDER_INDEX_SHARDS } from '../contract/tables.js';
import { owedMarker } from './mail.js';
import type { MailStatus, OwedMarker } from './mail.js';
import { formatMoney } from './money.js';
import { shardKey, shardOf } from './shards.js';

/**
 * A catalogue product: its price in cents of the catalogue's currency, and the stock left — all of it, summed over
 * the shards it is split over (shared/stock.ts), except on the product item as stored, where it is shard 0's part.
 */
export interface Product {
  readonly sku: string;
  readonly name: string;
  readonly priceCents: number;
  readonly stock: number;
  /** How many items the stock is split over, when more than one (shared/stock.ts). */
  readonly stockShards?: number;
}

/** A line of an order as stored: what the customer signed (SKU, quantity, unit price) and the product's name. */
export interface OrderLine {
  readonly sku: string;
  readonly name: string;
  readonly qty: number;
  readonly unitPriceCents: number;
}

/** Where an order is: `accepted` (paid, to be fulfilled), then `fulfilled` (by the OPD) or `cancelled` (refunded). */
export const ORDER_STATUSES = ['accepted', 'fulfilled', 'cancelled'] as const;
/** One of {@link ORDER_STATUSES}. */
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** An order's key in the status index: its status and its shard (`accepted#17`). */
export type StatusShard = `${OrderStatus}#${number}`;

/**
 * The status index's key of an order in `status` (contract/tables.ts `ORDERS_BY_STATUS`): the status and the order's
 * shard among `ORDER_INDEX_SHARDS`, a function of its ID alone, so that a status change moves it to the same shard
 * of the new status.
 */
export function orderStatusShard(status: OrderStatus, orderId: string): StatusShard {
  return shardKey(status, shardOf(orderId, ORDER_INDEX_SHARDS));
}

/** How an order was cancelled: the customer's signed request or the OPD's reason, the OPD's receipt, the refund. */
export interface Cancellation {
  readonly by: 'customer' | 'opd';
  /** Who: the customer, or the administrator acting for the OPD. */
  readonly actor: string;
  /** The customer's signed cancellation (compact JWS, `po-cancel+jwt`), verbatim. */
  readonly jws?: string;
  /** The registered key it was verified with. */
  readonly customerKeyId?: string;
  readonly reason?: string;
  /** The OPD's cancellation receipt (compact JWS, `po-receipt+jwt`, status `cancelled`). */
  readonly receipt: string;
  /** The ledger entry that refunded the total. */
  readonly refundEntry: number;
}

/** An order as stored. `jws` is the signed evidence, verbatim; `receipt` the OPD's signed acknowledgement of it. */
export interface OrderRecord {
  readonly customerId: string;
  readonly orderId: string;
  readonly lines: readonly OrderLine[];
  /** The signed total, in cents of `currency`. */
  readonly totalCents: number;
  readonly currency: string;
  readonly status: OrderStatus;
  /** The status index's key, moved with `status` ({@link orderStatusShard}). */
  readonly statusShard: StatusShard;
  readonly acceptedAt: string;
  readonly fulfilledAt?: string;
  readonly cancelledAt?: string;
  readonly cancellation?: Cancellation;
  /** The ledger entry that debited the total (absent on orders accepted before accounts existed). */
  readonly ledgerEntry?: number;
  /** The signed order time (claims `iat`), ISO 8601. */
  readonly signedAt: string;
  readonly note?: string;
  readonly jws: string;
  readonly alg: SignatureAlg;
  readonly customerKeyId: string;
  readonly serverKeyId: string;
  /** The OPD's receipt (compact JWS, EdDSA), written in the same transaction as the order. */
  readonly receipt: string;
  /**
   * Where the confirmation went, on orders accepted before the notifier looked the address up itself; absent since
   * (the order path does not read the customer's email: the notifier does, off the path).
   */
  readonly email?: string;
  readonly emailStatus: MailStatus;
  readonly emailSentAt?: string;
  /** Why the confirmation was given up (`failed`): a permanent rejection, never retried on its own. */
  readonly emailFailure?: string;
  /**
   * `owed#k` until the confirmation is sent, `failed#k` once given up (k: the order's shard): the sparse `emailsOwed`
   * index's key (shared/mail.ts `owedMarker`).
   */
  readonly emailOwed?: OwedMarker;
  /** Since when (epoch milliseconds): the sweeper leaves fresh mail to the stream. */
  readonly emailOwedSince?: number;
  /** The email a status change owes the customer (cancelled, fulfilled): set with the change, sent by the notifier. */
  readonly noticeStatus?: MailStatus;
  readonly noticeSentAt?: string;
  readonly noticeFailure?: string;
  readonly noticeOwed?: OwedMarker;
  readonly noticeOwedSince?: number;
}

/**
 * The order's lines as stored: each signed line with the product's name. The prices are the customer's signed ones;
 * the transaction commits only if they are still the catalogue's (shared/aws/order-transactions.ts).
 * @throws ApiError `unknown_sku` naming every SKU the catalogue lacks
 */
export function orderLines(claims: OrderClaims, catalogue: ReadonlyMap<string, Product>): OrderLine[] {
  const unknown = claims.items.filter((item) => !catalogue.has(item.sku)).map((item) => item.sku);
  if (unknown.length > 0) throw unknownSkus(unknown);
  return claims.items.map((item) => ({
    sku: item.sku,
    name: catalogue.get(item.sku)!.name,
    qty: item.qty,
    unitPriceCents: item.unitPriceCents,
  }));
}

/** @returns ApiError `unknown_sku` with the SKUs in `details.skus` */
export function unknownSkus(skus: readonly string[]): ApiError {
  return new ApiError('unknown_sku', `unknown SKU: ${skus.join(', ')}`, { details: { skus } });
}

/** A line whose signed price is no longer the catalogue's. */
export interface PriceChange {
  readonly sku: string;
  readonly signedPriceCents: number;
  readonly currentPriceCents: number;
}

/** @returns ApiError `price_changed` listing each changed line with its current price: re-quote and sign again */
export function priceChanged(changes: readonly PriceChange[], currency: string): ApiError {
  const what = changes
    .map((change) => `${change.sku} ${formatMoney(change.signedPriceCents)} → ${formatMoney(change.currentPriceCents)}`)
    .join(', ');
  return new ApiError(
    'price_changed',
    `prices changed since the order was signed (${currency}: ${what}); sign it again at the current prices`,
    {
      details: { currency, lines: changes },
    },
  );
}

/** Builds the record to store for a verified, priced order. */
export function newOrderRecord(input: {
  claims: OrderClaims;
  jws: string;
  alg: SignatureAlg;
  customerKeyId: string;
  serverKeyId: string;
  lines: OrderLine[];
  receipt: string;
  ledgerEntry: number;
  now: number;
}): OrderRecord {
  const { claims } = input;
  return {
    customerId: claims.iss,
    orderId: claims.jti,
    lines: input.lines,
    totalCents: claims.totalCents,
    currency: claims.currency,
    status: 'accepted',
    statusShard: orderStatusShard('accepted', claims.jti),
    acceptedAt: new Date(input.now).toISOString(),
    signedAt: new Date(claims.iat * 1000).toISOString(),
    ...(claims.note === undefined ? {} : { note: claims.note }),
    jws: input.jws,
    alg: input.alg,
    customerKeyId: input.customerKeyId,
    serverKeyId: input.serverKeyId,
    receipt: input.receipt,
    ledgerEntry: input.ledgerEntry,
    emailStatus: 'pending',
    emailOwed: owedMarker('owed', claims.jti),
    emailOwedSince: input.now,
  };
}

/** The registered keys an order's evidence names: the order's, and the cancellation's when it was signed by another. */
export function evidenceKeyIds(order: OrderRecord): string[] {
  const cancelKey = order.cancellation?.customerKeyId;
  return cancelKey === undefined || cancelKey === order.customerKeyId
    ? [order.customerKeyId]
    : [order.customerKeyId, cancelKey];
}

/**
 * What the API returns for an order: the evidence included (the customer's own signed order and cancellation, the
 * OPD's receipts). `publicKeys`, when given, holds the registered keys they were verified with, as SPKI PEM by key ID
 * (for evidence bundles).
 */
export function orderView(order: OrderRecord, publicKeys?: ReadonlyMap<string, string>) {
  const customerPublicKeyPem = publicKeys?.get(order.customerKeyId);
  return {
    orderId: order.orderId,
    customerId: order.customerId,
    status: order.status,
    lines: order.lines.map((line) => ({ ...line, lineTotalCents: line.qty * line.unitPriceCents })),
    totalCents: order.totalCents,
    currency: order.currency,
    acceptedAt: order.acceptedAt,
    ...(order.fulfilledAt === undefined ? {} : { fulfilledAt: order.fulfilledAt }),
    ...(order.cancelledAt === undefined ? {} : { cancelledAt: order.cancelledAt }),
    signedAt: order.signedAt,
    ...(order.note === undefined ? {} : { note: order.note }),
    signature: {
      alg: order.alg,
      keyId: order.customerKeyId,
      jws: order.jws,
      ...(customerPublicKeyPem === undefined ? {} : { publicKeyPem: customerPublicKeyPem }),
    },
    receipt: order.receipt,
    ...(order.ledgerEntry === undefined ? {} : { ledgerEntry: order.ledgerEntry }),
    ...(order.cancellation === undefined ? {} : { cancellation: cancellationView(order.cancellation, publicKeys) }),
    email: { status: order.emailStatus, ...(order.emailSentAt ? { sentAt: order.emailSentAt } : {}) },
  };
}

/** An order as the API returns it: what {@link orderView} makes. */
export type OrderView = ReturnType<typeof orderView>;

function cancellationView(cancellation: Cancellation, publicKeys?: ReadonlyMap<string, string>) {
  const publicKeyPem =
    cancellation.customerKeyId === undefined ? undefined : publicKeys?.get(cancellation.customerKeyId);
  return {
    by: cancellation.by,
    actor: cancellation.actor,
    ...(cancellation.jws === undefined
      ? {}
      : {
          jws: cancellation.jws,
          keyId: cancellation.customerKeyId,
          ...(publicKeyPem === undefined ? {} : { publicKeyPem }),
        }),
    ...(cancellation.reason === undefined ? {} : { reason: cancellation.reason }),
    receipt: cancellation.receipt,
    refundEntry: cancellation.refundEntry,
  };
}

/** What an order debited (and a cancellation refunds): an order accepted before accounts existed was never paid. */
export function amountPaid(order: { readonly ledgerEntry?: number | undefined; readonly totalCents: number }): number {
  return order.ledgerEntry === undefined ? 0 : order.totalCents;
}

/** @returns ApiError `order_closed` (409): the order is no longer `accepted`, so it can be neither cancelled nor fulfilled */
export function orderClosed(order: Pick<OrderRecord, 'orderId' | 'status'>): ApiError {
  return new ApiError('order_closed', `order ${order.orderId} is already ${order.status}`, {
    details: { status: order.status },
  });
}
