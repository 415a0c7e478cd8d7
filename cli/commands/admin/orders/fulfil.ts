/** `po admin orders fulfil <id>`: marks an accepted order fulfilled; the customer is emailed. */
import type { Command } from 'commander';
import { ORDER_CUSTOMER_OPTION, runAdmin } from '../../../admin.js';
import { parseOrderId } from '../../../input.js';
import { describeOrder } from '../../../view.js';

/** Registers `po admin orders fulfil`. */
export function registerAdminOrdersFulfil(orders: Command): void {
  orders
    .command('fulfil')
    .description('mark an accepted order fulfilled (the customer is emailed)')
    .argument('<id>', 'order ID', parseOrderId)
    .option(ORDER_CUSTOMER_OPTION.flags, ORDER_CUSTOMER_OPTION.description)
    .action((id: string, o: { customer?: string }, command: Command) =>
      runAdmin(command, (admin) => admin.order(id).fulfil(o.customer), describeOrder),
    );
}
