/** `po admin customers unlock <customer>`: lifts a login lock. */
import type { Command } from 'commander';
import { runAdmin } from '../../../admin.js';

/** Registers `po admin customers unlock`. */
export function registerAdminCustomersUnlock(customers: Command): void {
  customers
    .command('unlock')
    .description('lift a login lock')
    .argument('<customer>')
    .action((customer: string, _o: unknown, command: Command) =>
      runAdmin(
        command,
        (admin) => admin.customer(customer).unlock(),
        (c) => `unlocked ${c.customerId}: they can log in again`,
      ),
    );
}
