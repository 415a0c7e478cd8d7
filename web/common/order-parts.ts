/** The parts of an order's page both apps draw alike: its lines and its status history. */
import type { OrderView } from '../../shared/orders.js';
import { h, table } from './dom.js';
import type { Child } from './dom.js';
import { figure, money, time } from './format.js';

/** The order's lines: SKU, quantity, the unit price signed, the line's total. */
export function orderLines(order: OrderView): HTMLElement {
  return table(
    'Lines',
    ['SKU', 'Quantity', 'Unit price', 'Line total'],
    order.lines.map((line) => [
      figure(line.sku),
      figure(String(line.qty)),
      figure(money(line.unitPriceCents, order.currency)),
      figure(money(line.lineTotalCents, order.currency)),
    ]),
  );
}

/** When the order was accepted, fulfilled or cancelled (and by whom, why). */
export function history(order: OrderView): Child {
  const rows: Child[][] = [['accepted', time(order.acceptedAt), `signed ${time(order.signedAt)}`]];
  if (order.fulfilledAt) rows.push(['fulfilled', time(order.fulfilledAt), '']);
  if (order.cancellation && order.cancelledAt)
    rows.push([
      'cancelled',
      time(order.cancelledAt),
      order.cancellation.by === 'opd'
        ? [
            `by the OPD (${order.cancellation.actor}): `,
            h('span', { class: 'reason' }, order.cancellation.reason ?? ''),
          ]
        : `by the customer (${order.cancellation.actor})`,
    ]);
  return table('Status history', ['Status', 'When', 'Detail'], rows);
}
