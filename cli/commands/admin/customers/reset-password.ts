/** `po admin customers reset-password <customer>`: a one-time password, shown once, to be changed at the next login. */
import type { Command } from 'commander';
import { runAdmin } from '../../../admin.js';
import { pathSegment } from '../../../api.js';
import { describePasswordReset } from '../../../staff-view.js';

/** Registers `po admin customers reset-password`. */
export function registerAdminCustomersResetPassword(customers: Command): void {
  customers
    .command('reset-password')
    .description('replace a customer’s password with a one-time password (shown once) to change at next login')
    .argument('<customer>')
    .addHelpText(
      'after',
      '\nThe one-time password is printed once and kept nowhere: hand it over out of band (in person, by phone).\nEvery session of theirs ends; until they change it with po password, nothing else works for them.',
    )
    .action((customerId: string, _o: unknown, command: Command) => {
      pathSegment(customerId);
      return runAdmin(command, (admin) => admin.customer(customerId).resetPassword(), describePasswordReset);
    });
}
