/**
 * After an order is accepted: the customer cancels it with a signed request, or the OPD cancels it with a reason —
 * either way one transaction restocks every line and refunds the total, exactly once, and the OPD signs a
 * cancellation receipt — or the OPD marks it fulfilled.
 */
import { accountOf, nextEntry } from '../accounts.js';
import type { Actor } from '../audit.js';
import { verifyCancellation } from '../cancellations.js';
import { config } from '../config.js';
import { ApiError, sessionInvalid } from '../errors.js';
import { spkiFingerprint } from '../keys.js';
import { logger } from '../observability.js';
import { amountPaid, orderClosed } from '../orders.js';
import type { Cancellation, OrderRecord } from '../orders.js';
import { cancellationReceiptClaims, signReceipt } from '../receipts.js';
import { auditAction } from '../aws/audit.js';
import { getOrderingProfile } from '../aws/customers.js';
import { getCustomerKey } from '../aws/customer-keys.js';
import { customersWithOrder, getOrder } from '../aws/order-queries.js';
import { markFulfilled, writeCancellation } from '../aws/order-transactions.js';
import type { KeyRing } from '../aws/key-ring.js';
import type { KeyObject } from 'node:crypto';
import { retryRounds } from './races.js';
import { activeKey } from './verification-keys.js';

/**
 * Who cancels: the customer, with their signed request, or the OPD (a staff member, `actor`, whom the cancellation,
 * its refund's ledger entry and its audit record name), with a reason.
 */
export type CancelRequest =
  | { readonly by: 'customer'; readonly jws: string }
  | { readonly by: 'opd'; readonly actor: Actor; readonly reason: string };

/** A cancelled order, and whether this request had cancelled it before. */
export interface CancelResult {
  readonly order: OrderRecord;
  /** True when this exact request had already cancelled the order (a client retry): the stored outcome. */
  readonly replayed: boolean;
}

/** The order a customer owns. @throws ApiError `not_found` (also for someone else's order: IDs are not disclosed) */
async function ownOrder(customerId: string, orderId: string): Promise<OrderRecord> {
  const order = await getOrder(customerId, orderId);
  if (!order) throw new ApiError('not_found', 'no such order');
  return order;
}

/**
 * An order found by ID alone (the OPD's view), optionally of a given customer.
 * @throws ApiError `not_found`; `order_conflict` when two customers have an order with this ID and none is named
 */
export async function findOrder(orderId: string, customerId?: string): Promise<OrderRecord> {
  if (customerId !== undefined) return ownOrder(customerId, orderId);
  const owners = await customersWithOrder(orderId);
  if (owners.length === 0) throw new ApiError('not_found', 'no such order');
  if (owners.length > 1)
    throw new ApiError('order_conflict', `${owners.length} customers have an order ${orderId}: name the customer`, {
      details: { customers: owners },
    });
  return ownOrder(owners[0]!, orderId);
}

/**
 * Cancels an accepted order: status → `cancelled`, every line restocked, the total refunded as a ledger entry, a
 * cancellation receipt signed — all in one transaction that only one of any number of concurrent cancellations can
 * commit. The same signed request again answers with the stored outcome.
 * @throws EnvelopeError (the customer's request fails a check), ApiError `not_found`, `order_closed`,
 *   `service_unavailable`
 */
export async function cancelOrder(
  customerId: string,
  orderId: string,
  request: CancelRequest,
  receiptKeys: KeyRing<KeyObject>,
  now = Date.now(),
): Promise<CancelResult> {
  const order = await ownOrder(customerId, orderId);
  if (order.status === 'cancelled' && request.by === 'customer' && order.cancellation?.jws === request.jws)
    return { order, replayed: true };
  if (order.status !== 'accepted') throw orderClosed(order);
  // What the order function may read of a customer: the account, and the one key the request names.
  const customer = await getOrderingProfile(customerId);
  if (!customer) throw request.by === 'customer' ? sessionInvalid() : new ApiError('not_found', 'no such customer');
  const { opdId } = config();
  const verified =
    request.by === 'customer'
      ? await verifyCancellation(request.jws, {
          customerId,
          opdId,
          orderId,
          customerKey: async (kid) => activeKey(await getCustomerKey(customerId, kid), kid),
          now,
        })
      : undefined;
  const actor = request.by === 'customer' ? customerId : request.actor.id;
  const refundCents = amountPaid(order);
  let seen = accountOf(customer);
  return retryRounds<CancelResult>(async () => {
    const { entry } = nextEntry(
      customerId,
      seen,
      { type: 'refund', amountCents: refundCents, actor, orderId },
      order.currency,
      now,
    );
    const signer = await receiptKeys.active();
    const receipt = signReceipt(
      cancellationReceiptClaims({
        issuer: opdId,
        customerId,
        orderId,
        cancelledAt: now,
        orderJws: order.jws,
        ...(request.by === 'customer'
          ? { request: { jws: request.jws, customerKeyFingerprint: spkiFingerprint(verified!.customerKey.publicKey) } }
          : { reason: request.reason }),
        refundCents,
        currency: order.currency,
        ledgerEntry: entry.entry,
      }),
      { kid: signer.kid, privateKey: signer.value },
    );
    const cancellation: Cancellation = {
      by: request.by,
      actor,
      ...(request.by === 'customer'
        ? { jws: request.jws, customerKeyId: verified!.customerKey.kid }
        : { reason: request.reason }),
      receipt,
      refundEntry: entry.entry,
    };
    const cancelledAt = new Date(now).toISOString();
    // The OPD's cancellation is a staff action: recorded in its transaction (a customer's is not audited).
    const audit =
      request.by === 'opd'
        ? auditAction(
            request.actor,
            {
              action: 'order.cancel',
              target: orderId,
              changes: {
                status: { before: 'accepted', after: 'cancelled' },
                customerId,
                refundCents,
                entry: entry.entry,
              },
              reason: request.reason,
            },
            now,
          )
        : undefined;
    const outcome = await writeCancellation(order, cancellation, cancelledAt, { seen, entry }, audit);
    switch (outcome.kind) {
      case 'cancelled':
        logger.info('order cancelled', { orderId, by: request.by });
        return {
          answer: {
            order: { ...order, status: 'cancelled', cancelledAt, cancellation, noticeStatus: 'pending' },
            replayed: false,
          },
        };
      case 'closed':
        // Another request got there first; the same signed request (a concurrent retry) gets the stored outcome.
        if (request.by === 'customer' && outcome.existing.cancellation?.jws === request.jws)
          return { answer: { order: outcome.existing, replayed: true } };
        throw orderClosed(outcome.existing);
      case 'not_found':
        throw new ApiError('not_found', 'no such order');
      case 'account':
        if (outcome.reason.kind === 'gone') throw new ApiError('not_found', 'no such customer');
        seen = outcome.reason.now;
        return 'account_moved';
      case 'conflict':
      case 'throttled':
        return outcome.kind;
    }
  });
}

/**
 * Marks an accepted order fulfilled, with its audit record (`order.fulfil`, by `actor`) in the same transaction.
 * @throws ApiError `not_found`, `order_closed` (also when it was cancelled or fulfilled meanwhile: saying which)
 */
export async function fulfilOrder(order: OrderRecord, actor: Actor, now = Date.now()): Promise<OrderRecord> {
  if (order.status !== 'accepted') throw orderClosed(order);
  const { customerId, orderId } = order;
  const outcome = await markFulfilled(
    { customerId, orderId },
    auditAction(
      actor,
      {
        action: 'order.fulfil',
        target: orderId,
        changes: { status: { before: 'accepted', after: 'fulfilled' }, customerId },
      },
      now,
    ),
    now,
  );
  switch (outcome.kind) {
    case 'fulfilled':
      return { ...order, status: 'fulfilled', fulfilledAt: outcome.fulfilledAt, noticeStatus: 'pending' };
    case 'closed':
      throw orderClosed(outcome.existing);
    case 'not_found':
      throw new ApiError('not_found', 'no such order');
  }
}
