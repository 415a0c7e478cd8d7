/** `po admin customers logout <customer>`: ends every session of a customer now (a lost or stolen laptop). */
import type { Command } from 'commander';
import { runAdmin } from '../../../admin.js';
import { pathSegment } from '../../../api.js';
import { describeSessionsEnded } from '../../../staff-view.js';

/** Registers `po admin customers logout`. */
export function registerAdminCustomersLogout(customers: Command): void {
  customers
    .command('logout')
    .description('end every session of a customer now (a lost laptop); they can log in again')
    .argument('<customer>')
    .action((customerId: string, _o: unknown, command: Command) => {
      pathSegment(customerId);
      return runAdmin(command, (admin) => admin.customer(customerId).logout(), describeSessionsEnded);
    });
}
