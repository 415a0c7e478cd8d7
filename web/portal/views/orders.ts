/** The customer's orders, newest first, a page at a time. */
import type { OrderView } from '../../../contract/customer-api.js';
import { h, table } from '../../common/dom.js';
import { figure, money, time, withQuery } from '../../common/format.js';
import { show } from '../../common/view.js';
import type { ViewContext } from '../../common/view.js';
import { call, query } from '../api.js';

const PAGE = '20';

export async function ordersView(context: ViewContext): Promise<void> {
  const cursor = context.params.get('cursor') ?? undefined;
  const page = await call<{ orders: OrderView[]; next?: string }>('GET', `/orders${query({ limit: PAGE, cursor })}`);
  if (!context.current()) return;
  show(
    context,
    'Orders',
    table(
      'Your orders, newest first',
      ['Order', 'Status', 'Accepted', 'Lines', 'Total'],
      page.orders.map((order) => [
        h('a', { href: `#/orders/${encodeURIComponent(order.orderId)}` }, order.orderId),
        h('span', { class: `status ${order.status}` }, order.status),
        time(order.acceptedAt),
        figure(String(order.lines.length)),
        figure(money(order.totalCents, order.currency)),
      ]),
      'No orders yet.',
    ),
    h(
      'p',
      { class: 'paging' },
      cursor && withQuery('orders', {}, 'First page'),
      cursor && page.next && ' · ',
      page.next && withQuery('orders', { cursor: page.next }, 'Older orders'),
    ),
  );
}
