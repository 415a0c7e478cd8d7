/**
 * What the staff routes and the routes that end accounts answer, as view functions: the admin function builds its
 * answers with them and `po admin` reads their types (type-only imports). A staff member is shown field by field, so
 * that their password hash can never ride along in an answer.
 */
import type { StaffSummary } from './aws/staff.js';
import type { AccountRef } from './aws/credentials.js';
import { lockState } from './lockout.js';
import { permissionsOf } from './permissions.js';
import type { StaffRole } from './permissions.js';

/** A staff member in `GET /admin/staff`: who, their roles, whether they can log in. */
export function staffSummaryView(member: StaffSummary) {
  return {
    staffId: member.staffId,
    email: member.email,
    roles: [...member.roles],
    disabled: member.disabledAt !== undefined,
    locked: lockState(member).locked,
    mustChangePassword: member.mustChangePassword === true,
    createdAt: member.createdAt,
    createdBy: member.createdBy,
  };
}
/** What {@link staffSummaryView} makes. */
export type StaffSummaryView = ReturnType<typeof staffSummaryView>;

/**
 * `GET /admin/staff/{staffId}` and `POST /admin/staff`: the summary, the permissions the roles give (in the matrix's
 * order), since when the member is disabled, and the login lock.
 */
export function staffDetailView(member: StaffSummary) {
  const lock = lockState(member);
  return {
    ...staffSummaryView(member),
    permissions: permissionsOf(member.roles),
    ...(member.disabledAt === undefined ? {} : { disabledAt: member.disabledAt }),
    lock: {
      locked: lock.locked,
      failedLogins: member.failedLogins,
      ...(lock.until === undefined ? {} : { until: new Date(lock.until * 1000).toISOString() }),
    },
  };
}
/** What {@link staffDetailView} makes. */
export type StaffDetailView = ReturnType<typeof staffDetailView>;

/**
 * `PUT /admin/staff/{staffId}/roles`: the roles before and after, and what they give now. A change ends the member's
 * sessions (`sessionsEnded`); the same roles again change nothing.
 */
export function roleChangeView(
  staffId: string,
  change: { readonly before: readonly StaffRole[]; readonly after: readonly StaffRole[]; readonly changed: boolean },
) {
  return {
    staffId,
    before: [...change.before],
    after: [...change.after],
    permissions: permissionsOf(change.after),
    changed: change.changed,
    sessionsEnded: change.changed,
  };
}
/** What {@link roleChangeView} makes. */
export type RoleChangeView = ReturnType<typeof roleChangeView>;

/** Whose account an answer is about, by the name the account's kind gives its ID. */
function whose(account: AccountRef): { customerId: string } | { staffId: string } {
  return account.kind === 'customer' ? { customerId: account.id } : { staffId: account.id };
}

/**
 * `POST …/disable` and `…/enable`: whether the account is disabled now, and whether this request changed it (a second
 * disable changes nothing). Disabling ends every session.
 */
export function accountStateView(account: AccountRef, disabled: boolean, outcome: 'changed' | 'unchanged') {
  return {
    ...whose(account),
    disabled,
    changed: outcome === 'changed',
    sessionsEnded: disabled && outcome === 'changed',
  };
}
/** What {@link accountStateView} makes. */
export type AccountStateView = ReturnType<typeof accountStateView>;

/** `POST …/logout`: every session of the account has ended. */
export function sessionsEndedView(account: AccountRef) {
  return { ...whose(account), sessionsEnded: true as const };
}
/** What {@link sessionsEndedView} makes. */
export type SessionsEndedView = ReturnType<typeof sessionsEndedView>;

/**
 * `POST …/password-reset`: the one-time password, answered this once and never stored in clear nor logged. The person
 * logs in with it and must change it before anything else; every session of theirs has ended.
 */
export function passwordResetView(account: AccountRef, oneTimePassword: string) {
  return { ...whose(account), oneTimePassword, mustChangePassword: true as const, sessionsEnded: true as const };
}
/** What {@link passwordResetView} makes. */
export type PasswordResetView = ReturnType<typeof passwordResetView>;
