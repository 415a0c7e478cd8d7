/** `po admin orders`: the group of the work-queue commands (`list` when no command is named). */
import type { Command } from 'commander';

/** Registers the `po admin orders` group; returns it, for its commands. */
export function registerAdminOrders(admin: Command): Command {
  return admin
    .command('orders')
    .description("the OPD's work queue: orders by status (oldest first), or one customer's (--customer)");
}
