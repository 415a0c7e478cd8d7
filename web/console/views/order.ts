/**
 * One order: lines, total, note, status history, the email's state, and its evidence checked here in the page — the
 * customer's signature (PS256, ES256, EdDSA by WebCrypto; DS256 by web/crypto/dsa.ts) and the OPD's receipts, with
 * shared/evidence.ts's checks (those of `po verify`), each receipt key one the OPD publishes and not revoked before it
 * signed, and what the page shows of the order proven by that evidence. Fulfil and cancel, each after a confirmation;
 * the evidence bundle to download, the file `po orders export` writes.
 */
import { checkEvidence } from '../../../shared/evidence.js';
import type { EvidenceBundle } from '../../../shared/evidence.js';
import { EvidenceError } from '../../../shared/errors.js';
import {
  checkOrderMatchesEvidence,
  checkReceiptKeysPublished,
  orderEvidenceBundle,
  publishedReceiptKey,
} from '../../../shared/order-evidence.js';
import type { PublishedReceiptKeys } from '../../../shared/order-evidence.js';
import type { OrderView } from '../../../shared/orders.js';
import { opdCancellation } from '../../../shared/requests.js';
import { WEB_EVIDENCE_CRYPTO } from '../../crypto/evidence-crypto.js';
import { call, query, segment } from '../api.js';
import { downloadButton, verdictBlock } from '../../common/evidence-view.js';
import { history, orderLines } from '../../common/order-parts.js';
import type { Verdict } from '../../common/evidence-view.js';
import { facts, field, h, notice, replace } from '../../common/dom.js';
import { auditLink, link, money, time } from '../../common/format.js';
import { failure, show } from '../view.js';
import type { ConsoleContext } from '../view.js';

/**
 * Checks a bundle as the console does, online: every offline check of `po verify`, then the receipt keys against
 * what the OPD publishes now (`GET /receipt-keys`). `view`, when given, is the order the page shows beside it.
 */
export async function verdictOn(candidate: unknown, view?: OrderView): Promise<Verdict> {
  try {
    const published = await call<PublishedReceiptKeys>('GET', '/receipt-keys');
    const bundle =
      view === undefined
        ? (candidate as EvidenceBundle)
        : await orderEvidenceBundle(view, {
            receiptKey: (kid) => Promise.resolve(publishedReceiptKey(published, kid)),
            keyAlg: async (pem) => (await WEB_EVIDENCE_CRYPTO.customerKey(pem)).alg,
          });
    const verified = await checkEvidence(WEB_EVIDENCE_CRYPTO, bundle);
    checkReceiptKeysPublished(verified, published);
    if (view) checkOrderMatchesEvidence(view, verified);
    return { valid: true, bundle, verified };
  } catch (error) {
    if (error instanceof EvidenceError) return { valid: false, code: error.code, message: error.message };
    throw error;
  }
}

export async function orderView(context: ConsoleContext): Promise<void> {
  const id = context.args[0] ?? '';
  // Order IDs are the customers' own: when two customers chose the same one, the customer tells them apart.
  const customer = context.params.get('customer') ?? undefined;
  const path = `/admin/orders/${segment(id)}`;
  const order = await call<OrderView>('GET', `${path}${query({ customer })}`);
  const verdictSlot = h('div', { 'aria-live': 'polite' }, h('p', null, 'Checking the signature and the receipts…'));
  const outcome = h('div', { class: 'outcome', 'aria-live': 'polite' });
  const buttons: HTMLButtonElement[] = [];
  const button = (label: string, onclick: () => void, danger = false) => {
    const made = h('button', { type: 'button', ...(danger ? { class: 'danger' } : {}), onclick }, label);
    buttons.push(made);
    return made;
  };
  const actionable = order.status === 'accepted' && (context.can('orders:fulfil') || context.can('orders:cancel'));

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
    orderLines(order),
    history(order),
    h(
      'section',
      { 'aria-labelledby': 'evidence-heading' },
      h('h2', { id: 'evidence-heading' }, 'Evidence'),
      verdictSlot,
    ),
    h(
      'section',
      { 'aria-labelledby': 'actions-heading' },
      h('h2', { id: 'actions-heading' }, 'Actions'),
      actionable
        ? h(
            'div',
            { class: 'buttons' },
            context.can('orders:fulfil') && button('Fulfil…', () => confirmFulfil()),
            context.can('orders:cancel') && button('Cancel order…', () => confirmCancel(), true),
          )
        : h(
            'p',
            null,
            order.status === 'accepted'
              ? 'Your roles allow no action on it.'
              : `No action: the order is ${order.status}.`,
          ),
      outcome,
    ),
    h('p', null, context.can('audit:read') && auditLink(order.orderId, 'Audit trail of this order')),
  );

  try {
    const verdict = await verdictOn(undefined, order);
    replace(verdictSlot, verdictBlock(verdict), verdict.valid && downloadButton(verdict.verified, verdict.bundle));
  } catch (error) {
    replace(verdictSlot, failure(error)); // the receipt keys could not be read: say so, keep the order shown
  }

  function confirmFulfil(): void {
    const confirm = button(
      'Confirm: mark fulfilled',
      () => void act('fulfilled', () => call('POST', `${path}/fulfil${query({ customer: order.customerId })}`)),
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
    const reason = h('input', { id: 'cancel-reason', name: 'reason', required: true, autocomplete: 'off', size: 60 });
    const submit = h('button', { type: 'submit', class: 'danger' }, 'Confirm: cancel the order');
    buttons.push(submit);
    const status = h('div', { 'aria-live': 'polite' });
    const form = h(
      'form',
      { class: 'confirm', 'aria-label': 'Confirm cancellation' },
      h(
        'p',
        null,
        `Cancel order ${order.orderId}? Its stock comes back and ${money(order.totalCents, order.currency)} is refunded.`,
      ),
      field('Reason (the customer reads it)', reason),
      submit,
      ' ',
      h('button', { type: 'button', onclick: () => replace(outcome) }, 'Back'),
      status,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      // The API's own rule for a reason (one line of plain text, its length), before anything is sent.
      const checked = opdCancellation().safeParse({ reason: reason.value, customerId: order.customerId });
      if (!checked.success) return replace(status, notice('error', checked.error.issues[0]?.message ?? 'Invalid.'));
      void act('cancelled', () => call('POST', `${path}/cancel`, checked.data));
    });
    replace(outcome, form);
    reason.focus();
  }

  /**
   * Sends the change once — every action button is disabled at the first confirmation, so a double click or a second
   * "Fulfil…" sends nothing more — then draws the order anew, its evidence checked again, with the news above it.
   */
  async function act(becomes: string, change: () => Promise<unknown>): Promise<void> {
    if (buttons.some((each) => each.disabled)) return;
    for (const each of buttons) each.disabled = true;
    try {
      await change();
    } catch (error) {
      for (const each of buttons) each.disabled = false;
      replace(outcome, failure(error));
      return;
    }
    context.refresh(`Order ${order.orderId} is now ${becomes}: its evidence is checked again below.`);
  }
}
