/**
 * Placing an order from the page, as `po order` does: the keys checked against this browser's pins, the claims (the
 * quoted prices, the total, the note) signed with the customer's non-extractable key and encrypted to the server key
 * (web/crypto/seal.ts: docs/envelope.md, byte for byte as po), the envelope kept before it is sent, sent — and, when
 * the answer is lost, sent again exactly as it was, never signed anew: the OPD answers the same signed order with the
 * original, so nothing is ordered twice. The kept envelope goes only when the OPD has settled it: accepted, or
 * refused when no earlier answer was lost (else it may have been taken: the OPD is asked). The receipt is checked with
 * the checks of `po verify` against the pinned receipt key before the page says "accepted".
 */
import { evidenceBundle } from '../../shared/evidence-format.js';
import { checkEvidence } from '../../shared/evidence.js';
import type { EvidenceBundle, VerifiedEvidence } from '../../shared/evidence.js';
import { EvidenceError } from '../../shared/errors.js';
import type { OrderItem } from '../../shared/envelope/claims.js';
import { checkOrderMatchesEvidence } from '../../shared/order-evidence.js';
import type { OrderView } from '../../shared/orders.js';
import { receiptKeyId } from '../../shared/receipt-format.js';
import { ORDER_LIMITS } from '../../shared/rules.js';
import { time } from '../common/format.js';
import { PageError } from '../common/page-error.js';
import { WEB_EVIDENCE_CRYPTO } from '../crypto/evidence-crypto.js';
import { sealOrderInPage } from '../crypto/seal.js';
import { ApiFailure, call, currentSession, segment } from './api.js';
import { browserSigner, clearPending, keepPending, pendingOrder } from './store.js';
import type { PendingOrder, StoredKey } from './store.js';
import { receiptKeyFor, trustedServerKey } from './trust.js';

/** Times an envelope is sent while its answer is lost, before the customer is asked. */
const SEND_ATTEMPTS = 3;
/**
 * How long after its signing an order may still be taken: the OPD's clock-skew window, and as much again for this
 * computer's clock being behind the OPD's. Until then an unanswered order is never discarded.
 */
const TAKEN_WITHIN_SECONDS = 2 * ORDER_LIMITS.maxClockSkewSeconds;

/** An accepted order, its receipt checked: the evidence bundle `po orders export` would write. */
export interface AcceptedOrder {
  readonly order: OrderView;
  readonly bundle: EvidenceBundle;
  readonly verified: VerifiedEvidence;
}

/** The OPD answered that the order is accepted, but its receipt could not be checked or failed a check. */
export class AcceptedUnchecked extends Error {
  readonly code: string;
  constructor(
    readonly orderId: string,
    cause: unknown,
  ) {
    const failed = cause instanceof EvidenceError || cause instanceof PageError;
    super(
      `The OPD answered that order ${orderId} is accepted, but its receipt ${failed ? `failed a check: ${(cause as Error).message}. Do not rely on this receipt; contact the OPD` : `could not be checked now (${cause instanceof Error ? cause.message : 'unknown'}); open the order later to check it`}. Do not order again.`,
    );
    this.name = 'AcceptedUnchecked';
    this.code = (cause as { code?: string } | undefined)?.code ?? 'receipt_unchecked';
  }
}

/** What the customer agreed to: the quoted lines and currency, and a note. */
export interface OrderRequest {
  readonly customerId: string;
  readonly items: readonly OrderItem[];
  readonly currency: string;
  readonly note?: string;
}

/** An answer that does not settle the order: it may have been taken, or not. */
const answerLost = (error: unknown) =>
  !(error instanceof ApiFailure) ||
  error.status === 0 ||
  error.status >= 500 ||
  [401, 403, 408, 429].includes(error.status) ||
  error.code === 'bad_response';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Signs, seals, keeps and sends an order with `key`.
 * @throws KeyChanged (nothing signed); PageError `order_pending` (another is in flight); ApiFailure (a refusal: the
 * order was not taken, unless an answer was lost first — then it is still kept); AcceptedUnchecked
 */
export async function placeOrder(request: OrderRequest, key: StoredKey): Promise<AcceptedOrder> {
  if (await pendingOrder(request.customerId))
    throw new PageError('order_pending', 'An order sent earlier has no answer yet: settle it first.');
  const server = await trustedServerKey();
  const prepared = await sealOrderInPage({ ...request, signer: browserSigner(key), server });
  const pending: PendingOrder = {
    customerId: request.customerId,
    orderId: prepared.claims.jti,
    signedAt: prepared.claims.iat,
    envelope: prepared.envelope,
    jws: prepared.jws,
    customerKey: { kid: key.kid, alg: key.alg, publicKeyPem: key.publicKeyPem },
  };
  await keepPending(pending);
  return send(pending, false);
}

/** The kept order as the OPD has it (a strongly consistent read), or `undefined` if it has not taken it. */
async function lookUp(pending: PendingOrder): Promise<OrderView | undefined> {
  try {
    return await call<OrderView>('GET', `/orders/${segment(pending.orderId)}`);
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 404) return undefined;
    throw error;
  }
}

/** Whether the kept order can no longer be taken by the OPD (its signing time is out of every window). */
const expired = (pending: PendingOrder) => Date.now() / 1000 > pending.signedAt + TAKEN_WITHIN_SECONDS;

/**
 * Sends the order in flight again, exactly as it was signed and sealed. Asks the OPD first whether it already has it
 * (an answer lost on the way): then that is the answer.
 */
export async function sendPending(customerId: string): Promise<AcceptedOrder> {
  const pending = await pendingOrder(customerId);
  if (!pending) throw new PageError('order_not_pending', 'There is no order waiting to be sent again.');
  const known = await lookUp(pending);
  if (known) return accepted(pending, known);
  return send(pending, true);
}

/**
 * Forgets the order in flight: only once it can no longer be taken and the OPD says it does not have it.
 * @throws PageError `order_in_flight` (it may still be taken), `order_exists` (it was)
 */
export async function discardPending(customerId: string): Promise<void> {
  const pending = await pendingOrder(customerId);
  if (!pending) return;
  if (!expired(pending))
    throw new PageError(
      'order_in_flight',
      `The OPD may still take this order until ${time(new Date((pending.signedAt + TAKEN_WITHIN_SECONDS) * 1000).toISOString())}: send it again, or wait until then to discard it.`,
    );
  if (await lookUp(pending))
    throw new PageError('order_exists', `Order ${pending.orderId} was taken: send it again to see its receipt.`);
  await clearPending(customerId, pending.orderId);
}

async function send(pending: PendingOrder, lostBefore: boolean): Promise<AcceptedOrder> {
  let lost = lostBefore;
  for (let attempt = 1; ; attempt++) {
    // Sent only under the session of the customer who signed it (another may have logged in meanwhile in this tab).
    if (currentSession()?.customerId !== pending.customerId)
      throw new PageError('session_changed', `The order of ${pending.customerId} is kept until they log in again.`);
    let placed: OrderView;
    try {
      placed = await call<OrderView>('POST', '/orders', { envelope: pending.envelope });
    } catch (error) {
      if (answerLost(error)) {
        lost = true;
        if (attempt < SEND_ATTEMPTS && !(error instanceof ApiFailure && error.status === 401)) {
          await sleep(500 * attempt);
          continue;
        }
        throw error;
      }
      // A refusal. After a lost answer the order may have been taken by then (the OPD checks the order ID last).
      if (lost) {
        const known = await lookUp(pending);
        if (known) return accepted(pending, known);
        if (!expired(pending)) throw error; // kept: it may still be taken by the attempt whose answer was lost
      }
      await clearPending(pending.customerId, pending.orderId);
      throw error;
    }
    return accepted(pending, placed);
  }
}

/**
 * The OPD accepted the order: it is never sent again, and its receipt is checked (against a pinned receipt key
 * only) before anything says "accepted"; the order as answered must be what the evidence proves.
 * @throws AcceptedUnchecked
 */
async function accepted(pending: PendingOrder, order: OrderView): Promise<AcceptedOrder> {
  try {
    if (!order.receipt) throw new EvidenceError('receipt_missing', 'the OPD sent no receipt');
    const bundle = evidenceBundle({
      orderJws: pending.jws,
      customerKey: pending.customerKey,
      receiptJws: order.receipt,
      receiptKey: await receiptKeyFor(receiptKeyId(order.receipt), true),
    });
    const verified = await checkEvidence(WEB_EVIDENCE_CRYPTO, bundle);
    checkOrderMatchesEvidence(order, verified);
    return { order, bundle, verified };
  } catch (error) {
    throw new AcceptedUnchecked(order.orderId, error);
  } finally {
    await clearPending(pending.customerId, pending.orderId);
  }
}
