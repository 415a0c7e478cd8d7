/**
 * One of the customer's orders: what the OPD shows of it — only next to its evidence, checked here in the browser
 * with the checks of `po verify` (the receipt keys from this browser's pins or, for an older key, as the OPD publishes
 * them) — the evidence to download, and "Cancel", signed in this browser with the customer's key.
 */
import type { OrderView } from '../../../contract/customer-api.js';
import { checkEvidence } from '../../../shared/evidence.js';
import { EvidenceError } from '../../../shared/errors.js';
import {
  checkOrderMatchesEvidence,
  checkReceiptKeysPublished,
  orderEvidenceBundle,
} from '../../../shared/order-evidence.js';
import { WEB_EVIDENCE_CRYPTO } from '../../crypto/evidence-crypto.js';
import { signCancellationInPage } from '../../crypto/seal.js';
import { facts, h, replace } from '../../common/dom.js';
import { downloadButton, verdictBlock } from '../../common/evidence-view.js';
import type { Verdict } from '../../common/evidence-view.js';
import { money, time } from '../../common/format.js';
import { history, orderLines } from '../../common/order-parts.js';
import { failure, show } from '../../common/view.js';
import type { ViewContext } from '../../common/view.js';
import { call, currentSession, segment } from '../api.js';
import { browserSigner, storedKey } from '../store.js';
import { publishedReceiptKeys, receiptKeyFor } from '../trust.js';

/** The order's evidence, assembled from the OPD's answer and checked in full; and the answer against it. */
async function verdictOf(order: OrderView): Promise<Verdict> {
  try {
    // Read once: the keys an older receipt is checked with, and the list its keys must be on (and not revoked).
    const { published } = await publishedReceiptKeys();
    const bundle = await orderEvidenceBundle(order, {
      receiptKey: (kid) => receiptKeyFor(kid, false, published),
      keyAlg: async (pem) => (await WEB_EVIDENCE_CRYPTO.customerKey(pem)).alg,
    });
    const verified = await checkEvidence(WEB_EVIDENCE_CRYPTO, bundle);
    // Online, as the console: each receipt's key is one the OPD publishes, and did not sign after its revocation.
    checkReceiptKeysPublished(verified, published);
    checkOrderMatchesEvidence(order, verified);
    return { valid: true, bundle, verified };
  } catch (error) {
    if (error instanceof EvidenceError) return { valid: false, code: error.code, message: error.message };
    throw error;
  }
}

export async function orderView(context: ViewContext): Promise<void> {
  const customerId = currentSession()!.customerId;
  const order = await call<OrderView>('GET', `/orders/${segment(context.args[0] ?? '')}`);
  const verdict = await verdictOf(order);
  if (!context.current()) return;
  const outcome = h('div', { class: 'outcome', 'aria-live': 'polite' });
  const proven = verdict.valid;
  show(
    context,
    `Order ${order.orderId}`,
    verdictBlock(verdict),
    // What the OPD says of the order is shown only when its evidence proves it.
    proven && [
      facts([
        ['Status', h('strong', { class: `status ${order.status}` }, order.status)],
        ['Total', money(order.totalCents, order.currency)],
        ['Signed', time(order.signedAt)],
        ['Note', order.note === undefined ? '—' : h('span', { class: 'note' }, order.note)],
        ['Ledger entry', order.ledgerEntry === undefined ? '—' : String(order.ledgerEntry)],
      ]),
      orderLines(order),
      history(order),
      h(
        'div',
        { class: 'buttons' },
        downloadButton(verdict.verified, verdict.bundle),
        order.status === 'accepted' && cancelButton(),
      ),
    ],
    outcome,
  );

  function cancelButton(): HTMLButtonElement {
    const button = h('button', { type: 'button', class: 'danger', onclick: () => confirmCancel() }, 'Cancel order…');
    return button;
  }

  function confirmCancel(): void {
    if (!verdict.valid) return;
    const opdId = verdict.verified.receipt.iss; // the OPD as its checked receipt names it: the request's audience
    const confirm = h(
      'button',
      {
        type: 'button',
        class: 'danger',
        onclick: () =>
          void (async () => {
            if (confirm.disabled) return;
            confirm.disabled = true;
            try {
              const key = await storedKey(customerId);
              if (!key) throw new Error('This browser holds no signing key of yours: make or import one in Keys.');
              const cancellation = await signCancellationInPage({
                customerId,
                opdId,
                orderId: order.orderId,
                signer: browserSigner(key),
              });
              await call<OrderView>('POST', `/orders/${segment(order.orderId)}/cancel`, { cancellation });
              context.refresh(
                `The OPD answered that order ${order.orderId} is cancelled: its evidence, the cancellation receipt included, is checked below.`,
              );
            } catch (error) {
              confirm.disabled = false;
              replace(outcome, failure(error));
            }
          })(),
      },
      'Confirm: sign and send the cancellation',
    );
    replace(
      outcome,
      h(
        'div',
        { class: 'confirm', role: 'group', 'aria-label': 'Confirm cancellation' },
        h(
          'p',
          null,
          `Cancel order ${order.orderId}? The stock goes back and ${money(order.totalCents, order.currency)} is refunded to your account. The request is signed with your key.`,
        ),
        confirm,
        ' ',
        h('button', { type: 'button', onclick: () => replace(outcome) }, 'Back'),
      ),
    );
    confirm.focus();
  }
}
