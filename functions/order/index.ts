/**
 * The routes that change an order and need the OPD's receipt key:
 * - POST /orders — a sealed envelope in; 201 with the accepted order and the OPD's signed receipt, 200 with the
 *   original for an identical resubmission;
 * - POST /orders/{id}/cancel — the customer's signed cancellation in; 200 with the cancelled order and the OPD's
 *   signed cancellation receipt (the same again for an identical resubmission);
 * - POST /admin/orders/{id}/cancel — the OPD cancels with a reason.
 * Every rejection is a 4xx with a stable code, 503 with Retry-After when a dependency is down.
 */
import { apiHandler } from '../../shared/handler.js';
import { jsonResponse } from '../../shared/http.js';
import { metrics } from '../../shared/observability.js';
import { orderView } from '../../shared/orders.js';
import { serveRoutes } from '../../shared/router.js';
import { cancelOrder, findOrder } from '../../shared/services/lifecycle.js';
import { placeOrder } from '../../shared/services/orders.js';
import { evidenceKeys } from '../../shared/services/verification-keys.js';
import { receiptKeyRing, serverKeyRing } from '../../shared/aws/key-ring.js';

const keys = { server: serverKeyRing(), receipt: receiptKeyRing() };

export const handler = apiHandler(
  serveRoutes('order', {
    'POST /orders': async ({ session, body }) => {
      const { order, replayed } = await placeOrder(session, body.envelope, keys);
      metrics.addMetric(replayed ? 'OrderResubmitted' : 'OrderAccepted', 'Count', 1);
      return jsonResponse(
        replayed ? 200 : 201,
        orderView(order),
        replayed ? { 'Idempotent-Replayed': 'true' } : { Location: `/orders/${order.orderId}` },
      );
    },
    'POST /orders/{id}/cancel': async ({ session, params, body }) => {
      const orderId = params.id;
      const { order, replayed } = await cancelOrder(
        session.customerId,
        orderId,
        { by: 'customer', jws: body.cancellation },
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
    // A staff action: the cancellation, its refund and its audit record name the staff member.
    'POST /admin/orders/{id}/cancel': async ({ actor, params, body }) => {
      const orderId = params.id;
      const found = await findOrder(orderId, body.customerId);
      const { order } = await cancelOrder(
        found.customerId,
        orderId,
        { by: 'opd', actor, reason: body.reason },
        keys.receipt,
      );
      metrics.addMetric('OrderCancelledByOpd', 'Count', 1);
      return jsonResponse(200, orderView(order, await evidenceKeys(order)));
    },
  }),
);
