/** `po admin staff reset-password <staff>`: a one-time password, shown once, to be changed at the next login. */
import type { Command } from 'commander';
import { runAdmin } from '../../../admin.js';
import { pathSegment } from '../../../api.js';
import { describePasswordReset } from '../../../staff-view.js';

/** Registers `po admin staff reset-password`. */
export function registerAdminStaffResetPassword(staff: Command): void {
  staff
    .command('reset-password')
    .description('replace a staff member’s password with a one-time password (shown once) to change at next login')
    .argument('<staff>')
    .addHelpText(
      'after',
      '\nThe one-time password is printed once and kept nowhere: hand it over out of band (in person, by phone).\nEvery session of theirs ends; until they change it with po password, nothing else works for them.',
    )
    .action((staffId: string, _o: unknown, command: Command) => {
      pathSegment(staffId);
      return runAdmin(command, (admin) => admin.staff(staffId).resetPassword(), describePasswordReset);
    });
}
