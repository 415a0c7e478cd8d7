/** `po admin customers list` (the group's default): customers with their balance and lock state, a page at a time. */
import type { Command } from 'commander';
import { formatMoney } from '../../../../shared/money.js';
import { runAdmin } from '../../../admin.js';
import { parseLimit } from '../../../input.js';
import { poFor, table } from '../../../view.js';

/** Registers `po admin customers list`. */
export function registerAdminCustomersList(customers: Command): void {
  customers
    .command('list', { isDefault: true })
    .description('list customers with their balance and lock state, a page at a time')
    .option('--limit <n>', 'customers per page (1–100)', parseLimit, '25')
    .option('--cursor <id>', 'continue after this customer (the "More:" line of the previous page)')
    .action((o: { limit: string; cursor?: string }, command: Command) =>
      runAdmin(
        command,
        (admin) => admin.listCustomers(o),
        (page, globals) =>
          page.customers.length === 0
            ? 'no customers'
            : [
                table(
                  ['CUSTOMER', 'BALANCE', 'LOGIN', 'EMAIL'],
                  page.customers.map((c) => [
                    c.customerId,
                    formatMoney(c.balanceCents, c.currency),
                    c.disabled ? 'DISABLED' : c.locked ? 'LOCKED' : 'ok',
                    c.email,
                  ]),
                ),
                ...(page.next ? [`More: ${poFor(globals.profile)} admin customers list --cursor ${page.next}`] : []),
              ].join('\n'),
      ),
    );
}
