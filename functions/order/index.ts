/**
 * The routes that change an order and need the OPD's receipt key:
 * - POST /orders — a sealed envelope in; 201 with the accepted order and the OPD's signed receipt, 200 with the
 *   original for an identical resubmission;
 * - POST /orders/{id}/cancel — the customer's signed cancellation in; 200 with the cancelled order and the OPD's
 *   signed cancellation receipt (the same again for an identical resubmission);
 * - POST /admin/orders/{id}/cancel — the OPD cancels with a reason.
 * Every rejection is a 4xx with a stable code, 503 with Retry-After when a dependency is down.
 */
import * as z from 'zod/mini';
import { CUSTOMER_ID_PATTERN, JTI_PATTERN } from '../../shared/envelope/claims.js';
import { LIMITS } from '../../shared/envelope/index.js';
import { receiptKeyRing, serverKeyRing } from '../../shared/aws/key-ring.js';
import { adminOnly, apiHandler, sessionOf } from '../../shared/handler.js';
import { jsonResponse, parseJsonBody } from '../../shared/http.js';
import { metrics } from '../../shared/observability.js';
import { orderView } from '../../shared/orders.js';
import { reasonSchema } from '../../shared/receipts.js';
import { pathParameter, router } from '../../shared/router.js';
import { cancelOrder, findOrder } from '../../shared/services/lifecycle.js';
import { placeOrder } from '../../shared/services/orders.js';
import { evidenceKeys } from '../../shared/services/verification-keys.js';

// The body limit bounds the envelope; its own bound is openOrder's first check (413 envelope_too_large).
const orderBody = z.strictObject({ envelope: z.string().check(z.minLength(1)) });
const cancelBody = z.strictObject({
  cancellation: z.string().check(z.minLength(1), z.maxLength(LIMITS.maxEnvelopeChars)),
});
const adminCancelBody = z.strictObject({
  reason: reasonSchema,
  customerId: z.optional(z.string().check(z.regex(CUSTOMER_ID_PATTERN))),
});

const keys = { server: serverKeyRing(), receipt: receiptKeyRing() };

export const handler = apiHandler(
  router({
    'POST /orders': async (event) => {
      const session = sessionOf(event);
      const { envelope } = parseJsonBody(event, orderBody);
      const { order, replayed } = await placeOrder(session, envelope, keys);
      metrics.addMetric(replayed ? 'OrderResubmitted' : 'OrderAccepted', 'Count', 1);
      return jsonResponse(
        replayed ? 200 : 201,
        orderView(order),
        replayed ? { 'Idempotent-Replayed': 'true' } : { Location: `/orders/${order.orderId}` },
      );
    },
    'POST /orders/{id}/cancel': async (event) => {
      const { customerId } = sessionOf(event);
      const orderId = pathParameter(event, 'id', JTI_PATTERN);
      const { cancellation } = parseJsonBody(event, cancelBody);
      const { order, replayed } = await cancelOrder(
        customerId,
        orderId,
        { by: 'customer', jws: cancellation },
        keys.receipt,
      );
      metrics.addMetric(replayed ? 'CancellationResubmitted' : 'OrderCancelled', 'Count', 1);
      // With the keys it was verified with: the answer is the whole evidence, as GET /orders/{id} gives it.
      return jsonResponse(
        200,
        orderView(order, await evidenceKeys(order)),
        replayed ? { 'Idempotent-Replayed': 'true' } : {},
      );
    },
    'POST /admin/orders/{id}/cancel': adminOnly(async (event) => {
      const orderId = pathParameter(event, 'id', JTI_PATTERN);
      const { reason, customerId } = parseJsonBody(event, adminCancelBody);
      const found = await findOrder(orderId, customerId);
      const { order } = await cancelOrder(
        found.customerId,
        orderId,
        { by: 'opd', adminId: sessionOf(event).customerId, reason },
        keys.receipt,
      );
      metrics.addMetric('OrderCancelledByOpd', 'Count', 1);
      return jsonResponse(200, orderView(order, await evidenceKeys(order)));
    }),
  }),
);
