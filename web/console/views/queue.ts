/** The work queue: orders in one status (accepted first: oldest first), or one customer's orders; paged. */
import type { CustomerOrdersPage, QueuePage } from '../../../contract/admin-api.js';
import { ORDER_STATUSES } from '../../../shared/orders.js';
import { call, query } from '../api.js';
import { show } from '../view.js';
import type { ConsoleContext } from '../view.js';
import { field, h, table } from '../../common/dom.js';
import { figure, link, money, orderLink, time, withQuery } from '../../common/format.js';

export async function queueView(context: ConsoleContext): Promise<void> {
  const customer = context.params.get('customer') ?? undefined;
  // The queue is of one status (accepted by default); one customer's orders are of any status unless one is named.
  const asked = context.params.get('status') ?? undefined;
  const status = asked ?? (customer ? undefined : 'accepted');
  const cursor = context.params.get('cursor') ?? undefined;
  const page = await call<QueuePage | CustomerOrdersPage>('GET', `/admin/orders${query({ status, customer, cursor })}`);

  const statusSelect = h(
    'select',
    { id: 'queue-status', name: 'status' },
    h('option', { value: '', ...(status === undefined ? { selected: true } : {}) }, 'any (one customer)'),
    ORDER_STATUSES.map((value) => h('option', { value, ...(value === status ? { selected: true } : {}) }, value)),
  );
  const customerInput = h('input', {
    id: 'queue-customer',
    name: 'customer',
    value: customer ?? '',
    placeholder: 'all customers',
    autocomplete: 'off',
  });
  const filters = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter the queue' },
    field('Status', statusSelect),
    field('Customer ID', customerInput),
    h('button', { type: 'submit' }, 'Show'),
  );
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    const members = new URLSearchParams();
    if (statusSelect.value) members.set('status', statusSelect.value);
    if (customerInput.value.trim()) members.set('customer', customerInput.value.trim());
    location.hash = `#/queue?${members.toString()}`;
  });

  const rows = page.orders.map((order) => [
    orderLink(order.orderId, order.customerId),
    context.can('accounts:read') ? link(order.customerId, 'customer', order.customerId) : order.customerId,
    time(order.acceptedAt),
    order.lines.map((line) => `${line.qty} × ${line.sku}`).join(', '),
    figure(money(order.totalCents, order.currency)),
    order.status,
  ]);
  const caption = customer
    ? `Orders of ${customer}${status ? ` (${status})` : ''}, newest first`
    : status === 'accepted'
      ? 'Accepted orders, oldest first: the work to do'
      : `Orders ${status}`;
  show(
    context,
    'Queue',
    filters,
    table(caption, ['Order', 'Customer', 'Accepted', 'Lines', 'Total', 'Status'], rows, 'No orders here.'),
    h(
      'p',
      { class: 'paging' },
      cursor && withQuery('queue', { status, customer }, 'First page'),
      ' ',
      page.next && withQuery('queue', { status, customer, cursor: page.next }, 'Next page'),
    ),
  );
}
