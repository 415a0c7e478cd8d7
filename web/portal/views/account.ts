/** The customer's account: balance, the ledger a page at a time (newest first), and a password change. */
import type { AccountView } from '../../../contract/customer-api.js';
import { field, h, replace, table } from '../../common/dom.js';
import { figure, money, time, withQuery } from '../../common/format.js';
import { changePassword } from '../../common/api.js';
import { failure, show } from '../../common/view.js';
import type { ViewContext } from '../../common/view.js';
import { call, query } from '../api.js';

const PAGE = '20';

export async function accountView(context: ViewContext): Promise<void> {
  const cursor = context.params.get('cursor') ?? undefined;
  const account = await call<AccountView>('GET', `/account${query({ limit: PAGE, cursor })}`);
  if (!context.current()) return;
  show(
    context,
    'Account',
    h('p', { class: 'total' }, `Balance ${money(account.balanceCents, account.currency)}`),
    table(
      `Ledger, newest first (${account.entries} entries in all)`,
      ['Entry', 'When', 'What', 'Order or reference', 'Amount', 'Balance after'],
      account.ledger.map((entry) => [
        figure(String(entry.entry)),
        time(entry.at),
        entry.type,
        entry.orderId
          ? h('a', { href: `#/orders/${encodeURIComponent(entry.orderId)}` }, entry.orderId)
          : (entry.reference ?? '—'),
        figure(money(entry.amountCents, entry.currency)),
        figure(money(entry.balanceAfterCents, entry.currency)),
      ]),
      'No ledger entries yet.',
    ),
    h(
      'p',
      { class: 'paging' },
      cursor && withQuery('account', {}, 'Newest entries'),
      cursor && account.next && ' · ',
      account.next && withQuery('account', { cursor: account.next }, 'Older entries'),
    ),
    passwordForm(context),
  );
}

function passwordForm(context: ViewContext): HTMLElement {
  const oldPassword = h('input', {
    id: 'pw-current',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const newPassword = h('input', { id: 'pw-next', type: 'password', autocomplete: 'new-password', required: true });
  const submit = h('button', { type: 'submit' }, 'Change password');
  const status = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { 'aria-labelledby': 'password-heading' },
    h('h2', { id: 'password-heading' }, 'Change your password'),
    h('p', null, 'Your other sessions end; this one goes on.'),
    field('Current password', oldPassword),
    field('New password', newPassword),
    submit,
    status,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    submit.disabled = true;
    void changePassword(oldPassword.value, newPassword.value)
      .then(() => context.refresh('Password changed.'))
      .catch((error: unknown) => {
        submit.disabled = false;
        replace(status, failure(error));
      })
      .finally(() => {
        oldPassword.value = '';
        newPassword.value = '';
      });
  });
  return form;
}
