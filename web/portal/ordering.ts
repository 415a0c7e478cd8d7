/**
 * Placing an order from the page, as `po order` does: the keys checked against this browser's pins, the claims (the
 * quoted prices, the total, the note) signed with the customer's non-extractable key and encrypted to the server key
 * (web/crypto/seal.ts: docs/envelope.md, byte for byte as po), the envelope kept before it is sent, sent — and, when
 * the answer is lost, sent again exactly as it was, never signed anew: the OPD answers the same signed order with the
 * original, so nothing is ordered twice. The OPD's receipt is checked with the checks of `po verify` before the page
 * says "accepted".
 */
import { evidenceBundle } from '../../shared/evidence-format.js';
import { checkEvidence } from '../../shared/evidence.js';
import type { EvidenceBundle, VerifiedEvidence } from '../../shared/evidence.js';
import { EvidenceError } from '../../shared/errors.js';
import type { OrderItem } from '../../shared/envelope/claims.js';
import type { OrderView } from '../../shared/orders.js';
import { receiptKeyId } from '../../shared/receipt-format.js';
import { WEB_EVIDENCE_CRYPTO } from '../crypto/evidence-crypto.js';
import { sealOrderInPage } from '../crypto/seal.js';
import { ApiFailure, call, segment } from './api.js';
import { browserSigner, clearPending, keepPending, pendingOrder } from './store.js';
import type { PendingOrder, StoredKey } from './store.js';
import { receiptKeyFor, trustedServerKey } from './trust.js';

/** Times an envelope is sent while the OPD cannot be reached or is unavailable, before the customer is asked. */
const SEND_ATTEMPTS = 3;

/** An accepted order, its receipt checked: the evidence bundle `po orders export` would write. */
export interface AcceptedOrder {
  readonly order: OrderView;
  readonly bundle: EvidenceBundle;
  readonly verified: VerifiedEvidence;
}

/** What the customer agreed to: the quoted lines and currency, and a note. */
export interface OrderRequest {
  readonly customerId: string;
  readonly items: readonly OrderItem[];
  readonly currency: string;
  readonly note?: string;
}

const unreachable = (error: unknown) =>
  error instanceof ApiFailure && (error.status === 0 || error.status === 502 || error.status === 503);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Signs, seals, keeps and sends an order with `key`.
 * @throws KeyChanged (nothing signed), ApiFailure (the OPD's refusal: nothing ordered; or `network`: the envelope is
 * kept, {@link sendPending} sends it again), EvidenceError (accepted, but its receipt failed a check)
 */
export async function placeOrder(request: OrderRequest, key: StoredKey): Promise<AcceptedOrder> {
  if (await pendingOrder(request.customerId))
    throw new ApiFailure(409, 'order_pending', 'An order sent earlier has no answer yet: send it again first.');
  const server = await trustedServerKey();
  const prepared = await sealOrderInPage({
    ...request,
    signer: browserSigner(key),
    server,
  });
  const pending: PendingOrder = {
    customerId: request.customerId,
    orderId: prepared.claims.jti,
    envelope: prepared.envelope,
    jws: prepared.jws,
    customerKey: { kid: key.kid, alg: key.alg, publicKeyPem: key.publicKeyPem },
  };
  await keepPending(pending);
  return send(pending);
}

/**
 * Sends the order in flight again, exactly as it was signed and sealed. Asks the OPD first whether it already has it
 * (an answer lost on the way): then that is the answer; an envelope too old to be accepted now was never ordered.
 */
export async function sendPending(customerId: string): Promise<AcceptedOrder> {
  const pending = await pendingOrder(customerId);
  if (!pending) throw new ApiFailure(404, 'order_not_pending', 'There is no order waiting to be sent again.');
  const known = await call<OrderView>('GET', `/orders/${segment(pending.orderId)}`).catch((error: unknown) => {
    if (error instanceof ApiFailure && error.status === 404) return undefined;
    throw error;
  });
  if (known) return accepted(pending, known);
  return send(pending);
}

/** Forgets the order in flight, once the OPD has said it does not have it. */
export async function discardPending(customerId: string): Promise<void> {
  const pending = await pendingOrder(customerId);
  if (!pending) return;
  const known = await call<OrderView>('GET', `/orders/${segment(pending.orderId)}`).catch((error: unknown) => {
    if (error instanceof ApiFailure && error.status === 404) return undefined;
    throw error;
  });
  if (known) throw new ApiFailure(409, 'order_exists', `Order ${pending.orderId} was accepted: it is in your orders.`);
  await clearPending(customerId);
}

async function send(pending: PendingOrder): Promise<AcceptedOrder> {
  for (let attempt = 1; ; attempt++) {
    let placed: OrderView;
    try {
      placed = await call<OrderView>('POST', '/orders', { envelope: pending.envelope });
    } catch (error) {
      if (unreachable(error) && attempt < SEND_ATTEMPTS) {
        await sleep(500 * attempt);
        continue;
      }
      // The OPD refused it: nothing was ordered, and the same envelope would be refused again.
      if (!unreachable(error)) await clearPending(pending.customerId);
      throw error;
    }
    return accepted(pending, placed);
  }
}

/** The OPD accepted the order: its receipt is checked before anything says so. */
async function accepted(pending: PendingOrder, order: OrderView): Promise<AcceptedOrder> {
  await clearPending(pending.customerId);
  try {
    if (!order.receipt) throw new EvidenceError('receipt_missing', 'the OPD sent no receipt');
    const bundle = evidenceBundle({
      orderJws: pending.jws,
      customerKey: pending.customerKey,
      receiptJws: order.receipt,
      receiptKey: await receiptKeyFor(receiptKeyId(order.receipt)),
    });
    return { order, bundle, verified: await checkEvidence(WEB_EVIDENCE_CRYPTO, bundle) };
  } catch (error) {
    if (error instanceof EvidenceError)
      throw new EvidenceError(
        error.code,
        `The OPD answered that order ${order.orderId} is accepted, but its receipt failed a check: ${error.message}. Do not rely on this receipt; do not order again; contact the OPD.`,
      );
    throw error;
  }
}
