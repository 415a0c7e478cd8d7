/** `po admin staff roles <staff> --role ROLE…`: sets every role a staff member holds; their sessions end. */
import type { Command } from 'commander';
import { InputError } from '../../../../shared/errors.js';
import type { StaffRole } from '../../../../shared/permissions.js';
import { runAdmin } from '../../../admin.js';
import { pathSegment } from '../../../api.js';
import { ROLE_OPTION_HELP, parseRole, rolesHelp, rolesText } from '../../../staff-view.js';

/** Registers `po admin staff roles`. */
export function registerAdminStaffRoles(staff: Command): void {
  staff
    .command('roles')
    .description('set the roles a staff member holds (all of them); their sessions end, the new roles hold at once')
    .argument('<staff>')
    .option('--role <role>', ROLE_OPTION_HELP, parseRole)
    .addHelpText(
      'after',
      `${rolesHelp()}\n\nNobody changes their own roles, and the last staff member who can manage staff keeps\nstaff:write. Example:\n  po admin staff roles clerk2 --role clerk --role finance`,
    )
    .action((staffId: string, o: { role?: StaffRole[] }, command: Command) => {
      pathSegment(staffId);
      const roles = o.role ?? [];
      if (roles.length === 0)
        throw new InputError(
          'usage',
          'give every role they should hold with --role (to stop someone: po admin staff disable)',
        );
      return runAdmin(
        command,
        (admin) => admin.staff(staffId).setRoles(roles),
        (change) =>
          change.changed
            ? [
                `${change.staffId}: ${rolesText(change.before)} → ${rolesText(change.after)}`,
                `  permissions now: ${change.permissions.join(', ')}`,
                '  every session of theirs has ended: the new roles hold from their next login',
              ].join('\n')
            : `${change.staffId} already holds ${rolesText(change.after)}: nothing changed`,
      );
    });
}
