/**
 * The cart: the quote (the catalogue's prices now, in its currency), a note, and "Sign and send" — signed in this
 * browser with the customer's key, sealed to the OPD's server key, its receipt checked here before the page says
 * "accepted" (web/portal/ordering.ts). A changed OPD key stops the order with both fingerprints; keys trusted for the
 * first time are shown; an answer lost on the network leaves the order kept, to be sent again as it was.
 */
import type { Catalogue, OwnKeysView } from '../../../contract/customer-api.js';
import { linesTotalCents } from '../../../shared/money.js';
import { ORDER_LIMITS } from '../../../shared/rules.js';
import { facts, field, h, notice, replace, table } from '../../common/dom.js';
import { downloadButton, verdictBlock } from '../../common/evidence-view.js';
import { figure, money, time } from '../../common/format.js';
import { failure, show } from '../../common/view.js';
import type { ViewContext } from '../../common/view.js';
import { ApiFailure, call, currentSession } from '../api.js';
import { cartLines, emptyCart } from '../cart.js';
import { AcceptedUnchecked, discardPending, placeOrder, sendPending } from '../ordering.js';
import type { AcceptedOrder } from '../ordering.js';
import { pendingOrder, storedKey } from '../store.js';
import type { PendingOrder } from '../store.js';
import { KeyChanged, trustNow } from '../trust.js';
import type { TrustNow } from '../trust.js';
import { keyChangedBlock } from './trust.js';

export async function cartView(context: ViewContext): Promise<void> {
  const customerId = currentSession()!.customerId;
  const [catalogue, held, pending, trust, account] = await Promise.all([
    call<Catalogue>('GET', '/products'),
    storedKey(customerId),
    pendingOrder(customerId),
    trustNow(),
    call<OwnKeysView>('GET', '/account/keys'),
  ]);
  // Only a key the OPD has registered, and not revoked, signs an order it accepts: any other would be refused.
  const key = held && account.keys.some((k) => k.keyId === held.kid && k.status === 'active') ? held : undefined;
  if (!context.current()) return;
  const outcome = h('div', { class: 'outcome', 'aria-live': 'polite' });
  if (pending) return show(context, 'Cart', pendingBlock(pending), outcome);

  const products = new Map(catalogue.products.map((product) => [product.sku, product]));
  const wanted = cartLines();
  const unknown = wanted.filter((line) => !products.has(line.sku));
  const quote = wanted
    .filter((line) => products.has(line.sku))
    .map((line) => ({ ...line, product: products.get(line.sku)!, unitPriceCents: products.get(line.sku)!.priceCents }));
  const total = linesTotalCents(quote);
  const note = h('textarea', { id: 'order-note', maxlength: ORDER_LIMITS.maxNoteLength, rows: 3 });
  const send = h(
    'button',
    { type: 'submit', disabled: quote.length === 0 || !key },
    `Sign and send order for ${money(total, catalogue.currency)}`,
  );
  const form = h(
    'form',
    null,
    field(`Note for the OPD (optional, at most ${ORDER_LIMITS.maxNoteLength} characters, signed with the order)`, note),
    send,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const items = quote.map(({ sku, qty, unitPriceCents }) => ({ sku, qty, unitPriceCents }));
    const request = { customerId, items, currency: catalogue.currency, ...(note.value ? { note: note.value } : {}) };
    void act(send, () => placeOrder(request, key!));
  });
  const changed = [trust.serverTrust, trust.receiptTrust].some((state) => state.state === 'changed');
  show(
    context,
    'Cart',
    unknown.length > 0 &&
      notice('error', `No longer in the catalogue, left out: ${unknown.map((line) => line.sku).join(', ')}`),
    table(
      `Quote from the OPD (${catalogue.currency}): the prices you sign`,
      ['SKU', 'Name', 'Quantity', 'Unit price', 'Line total'],
      quote.map((line) => [
        figure(line.sku),
        line.product.name,
        figure(String(line.qty)),
        figure(money(line.unitPriceCents, catalogue.currency)),
        figure(money(line.qty * line.unitPriceCents, catalogue.currency)),
      ]),
      'The cart is empty: choose products in the catalogue.',
    ),
    quote.length > 0 && h('p', { class: 'total' }, `Total ${money(total, catalogue.currency)}`),
    quote
      .filter((line) => line.product.stock < line.qty)
      .map((line) =>
        notice('error', `Only ${line.product.stock} of ${line.sku} in stock now: the OPD will refuse more.`),
      ),
    held &&
      !key &&
      notice(
        'error',
        `The key in this browser (${held.kid}) is not registered with the OPD, or was revoked. `,
        h('a', { href: '#/keys' }, 'Register it, or make another'),
        ' first.',
      ),
    !held &&
      notice(
        'error',
        'This browser holds no signing key of yours yet. ',
        h('a', { href: '#/keys' }, 'Make or import one'),
        ' first.',
      ),
    trust.serverTrust.state === 'changed' && keyChangedBlock(new KeyChanged('server', trust.serverTrust), context),
    trust.receiptTrust.state === 'changed' && keyChangedBlock(new KeyChanged('receipt', trust.receiptTrust), context),
    !changed && quote.length > 0 && firstUse(trust),
    !changed && quote.length > 0 && form,
    outcome,
  );

  /** The order whose answer never came: send it again (as it was), or discard it once it can no longer be taken. */
  function pendingBlock(kept: PendingOrder): HTMLElement {
    const again = h(
      'button',
      { type: 'button', onclick: () => void act(again, () => sendPending(customerId)) },
      'Send it again',
    );
    const discard = h(
      'button',
      {
        type: 'button',
        class: 'danger',
        onclick: () =>
          void discardPending(customerId).then(
            () => context.refresh(`Order ${kept.orderId} was not taken by the OPD; it is discarded.`),
            (error: unknown) => replace(outcome, failure(error)),
          ),
      },
      'Discard it',
    );
    return h(
      'div',
      null,
      notice(
        'error',
        `Order ${kept.orderId}, signed ${time(new Date(kept.signedAt * 1000).toISOString())}, was sent but its answer never came. It is kept in this browser exactly as signed: sending it again cannot order twice.`,
      ),
      h('div', { class: 'buttons' }, again, discard),
    );
  }

  /** Runs an order action with its button disabled, and draws what came of it — if the page is still this one's. */
  async function act(button: HTMLButtonElement, action: () => Promise<AcceptedOrder>): Promise<void> {
    if (button.disabled) return;
    button.disabled = true;
    replace(outcome, h('p', { role: 'status' }, 'Signing, sealing and sending…'));
    const still = () => context.current() && currentSession()?.customerId === customerId;
    try {
      const done = await action();
      if (!still()) return;
      emptyCart();
      show(
        context,
        'Order accepted',
        notice('ok', `Order ${done.order.orderId} accepted. The OPD's receipt was checked in this browser.`),
        verdictBlock({ valid: true, bundle: done.bundle, verified: done.verified }),
        h(
          'div',
          { class: 'buttons' },
          downloadButton(done.verified, done.bundle),
          h('a', { href: `#/orders/${encodeURIComponent(done.order.orderId)}` }, 'See the order'),
        ),
      );
      context.main.focus(); // the new heading is read next
    } catch (error) {
      if (!still()) return;
      if (error instanceof AcceptedUnchecked) {
        emptyCart(); // the OPD took it: the cart must not offer it again
        return show(
          context,
          'Order accepted, receipt not checked',
          failure(error),
          h('a', { href: `#/orders/${encodeURIComponent(error.orderId)}` }, 'See the order'),
        );
      }
      if (error instanceof KeyChanged) return replace(outcome, keyChangedBlock(error, context));
      if (error instanceof ApiFailure && error.code === 'price_changed')
        return context.refresh('The OPD’s prices changed since the quote; nothing was ordered. Here is the new quote.');
      // Kept (its answer lost) or not (refused): draw the cart again as it now is, with what happened above it.
      const kept = await pendingOrder(customerId);
      if (kept) {
        replace(outcome); // its "Signing, sealing and sending…" is over
        return show(context, 'Cart', failure(error), pendingBlock(kept), outcome);
      }
      button.disabled = false;
      replace(outcome, failure(error));
    }
  }
}

/** The keys the first order from this browser will trust: shown, so the customer can check them with the OPD. */
function firstUse(trust: TrustNow): HTMLElement | false {
  const entries: Array<[string, string]> = [];
  if (trust.serverTrust.state === 'first-use')
    entries.push([
      'Server key (orders are encrypted to it)',
      `${trust.server.kid} · fingerprint ${trust.server.fingerprint}`,
    ]);
  if (trust.receiptTrust.state === 'first-use')
    entries.push(['Receipt key (it signs your receipts)', `${trust.receipt.kid} · its ID is its fingerprint`]);
  if (entries.length === 0) return false;
  return h(
    'div',
    { class: 'first-use' },
    h(
      'p',
      null,
      'This browser trusts no key of the OPD yet. Sending this order trusts these from now on, as po does; you may check them with the OPD:',
    ),
    facts(entries),
  );
}
