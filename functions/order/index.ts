/**
 * POST /orders — a sealed envelope in; 201 with the accepted order and the OPD's signed receipt, 200 with the original
 * for an identical resubmission, 4xx with a stable code for every rejection, 503 with Retry-After when a dependency
 * is down.
 */
import * as z from 'zod/mini';
import { LIMITS } from '../../shared/envelope/index.js';
import { receiptKeyRing, serverKeyRing } from '../../shared/aws/keystore.js';
import { apiHandler, sessionOf } from '../../shared/handler.js';
import { jsonResponse, parseJsonBody } from '../../shared/http.js';
import { metrics } from '../../shared/observability.js';
import { orderView } from '../../shared/orders.js';
import { placeOrder } from '../../shared/services/orders.js';

// Length is checked again (before any crypto) by openOrder with its own error code; this only bounds the JSON.
const body = z.strictObject({
  envelope: z.string().check(z.minLength(1), z.maxLength(LIMITS.maxEnvelopeChars + 1)),
});

const keys = { server: serverKeyRing(), receipt: receiptKeyRing() };

export const handler = apiHandler(async (event) => {
  const { customerId } = sessionOf(event);
  const { envelope } = parseJsonBody(event, body);
  const { order, replayed } = await placeOrder(customerId, envelope, keys);
  metrics.addMetric(replayed ? 'OrderResubmitted' : 'OrderAccepted', 'Count', 1);
  return jsonResponse(
    replayed ? 200 : 201,
    orderView(order),
    replayed ? { 'Idempotent-Replayed': 'true' } : { Location: `/orders/${order.orderId}` },
  );
});
