/** `po admin customers disable <customer>`: the customer cannot log in or order; every session of theirs ends now. */
import type { Command } from 'commander';
import { runAdmin } from '../../../admin.js';
import { pathSegment } from '../../../api.js';
import { describeAccountState } from '../../../staff-view.js';

/** Registers `po admin customers disable`. */
export function registerAdminCustomersDisable(customers: Command): void {
  customers
    .command('disable')
    .description('stop a customer: no login, no order, every session ends now (po admin customers enable undoes it)')
    .argument('<customer>')
    .action((customerId: string, _o: unknown, command: Command) => {
      pathSegment(customerId);
      return runAdmin(command, (admin) => admin.customer(customerId).disable(), describeAccountState);
    });
}
