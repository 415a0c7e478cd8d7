/** `po admin customers enable <customer>`: a disabled customer can log in and order again. */
import type { Command } from 'commander';
import { runAdmin } from '../../../admin.js';
import { pathSegment } from '../../../api.js';
import { describeAccountState } from '../../../staff-view.js';

/** Registers `po admin customers enable`. */
export function registerAdminCustomersEnable(customers: Command): void {
  customers
    .command('enable')
    .description('let a disabled customer log in and order again')
    .argument('<customer>')
    .action((customerId: string, _o: unknown, command: Command) => {
      pathSegment(customerId);
      return runAdmin(command, (admin) => admin.customer(customerId).enable(), describeAccountState);
    });
}
