/** `po admin staff enable <staff>`: a disabled staff member can log in again. */
import type { Command } from 'commander';
import { runAdmin } from '../../../admin.js';
import { pathSegment } from '../../../api.js';
import { describeAccountState } from '../../../staff-view.js';

/** Registers `po admin staff enable`. */
export function registerAdminStaffEnable(staff: Command): void {
  staff
    .command('enable')
    .description('let a disabled staff member log in again')
    .argument('<staff>')
    .action((staffId: string, _o: unknown, command: Command) => {
      pathSegment(staffId);
      return runAdmin(command, (admin) => admin.staff(staffId).enable(), describeAccountState);
    });
}
