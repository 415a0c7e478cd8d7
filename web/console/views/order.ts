/**
 * One order: lines, total, note, status history, the email's state, and its evidence checked here in the page — the
 * customer's signature (PS256, ES256, EdDSA by WebCrypto; DS256 by web/crypto/dsa.ts) and the OPD's receipt (EdDSA,
 * against `GET /receipt-keys`) — with shared/evidence.ts's checks, the ones `po verify` runs. The console trusts the
 * API's answer no more than a customer would: a tampered signature or receipt shows as invalid, with its code.
 * Fulfil and cancel, each after a confirmation; the evidence bundle to download, the file `po orders export` writes.
 */
import type { ReceiptKeyJwk } from '../../../shared/evidence-format.js';
import { evidenceFileText } from '../../../shared/evidence-format.js';
import { checkEvidence } from '../../../shared/evidence.js';
import type { EvidenceBundle, VerifiedEvidence } from '../../../shared/evidence.js';
import { EvidenceError } from '../../../shared/errors.js';
import { orderEvidenceBundle } from '../../../shared/order-evidence.js';
import type { OrderView } from '../../../shared/orders.js';
import { WEB_EVIDENCE_CRYPTO } from '../../crypto/evidence-crypto.js';
import { call, segment } from '../api.js';
import { failure, show } from '../view.js';
import type { ViewContext } from '../view.js';
import { facts, field, h, notice, replace, table } from '../dom.js';
import type { Child } from '../dom.js';
import { auditLink, link, money, time } from '../format.js';

/** `GET /receipt-keys`: every receipt key the OPD ever signed with, and the revoked ones. */
interface ReceiptKeySet {
  readonly keys: ReceiptKeyJwk[];
  readonly current?: string;
  readonly revoked: ReadonlyArray<{ readonly kid: string; readonly signsNoMoreAfter: string }>;
}

/** The verdict on an order's evidence: what it proves, or the first check that failed. */
export type Verdict =
  | { readonly valid: true; readonly bundle: EvidenceBundle; readonly verified: VerifiedEvidence }
  | { readonly valid: false; readonly code: string; readonly message: string };

/** Assembles an order's bundle from the API's answer and the published receipt keys, and checks it in full. */
export async function checkOrderEvidence(order: OrderView): Promise<Verdict> {
  try {
    const published = await call<ReceiptKeySet>('GET', '/receipt-keys');
    const bundle = await orderEvidenceBundle(order, {
      receiptKey: (kid) => {
        const key = published.keys.find((candidate) => candidate.kid === kid);
        if (!key) throw new EvidenceError('evidence_key_invalid', `the OPD publishes no receipt key ${kid}`);
        return Promise.resolve(key);
      },
      keyAlg: async (pem) => (await WEB_EVIDENCE_CRYPTO.customerKey(pem)).alg,
    });
    const verified = await checkEvidence(WEB_EVIDENCE_CRYPTO, bundle);
    return { valid: true, bundle, verified };
  } catch (error) {
    if (error instanceof EvidenceError) return { valid: false, code: error.code, message: error.message };
    throw error;
  }
}

/** The verdict as a block: valid with what was checked, or invalid with the failed check's code. */
export function verdictBlock(verdict: Verdict): HTMLElement {
  if (!verdict.valid)
    return h(
      'div',
      { class: 'verdict invalid', role: 'alert' },
      h('p', null, h('strong', null, 'Evidence INVALID'), ' — ', verdict.message, ' ', h('code', null, verdict.code)),
    );
  const { verified } = verdict;
  return h(
    'div',
    { class: 'verdict valid', role: 'status' },
    h('p', null, h('strong', null, 'Evidence valid'), ' — checked in this browser'),
    facts([
      [
        "Customer's signature",
        `${verified.customerKey.alg}, key ${verified.customerKey.kid}${verified.customerKey.kid === verified.customerKey.fingerprint ? ' (its fingerprint)' : ` (fingerprint ${verified.customerKey.fingerprint})`}`,
      ],
      [
        "OPD's receipt",
        `EdDSA, key ${verified.receiptKey.kid}, accepted ${new Date(verified.receipt.iat * 1000).toISOString()}`,
      ],
      ...(verified.cancellation
        ? ([
            [
              'Cancellation receipt',
              `by ${verified.cancellation.receipt.cancelledBy}, refund ${money(verified.cancellation.receipt.refundCents, verified.cancellation.receipt.currency)}`,
            ],
          ] as const)
        : []),
    ]),
  );
}

/** A button that saves the bundle as `<order ID>.evidence.json`. */
function downloadButton(orderId: string, bundle: EvidenceBundle): HTMLButtonElement {
  return h(
    'button',
    {
      type: 'button',
      onclick: () => {
        const url = URL.createObjectURL(new Blob([evidenceFileText(bundle)], { type: 'application/json' }));
        const anchor = document.createElement('a');
        anchor.href = url;
        anchor.download = `${orderId}.evidence.json`;
        anchor.click();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      },
    },
    'Download evidence',
  );
}

function history(order: OrderView): Child {
  const rows: Child[][] = [['accepted', time(order.acceptedAt), `signed ${time(order.signedAt)}`]];
  if (order.fulfilledAt) rows.push(['fulfilled', time(order.fulfilledAt), '']);
  if (order.cancellation && order.cancelledAt)
    rows.push([
      'cancelled',
      time(order.cancelledAt),
      order.cancellation.by === 'opd'
        ? `by the OPD (${order.cancellation.actor}): ${order.cancellation.reason ?? ''}`
        : `by the customer (${order.cancellation.actor})`,
    ]);
  return table('Status history', ['Status', 'When', 'Detail'], rows);
}

export async function orderView(context: ViewContext): Promise<void> {
  const id = context.args[0] ?? '';
  const order = await call<OrderView>('GET', `/admin/orders/${segment(id)}`);
  const evidence = h(
    'section',
    { 'aria-labelledby': 'evidence-heading' },
    h('h2', { id: 'evidence-heading' }, 'Evidence'),
  );
  const verdictSlot = h('div', { 'aria-live': 'polite' }, h('p', null, 'Checking the signature and the receipt…'));
  evidence.append(verdictSlot);
  const actions = h('section', { 'aria-labelledby': 'actions-heading' }, h('h2', { id: 'actions-heading' }, 'Actions'));
  const outcome = h('div', { class: 'outcome', 'aria-live': 'polite' });

  show(
    context,
    `Order ${order.orderId}`,
    facts([
      [
        'Customer',
        context.can('accounts:read') ? link(order.customerId, 'customer', order.customerId) : order.customerId,
      ],
      ['Status', h('strong', { class: `status ${order.status}` }, order.status)],
      ['Total', money(order.totalCents, order.currency)],
      ['Note', order.note === undefined ? '—' : h('span', { class: 'note' }, order.note)],
      ['Email', `${order.email.status}${order.email.sentAt ? ` at ${time(order.email.sentAt)}` : ''}`],
      ['Ledger entry', order.ledgerEntry === undefined ? '—' : String(order.ledgerEntry)],
    ]),
    table(
      'Lines',
      ['SKU', 'Quantity', 'Unit price', 'Line total'],
      order.lines.map((line) => [
        line.sku,
        String(line.qty),
        money(line.unitPriceCents, order.currency),
        money(line.lineTotalCents, order.currency),
      ]),
    ),
    history(order),
    evidence,
    actions,
    h('p', null, context.can('audit:read') && auditLink(order.orderId, 'Audit trail of this order')),
  );

  if (order.status === 'accepted' && (context.can('orders:fulfil') || context.can('orders:cancel'))) {
    actions.append(
      h(
        'div',
        { class: 'buttons' },
        context.can('orders:fulfil') && h('button', { type: 'button', onclick: () => confirmFulfil() }, 'Fulfil…'),
        context.can('orders:cancel') &&
          h('button', { type: 'button', class: 'danger', onclick: () => confirmCancel() }, 'Cancel order…'),
      ),
      outcome,
    );
  } else
    actions.append(
      h(
        'p',
        null,
        order.status === 'accepted' ? 'Your roles allow no action on it.' : `No action: the order is ${order.status}.`,
      ),
    );

  const verdict = await checkOrderEvidence(order);
  replace(verdictSlot, verdictBlock(verdict), verdict.valid && downloadButton(order.orderId, verdict.bundle));

  function confirmFulfil(): void {
    const confirm = h(
      'button',
      {
        type: 'button',
        onclick: () =>
          void act(confirm, () => call<OrderView>('POST', `/admin/orders/${segment(order.orderId)}/fulfil`)),
      },
      'Confirm: mark fulfilled',
    );
    replace(
      outcome,
      h(
        'div',
        { class: 'confirm', role: 'group', 'aria-label': 'Confirm fulfilment' },
        h(
          'p',
          null,
          `Mark order ${order.orderId} (${money(order.totalCents, order.currency)} to ${order.customerId}) as shipped?`,
        ),
        confirm,
        ' ',
        h('button', { type: 'button', onclick: () => replace(outcome) }, 'Back'),
      ),
    );
    confirm.focus();
  }

  function confirmCancel(): void {
    const reason = h('textarea', { id: 'cancel-reason', name: 'reason', rows: 3, required: true, maxlength: 500 });
    const form = h(
      'form',
      { class: 'confirm', 'aria-label': 'Confirm cancellation' },
      h(
        'p',
        null,
        `Cancel order ${order.orderId}? Its stock comes back and ${money(order.totalCents, order.currency)} is refunded.`,
      ),
      field('Reason (the customer reads it)', reason),
      h('button', { type: 'submit', class: 'danger' }, 'Confirm: cancel the order'),
      ' ',
      h('button', { type: 'button', onclick: () => replace(outcome) }, 'Back'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const submit = form.querySelector('button[type="submit"]') as HTMLButtonElement;
      void act(submit, () =>
        call<OrderView>('POST', `/admin/orders/${segment(order.orderId)}/cancel`, { reason: reason.value }),
      );
    });
    replace(outcome, form);
    reason.focus();
  }

  /** Sends the change once (the button is disabled at once: a double click sends one), then shows the order anew. */
  async function act(button: HTMLButtonElement, change: () => Promise<OrderView>): Promise<void> {
    if (button.disabled) return;
    button.disabled = true;
    try {
      const after = await change();
      const refreshed = await call<OrderView>('GET', `/admin/orders/${segment(after.orderId)}`);
      const verdictAfter = await checkOrderEvidence(refreshed);
      replace(
        outcome,
        notice('ok', `Order ${after.orderId} is now ${after.status}.`),
        verdictBlock(verdictAfter),
        h(
          'p',
          null,
          h('button', { type: 'button', onclick: () => context.refresh() }, 'Show the order'),
          ' ',
          h('a', { href: '#/queue' }, 'Back to the queue'),
        ),
      );
      outcome.querySelector('button')?.focus();
    } catch (error) {
      button.disabled = false;
      replace(outcome, failure(error));
    }
  }
}
