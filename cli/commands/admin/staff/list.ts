/** `po admin staff list` (the group's default): staff with their roles and whether they can log in, a page at a time. */
import type { Command } from 'commander';
import { runAdmin } from '../../../admin.js';
import { parseLimit } from '../../../input.js';
import { pageText, poFor } from '../../../view.js';

/** Registers `po admin staff list`. */
export function registerAdminStaffList(staff: Command): void {
  staff
    .command('list', { isDefault: true })
    .description('list staff with their roles and whether they can log in, a page at a time')
    .option('--limit <n>', 'staff per page (1–100)', parseLimit, '25')
    .option('--cursor <id>', 'continue after this staff member (the "More:" line of the previous page)')
    .action((o: { limit: string; cursor?: string }, command: Command) =>
      runAdmin(
        command,
        (admin) => admin.listStaff(o),
        (page, globals) =>
          pageText(
            page.staff.length === 0 ? 'no staff' : 'staff:',
            ['STAFF', 'ROLES', 'LOGIN', 'EMAIL'],
            page.staff.map((member) => [
              member.staffId,
              member.roles.join(','),
              member.disabled
                ? 'DISABLED'
                : member.locked
                  ? 'LOCKED'
                  : member.mustChangePassword
                    ? 'must change password'
                    : 'ok',
              member.email,
            ]),
            page.next && `More: ${poFor(globals.profile)} admin staff list --cursor ${page.next}`,
          ),
      ),
    );
}
