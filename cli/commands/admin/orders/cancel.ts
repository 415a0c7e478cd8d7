/** `po admin orders cancel <id>`: the OPD cancels an accepted order: restocked, refunded, the customer told why. */
import type { Command } from 'commander';
import { ORDER_CUSTOMER_OPTION, runAdmin } from '../../../admin.js';
import { parseOrderId } from '../../../input.js';
import { describeOrder } from '../../../view.js';

/** Registers `po admin orders cancel`. */
export function registerAdminOrdersCancel(orders: Command): void {
  orders
    .command('cancel')
    .description('cancel an accepted order for the OPD: restocked, refunded, the customer emailed with the reason')
    .argument('<id>', 'order ID', parseOrderId)
    .requiredOption('--reason <text>', 'why (one line; the customer reads it)')
    .option(ORDER_CUSTOMER_OPTION.flags, ORDER_CUSTOMER_OPTION.description)
    .action((id: string, o: { reason: string; customer?: string }, command: Command) =>
      runAdmin(
        command,
        (admin) => admin.order(id).cancel({ reason: o.reason, ...(o.customer ? { customerId: o.customer } : {}) }),
        describeOrder,
      ),
    );
}
