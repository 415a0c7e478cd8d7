/** `po admin staff disable <staff>`: the staff member cannot log in; every session of theirs ends now. */
import type { Command } from 'commander';
import { runAdmin } from '../../../admin.js';
import { pathSegment } from '../../../api.js';
import { describeAccountState } from '../../../staff-view.js';

/** Registers `po admin staff disable`. */
export function registerAdminStaffDisable(staff: Command): void {
  staff
    .command('disable')
    .description('stop a staff member: no login, every session ends now (po admin staff enable undoes it)')
    .argument('<staff>')
    .action((staffId: string, _o: unknown, command: Command) => {
      pathSegment(staffId);
      return runAdmin(command, (admin) => admin.staff(staffId).disable(), describeAccountState);
    });
}
