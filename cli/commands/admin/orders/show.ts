/** `po admin orders show <id>`: any customer's order, with its evidence. */
import type { Command } from 'commander';
import { ORDER_CUSTOMER_OPTION, runAdmin } from '../../../admin.js';
import { parseOrderId } from '../../../input.js';
import { describeOrder } from '../../../view.js';

/** Registers `po admin orders show`. */
export function registerAdminOrdersShow(orders: Command): void {
  orders
    .command('show')
    .description("any customer's order, with its evidence")
    .argument('<id>', 'order ID', parseOrderId)
    .option(ORDER_CUSTOMER_OPTION.flags, ORDER_CUSTOMER_OPTION.description)
    .action((id: string, o: { customer?: string }, command: Command) =>
      runAdmin(
        command,
        (admin) => admin.order(id).show(o.customer),
        (order) =>
          [
            describeOrder(order),
            `  customer ${order.customerId}`,
            `  evidence (JWS): ${order.signature.jws}`,
            `  receipt (JWS):  ${order.receipt ?? 'none'}`,
          ].join('\n'),
      ),
    );
}
