/** The customer's account: balance, the ledger a page at a time (newest first), and a password change. */
import type { AccountView } from '../../../contract/customer-api.js';
import { h, table } from '../../common/dom.js';
import { figure, money, time, withQuery } from '../../common/format.js';
import { passwordForm } from '../../common/password-form.js';
import { show } from '../../common/view.js';
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
    passwordForm(
      {
        heading: h('h2', null, 'Change your password'),
        help: 'Your other sessions end; this one goes on.',
        currentLabel: 'Current password',
      },
      () => context.refresh('Password changed.'),
    ),
  );
}
