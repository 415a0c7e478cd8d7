/**
 * The cart: the quote (the catalogue's prices now, in its currency), a note, and "Sign and send" — signed in this
 * browser with the customer's key, sealed to the OPD's server key, its receipt checked here before the page says
 * "accepted" (web/portal/ordering.ts). A changed OPD key stops the order with both fingerprints; an answer lost on
 * the network leaves the order kept, to be sent again as it was.
 */
import type { Catalogue } from '../../../contract/customer-api.js';
import { linesTotalCents } from '../../../shared/money.js';
import { ORDER_LIMITS } from '../../../shared/rules.js';
import { field, h, notice, replace, table } from '../../common/dom.js';
import { downloadButton, verdictBlock } from '../../common/evidence-view.js';
import { figure, money } from '../../common/format.js';
import { failure, show } from '../../common/view.js';
import type { ViewContext } from '../../common/view.js';
import { ApiFailure, call, currentSession } from '../api.js';
import { cartLines, emptyCart } from '../cart.js';
import { discardPending, placeOrder, sendPending } from '../ordering.js';
import type { AcceptedOrder } from '../ordering.js';
import { pendingOrder, storedKey } from '../store.js';
import { KeyChanged, trustNow } from '../trust.js';
import { keyChangedBlock } from './trust.js';

export async function cartView(context: ViewContext): Promise<void> {
  const customerId = currentSession()!.customerId;
  const [catalogue, key, pending, trust] = await Promise.all([
    call<Catalogue>('GET', '/products'),
    storedKey(customerId),
    pendingOrder(customerId),
    trustNow(),
  ]);
  if (!context.current()) return;
  const outcome = h('div', { class: 'outcome', 'aria-live': 'polite' });
  const products = new Map(catalogue.products.map((product) => [product.sku, product]));
  const wanted = cartLines();
  const unknown = wanted.filter((line) => !products.has(line.sku));
  const quote = wanted
    .filter((line) => products.has(line.sku))
    .map((line) => ({ ...line, product: products.get(line.sku)!, unitPriceCents: products.get(line.sku)!.priceCents }));
  const total = linesTotalCents(quote);

  if (pending) {
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
          void (async () => {
            try {
              await discardPending(customerId);
              context.refresh('The unanswered order was not received by the OPD; it is discarded.');
            } catch (error) {
              replace(outcome, failure(error));
            }
          })(),
      },
      'Discard it',
    );
    return show(
      context,
      'Cart',
      notice(
        'error',
        `Order ${pending.orderId} was sent but its answer never came. It is kept in this browser exactly as signed: sending it again cannot order twice.`,
      ),
      h('div', { class: 'buttons' }, again, discard),
      outcome,
    );
  }

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
    void act(send, () =>
      placeOrder(
        {
          customerId,
          items: quote.map(({ sku, qty, unitPriceCents }) => ({ sku, qty, unitPriceCents })),
          currency: catalogue.currency,
          ...(note.value === '' ? {} : { note: note.value }),
        },
        key!,
      ),
    );
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
    !key &&
      notice(
        'error',
        'This browser holds no signing key of yours yet. ',
        h('a', { href: '#/keys' }, 'Make or import one'),
        ' first.',
      ),
    trust.serverTrust.state === 'changed' && keyChangedBlock(new KeyChanged('server', trust.serverTrust), context),
    trust.receiptTrust.state === 'changed' && keyChangedBlock(new KeyChanged('receipt', trust.receiptTrust), context),
    !changed && quote.length > 0 && form,
    outcome,
  );

  /** Runs an order action with its button disabled, and draws what came of it. */
  async function act(button: HTMLButtonElement, action: () => Promise<AcceptedOrder>): Promise<void> {
    if (button.disabled) return;
    button.disabled = true;
    replace(outcome, h('p', { role: 'status' }, 'Signing, sealing and sending…'));
    try {
      const done = await action();
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
      button.disabled = false;
      if (error instanceof KeyChanged) return replace(outcome, keyChangedBlock(error, context));
      if (error instanceof ApiFailure && error.code === 'price_changed')
        return context.refresh('The OPD’s prices changed since the quote; nothing was ordered. Here is the new quote.');
      if (error instanceof ApiFailure && (error.status === 0 || error.status >= 500))
        return context.refresh(`The OPD could not be reached (${error.message}). Your order is kept in this browser.`);
      replace(outcome, failure(error));
    }
  }
}
