/** `po admin orders list` (the group's default): orders in one status, oldest accepted first, a page at a time. */
import type { Command } from 'commander';
import { formatMoney } from '../../../../shared/money.js';
import { runAdmin } from '../../../admin.js';
import { parseLimit } from '../../../input.js';
import { pageText, poFor } from '../../../view.js';

/** Registers `po admin orders list`. */
export function registerAdminOrdersList(orders: Command): void {
  orders
    .command('list', { isDefault: true })
    .description('orders in one status, oldest accepted first, a page at a time')
    .option('--status <status>', 'accepted, fulfilled or cancelled', 'accepted')
    .option('--limit <n>', 'orders per page (1–100)', parseLimit, '25')
    .option('--cursor <cursor>', 'continue after the previous page (its "More:" line)')
    .action((o: { status: string; limit: string; cursor?: string }, command: Command) =>
      runAdmin(
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
      ),
    );
}
