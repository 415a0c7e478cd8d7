/** `po admin staff logout <staff>`: ends every session of a staff member now (a lost or stolen laptop). */
import type { Command } from 'commander';
import { runAdmin } from '../../../admin.js';
import { pathSegment } from '../../../api.js';
import { describeSessionsEnded } from '../../../staff-view.js';

/** Registers `po admin staff logout`. */
export function registerAdminStaffLogout(staff: Command): void {
  staff
    .command('logout')
    .description('end every session of a staff member now (a lost laptop); they can log in again')
    .argument('<staff>')
    .action((staffId: string, _o: unknown, command: Command) => {
      pathSegment(staffId);
      return runAdmin(command, (admin) => admin.staff(staffId).logout(), describeSessionsEnded);
    });
}
