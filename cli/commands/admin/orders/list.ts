/**
 * `po admin orders list` (the group's default): orders in one status, oldest accepted first; or, with `--customer`, one
 * customer's orders, newest first (every status unless `--status` names one). A page at a time.
 */
import type { Command } from 'commander';
import { formatMoney } from '../../../../shared/money.js';
import { runAdmin } from '../../../admin.js';
import { parseLimit } from '../../../input.js';
import { pageText, poFor } from '../../../view.js';

/** Registers `po admin orders list`. */
export function registerAdminOrdersList(orders: Command): void {
  orders
    .command('list', { isDefault: true })
    .description('orders in one status, oldest accepted first, or one customer’s (--customer), a page at a time')
    .option('--status <status>', 'accepted, fulfilled or cancelled', 'accepted')
    .option('--customer <id>', 'only this customer’s orders, newest first (every status unless --status is given)')
    .option('--limit <n>', 'orders per page (1–100)', parseLimit, '25')
    .option('--cursor <cursor>', 'continue after the previous page (its "More:" line)')
    .action((o: { status: string; customer?: string; limit: string; cursor?: string }, command: Command) => {
      const customer = o.customer;
      if (customer === undefined)
        return runAdmin(
          command,
          (admin) => admin.listQueue(o.status, o),
          (page, globals) =>
            pageText(
              page.orders.length === 0 ? `no ${page.status} orders` : `${page.status} orders, oldest first:`,
              ['ORDER', 'CUSTOMER', 'ACCEPTED', 'TOTAL', 'LINES'],
              page.orders.map((order) => [
                order.orderId,
                order.customerId,
                order.acceptedAt,
                formatMoney(order.totalCents, order.currency),
                order.lines.map((l) => `${l.qty}×${l.sku}`).join(' '),
              ]),
              page.next &&
                `More: ${poFor(globals.profile)} admin orders list --status ${page.status} --cursor ${page.next}`,
            ),
        );
      const status = command.getOptionValueSource('status') === 'default' ? undefined : o.status;
      return runAdmin(
        command,
        (admin) => admin.listCustomerOrders(customer, status, o),
        (page, globals) =>
          pageText(
            page.orders.length === 0
              ? `no ${status ? `${status} ` : ''}orders of ${page.customerId} on this page`
              : `${status ? `${status} ` : ''}orders of ${page.customerId}, newest first:`,
            ['ORDER', 'STATUS', 'ACCEPTED', 'TOTAL', 'LINES'],
            page.orders.map((order) => [
              order.orderId,
              order.status,
              order.acceptedAt,
              formatMoney(order.totalCents, order.currency),
              order.lines.map((l) => `${l.qty}×${l.sku}`).join(' '),
            ]),
            page.next &&
              `More: ${poFor(globals.profile)} admin orders list --customer ${page.customerId}${status ? ` --status ${status}` : ''} --cursor ${page.next}`,
          ),
      );
    });
}
