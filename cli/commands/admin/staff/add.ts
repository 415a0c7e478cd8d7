/** `po admin staff add`: a new staff member, with an initial password and one or more roles. */
import type { Command } from 'commander';
import { InputError } from '../../../../shared/errors.js';
import type { StaffRole } from '../../../../shared/permissions.js';
import { STAFF_ID_RULE } from '../../../../shared/rules.js';
import { runAdmin } from '../../../admin.js';
import { initialPassword } from '../../../new-password.js';
import { ROLE_OPTION_HELP, describeStaff, parseRole, rolesHelp } from '../../../staff-view.js';

/** Registers `po admin staff add`. */
export function registerAdminStaffAdd(staff: Command): void {
  staff
    .command('add')
    .description('add a staff member with one or more roles (password asked without echo, or --password-stdin)')
    .requiredOption('--staff <id>', `their staff ID: ${STAFF_ID_RULE}`)
    .requiredOption('--email <address>', 'their email address')
    .option('--role <role>', ROLE_OPTION_HELP, parseRole)
    .option('--password-stdin', 'read the initial password from standard input')
    .addHelpText(
      'after',
      `${rolesHelp()}\n\nExample:\n  po admin staff add --staff clerk2 --email clerk2@opd.example --role clerk`,
    )
    .action((o: { staff: string; email: string; role?: StaffRole[]; passwordStdin?: boolean }, command: Command) => {
      const roles = o.role ?? [];
      if (roles.length === 0) throw new InputError('usage', 'give at least one --role (see --help for the roles)');
      return runAdmin(
        command,
        async (admin) =>
          admin.addStaff({
            staffId: o.staff,
            email: o.email,
            password: await initialPassword(o.staff, o.passwordStdin),
            roles,
          }),
        (member) =>
          [
            `added staff member ${member.staffId}`,
            describeStaff(member),
            `  they set up po with: po config --api <this OPD's API URL> --staff ${member.staffId}; then po login`,
          ].join('\n'),
      );
    });
}
