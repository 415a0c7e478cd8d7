/** `po admin staff show <staff>`: one staff member, their roles and the permissions those give. */
import type { Command } from 'commander';
import { runAdmin } from '../../../admin.js';
import { pathSegment } from '../../../api.js';
import { describeStaff } from '../../../staff-view.js';

/** Registers `po admin staff show`. */
export function registerAdminStaffShow(staff: Command): void {
  staff
    .command('show')
    .description('one staff member: roles, the permissions they give, lock and disabled state (never a password hash)')
    .argument('<staff>')
    .action((staffId: string, _o: unknown, command: Command) => {
      // An ID no route can carry is refused first, before the profile and the session are read.
      pathSegment(staffId);
      return runAdmin(command, (admin) => admin.staff(staffId).show(), describeStaff);
    });
}
