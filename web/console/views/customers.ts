/**
 * Customers: the list (paged, with a jump to an ID), and one customer — balance, ledger (paged), keys with their
 * status, lock state — with what the roles allow: credit or adjust (exactly once: one idempotency key per form, sent
 * again only by a retry of the same form), unlock, add and revoke keys.
 */
import type { CustomerDetail, CustomerKey, CustomerPage } from '../../../contract/admin-api.js';
import type { LedgerEntryView } from '../../../shared/accounts.js';
import { credit as creditRequest } from '../../../shared/requests.js';
import { call, idempotencyKey, query, segment } from '../api.js';
import { failure, show } from '../view.js';
import type { ConsoleContext } from '../view.js';
import { facts, field, h, notice, replace, table } from '../../common/dom.js';
import { auditLink, figure, link, money, orderLink, time, withQuery } from '../../common/format.js';

export async function customersView(context: ConsoleContext): Promise<void> {
  const cursor = context.params.get('cursor') ?? undefined;
  const page = await call<CustomerPage>('GET', `/admin/customers${query({ cursor })}`);
  const wanted = h('input', { id: 'find-customer', name: 'customerId', autocomplete: 'off', required: true });
  const find = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Find a customer' },
    field('Customer ID', wanted),
    h('button', { type: 'submit' }, 'Open'),
  );
  find.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `#/customer/${encodeURIComponent(wanted.value.trim())}`;
  });
  show(
    context,
    'Customers',
    find,
    table(
      'Customers, by ID',
      ['Customer', 'Email', 'Balance', 'Logins', 'Since'],
      page.customers.map((customer) => [
        link(customer.customerId, 'customer', customer.customerId),
        customer.email,
        figure(money(customer.balanceCents, customer.currency)),
        customer.disabled ? 'disabled' : customer.locked ? 'locked' : 'open',
        time(customer.createdAt),
      ]),
      'No customers.',
    ),
    h(
      'p',
      { class: 'paging' },
      cursor && withQuery('customers', {}, 'First page'),
      ' ',
      page.next && withQuery('customers', { cursor: page.next }, 'Next page'),
    ),
  );
}

export async function customerView(context: ConsoleContext): Promise<void> {
  const id = context.args[0] ?? '';
  const cursor = context.params.get('cursor') ?? undefined;
  const path = `/admin/customers/${segment(id)}`;
  const customer = await call<CustomerDetail>('GET', `${path}${query({ cursor })}`);
  const outcome = h('div', { 'aria-live': 'polite' });
  const ledgerRows = customer.ledger.map((entry: LedgerEntryView) => [
    String(entry.entry),
    time(entry.at),
    entry.type,
    figure(money(entry.amountCents, entry.currency)),
    figure(money(entry.balanceAfterCents, entry.currency)),
    entry.orderId ? orderLink(entry.orderId, customer.customerId) : (entry.reference ?? ''),
    entry.actor,
  ]);
  const canKeys = context.can('customer-keys:write');
  show(
    context,
    `Customer ${customer.customerId}`,
    facts([
      ['Email', customer.email],
      ['Balance', h('strong', { class: 'balance' }, money(customer.balanceCents, customer.currency))],
      [
        'Logins',
        customer.disabledAt
          ? `disabled since ${time(customer.disabledAt)}`
          : customer.lock.locked
            ? `locked${customer.lock.until ? ` until ${time(customer.lock.until)}` : ''} after ${customer.lock.failedLogins} failed logins`
            : `open (${customer.lock.failedLogins} failed logins)`,
      ],
      ['Customer since', time(customer.createdAt)],
    ]),
    h(
      'p',
      null,
      context.can('orders:read') && withQuery('queue', { customer: customer.customerId }, 'Orders of this customer'),
      context.can('orders:read') && context.can('audit:read') && ' · ',
      context.can('audit:read') && auditLink(customer.customerId, 'Audit trail of this customer'),
    ),
    outcome,
    context.can('customers:write') &&
      customer.lock.locked &&
      h(
        'button',
        { type: 'button', onclick: (event) => void unlock(event.currentTarget as HTMLButtonElement) },
        'Unlock logins',
      ),
    context.can('accounts:credit') && creditForm(),
    table(
      'Keys',
      ['Key ID', 'Algorithm', 'Status', 'Added', ...(canKeys ? ['Action'] : [])],
      customer.keys.map((key) => [
        h('code', null, key.keyId),
        key.alg,
        key.status,
        time(key.addedAt),
        ...(canKeys
          ? [
              key.status === 'active'
                ? h(
                    'button',
                    {
                      type: 'button',
                      class: 'danger',
                      'aria-label': `Revoke key ${key.keyId}`,
                      onclick: (event) =>
                        void revokeKey(
                          event.currentTarget as HTMLButtonElement,
                          key.keyId,
                          (event as MouseEvent).detail,
                        ),
                    },
                    'Revoke',
                  )
                : '',
            ]
          : []),
      ]),
      'No keys.',
    ),
    canKeys && addKeyForm(),
    table(
      'Ledger, newest first',
      ['Entry', 'When', 'Type', 'Amount', 'Balance after', 'Order or reference', 'By'],
      ledgerRows,
    ),
    h(
      'p',
      { class: 'paging' },
      cursor && withQuery(`customer/${encodeURIComponent(customer.customerId)}`, {}, 'Newest entries'),
      ' ',
      customer.next &&
        withQuery(`customer/${encodeURIComponent(customer.customerId)}`, { cursor: customer.next }, 'Older entries'),
    ),
  );

  function creditForm(): HTMLElement {
    const amount = h('input', {
      id: 'credit-amount',
      name: 'amount',
      inputmode: 'decimal',
      required: true,
      autocomplete: 'off',
    });
    const reference = h('input', { id: 'credit-reference', name: 'reference', required: true, autocomplete: 'off' });
    const submit = h('button', { type: 'submit' }, 'Apply');
    const status = h('div', { 'aria-live': 'polite' });
    // One key per intended change: a double click, or a retry after a lost answer, is the same change, applied once;
    // an edited amount or reference is another change, with a key of its own.
    let key = idempotencyKey();
    const newChange = () => {
      key = idempotencyKey();
    };
    amount.addEventListener('input', newChange);
    reference.addEventListener('input', newChange);
    const form = h(
      'form',
      { class: 'credit', 'aria-label': 'Credit or adjust the balance' },
      h('h2', null, 'Credit or adjust'),
      h('p', null, `In ${customer.currency}; a negative amount takes money back (adjustment).`),
      field('Amount', amount),
      field('Reference', reference),
      submit,
      status,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (submit.disabled) return;
      const cents = centsOf(amount.value);
      const body = { amountCents: cents ?? Number.NaN, reference: reference.value };
      const checked = creditRequest().safeParse(body);
      if (cents === undefined || !checked.success) {
        replace(
          status,
          notice(
            'error',
            cents === undefined
              ? 'The amount must be a number with at most two decimals, e.g. 25.00 or -5.50.'
              : (checked.error?.issues[0]?.message ?? 'Invalid.'),
          ),
        );
        return;
      }
      submit.disabled = true;
      void (async () => {
        try {
          const entry = await call<LedgerEntryView>('POST', `${path}/credit`, checked.data, key);
          key = idempotencyKey();
          replace(
            status,
            notice(
              'ok',
              `Entry ${entry.entry}: ${money(entry.amountCents, entry.currency)}, balance ${money(entry.balanceAfterCents, entry.currency)}.`,
            ),
          );
          context.refresh();
        } catch (error) {
          submit.disabled = false;
          replace(status, failure(error));
        }
      })();
    });
    return form;
  }

  function addKeyForm(): HTMLElement {
    const pem = h('textarea', { id: 'key-pem', name: 'publicKeyPem', rows: 6, required: true, spellcheck: 'false' });
    const keyId = h('input', {
      id: 'key-id',
      name: 'keyId',
      autocomplete: 'off',
      placeholder: 'default: the fingerprint',
    });
    const status = h('div', { 'aria-live': 'polite' });
    const form = h(
      'form',
      { class: 'add-key', 'aria-label': 'Add a key' },
      h('h2', null, 'Add a key'),
      field('Public key (SPKI PEM)', pem),
      field('Key ID (optional)', keyId),
      h('button', { type: 'submit' }, 'Add key'),
      status,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const button = form.querySelector('button') as HTMLButtonElement;
      if (button.disabled) return;
      button.disabled = true;
      void call<CustomerKey>('POST', `${path}/keys`, {
        publicKeyPem: pem.value,
        ...(keyId.value.trim() ? { keyId: keyId.value.trim() } : {}),
      })
        .then(() => context.refresh())
        .catch((error: unknown) => {
          button.disabled = false;
          replace(status, failure(error));
        });
    });
    return form;
  }

  async function revokeKey(button: HTMLButtonElement, keyId: string, clicks: number): Promise<void> {
    if (button.dataset.confirm !== 'yes') {
      button.dataset.confirm = 'yes';
      button.textContent = 'Confirm revoke';
      button.setAttribute('aria-label', `Confirm: revoke key ${keyId}`);
      return;
    }
    if (clicks > 1) return; // the second click of a double click is not a confirmation
    button.disabled = true;
    try {
      await call<CustomerKey>('DELETE', `${path}/keys/${segment(keyId)}`);
      context.refresh(`Key ${keyId} revoked.`);
    } catch (error) {
      button.disabled = false;
      replace(outcome, failure(error));
    }
  }

  async function unlock(button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      await call('POST', `${path}/unlock`);
      context.refresh('Logins unlocked.');
    } catch (error) {
      button.disabled = false;
      replace(outcome, failure(error));
    }
  }
}

/** `12.50` → 1250, `-5` → -500; anything else (three decimals, letters, empty) → undefined. */
export function centsOf(text: string): number | undefined {
  const match = /^\s*(-)?(\d{1,12})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!match) return undefined;
  const cents = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return match[1] ? -cents : cents;
}
