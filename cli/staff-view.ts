/**
 * What the staff commands and the commands that end an account share: the `--role` option (checked against the roles
 * before anything is sent, its help listing them), the roles matrix for `--help`, and how a staff member and each
 * account change are told to people. The one-time password of a reset is printed once, with how to hand it over.
 */
import { InvalidArgumentError } from 'commander';
import { ROLES, ROLE_NAMES, isStaffRole, permissionsOf } from '../shared/permissions.js';
import type { StaffRole } from '../shared/permissions.js';
import type { AccountStateView, PasswordResetView, StaffDetailView } from '../shared/staff-views.js';

/** The `--role` option's parser: collects every role given, each checked. @throws InvalidArgumentError */
export function parseRole(value: string, previous: StaffRole[] | undefined): StaffRole[] {
  if (!isStaffRole(value)) throw new InvalidArgumentError(`the roles are ${ROLE_NAMES.join(', ')}.`);
  return [...(previous ?? []), value];
}

/** The `--role` option's description. */
export const ROLE_OPTION_HELP = `a role (${ROLE_NAMES.join(', ')}); repeat for several`;

/** The roles, what each is for and the permissions it gives, for the `--help` of the commands that set roles. */
export function rolesHelp(): string {
  return [
    '',
    'Roles (each gives the permissions listed; a member may hold several):',
    ...ROLE_NAMES.map((role) => {
      const { description, permissions } = ROLES[role];
      return `  ${role.padEnd(9)} ${description}\n  ${' '.repeat(9)} ${role === 'admin' ? 'every permission' : permissions.join(', ')}`;
    }),
  ].join('\n');
}

/** A staff member for people: who, whether they can log in, their roles and the permissions those give. */
export function describeStaff(member: StaffDetailView): string {
  return [
    `${member.staffId} <${member.email}>${member.disabledAt ? ` · DISABLED since ${member.disabledAt}` : ''} · ${member.lock.locked ? `LOCKED until ${member.lock.until ?? '?'}` : 'not locked'} · ${member.lock.failedLogins} failed login(s)`,
    `  roles: ${member.roles.join(', ')}`,
    `  permissions: ${member.permissions.join(', ')}`,
    ...(member.mustChangePassword ? ['  must change the one-time password at the next login'] : []),
    `  added ${member.createdAt} by ${member.createdBy}`,
  ].join('\n');
}

/** Roles as people read them: `clerk, finance` (and what they give, when asked). */
export function rolesText(roles: readonly StaffRole[], withPermissions = false): string {
  return withPermissions ? `${roles.join(', ')} (${permissionsOf(roles).join(', ')})` : roles.join(', ');
}

/** Who an account is, as the commands name it: `customer alice`, `staff member clerk1`. */
function who(answer: { customerId: string } | { staffId: string }): string {
  return 'customerId' in answer ? `customer ${answer.customerId}` : `staff member ${answer.staffId}`;
}

/** A disable's or an enable's answer for people. */
export function describeAccountState(answer: AccountStateView): string {
  if (!answer.changed)
    return `${who(answer)} was ${answer.disabled ? 'already disabled' : 'not disabled'}: nothing changed`;
  return answer.disabled
    ? `disabled ${who(answer)}: they cannot log in${'customerId' in answer ? ' or order' : ''}, and every session of theirs has ended`
    : `re-enabled ${who(answer)}: they can log in again`;
}

/** Ended sessions, for people. */
export function describeSessionsEnded(answer: { customerId: string } | { staffId: string }): string {
  return `ended every session of ${who(answer)}: they must log in again`;
}

/** A password reset for people: the one-time password, once, and what to do with it. */
export function describePasswordReset(answer: PasswordResetView): string {
  const login =
    'customerId' in answer ? `po login --customer ${answer.customerId}` : `po login --staff ${answer.staffId}`;
  return [
    `one-time password for ${who(answer)}: ${answer.oneTimePassword}`,
    '  It is shown only this once. Hand it over out of band — in person or by phone, not by email or chat.',
    `  It must be changed at the first login (${login}, then po password): nothing else works until then.`,
    '  Every session of theirs has ended; their old password no longer works.',
  ].join('\n');
}
