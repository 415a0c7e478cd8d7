/**
 * The OPD's staff: adding a staff member and changing their roles. Each is one transaction with its audit record
 * and, when it gives or takes `staff:write`, the move of the holders' count that keeps at least one holder. Nobody
 * changes their own roles.
 */
import type { Actor } from '../audit.js';
import { ApiError, serviceUnavailable } from '../errors.js';
import { checkPasswordPolicy, hashPassword } from '../passwords.js';
import { ROLE_NAMES, STAFF_ADMIN_PERMISSION, allows } from '../permissions.js';
import type { StaffRole } from '../permissions.js';
import { STAFF_ID_PATTERN } from '../rules.js';
import { auditAction } from '../aws/audit.js';
import { STAFF_DATABASE, getStaff, staffTable, staffWritersCount } from '../aws/staff.js';
import type { StaffMember } from '../aws/staff.js';
import { transact } from '../aws/transactions.js';

/** A staff member to add, as given: the password in clear (hashed here). */
export interface NewStaff {
  readonly staffId: string;
  readonly email: string;
  readonly password: string;
  readonly roles: readonly StaffRole[];
}

/** The refusal of a change that would leave no active holder of `staff:write`. */
export function lastStaffAdmin(staffId: string): ApiError {
  return new ApiError(
    'last_staff_admin',
    `${staffId} is the last staff member who holds ${STAFF_ADMIN_PERMISSION}: give it to someone else first`,
  );
}

/** Roles in the matrix's order, each once. */
function normalRoles(roles: readonly StaffRole[]): StaffRole[] {
  return ROLE_NAMES.filter((role) => roles.includes(role));
}

/** Adds a staff member. @throws ApiError `already_exists`, `password_policy`, `invalid_request` (no role, an invalid ID) */
export async function addStaff(input: NewStaff, actor: Actor, now = Date.now()): Promise<StaffMember> {
  // The API's schema checks the ID too; `npm run first-admin` and the demo's seeding come here directly, and no ID may
  // be the item that counts the holders of staff:write.
  if (!STAFF_ID_PATTERN.test(input.staffId)) throw new ApiError('invalid_request', 'invalid staff ID');
  const roles = normalRoles(input.roles);
  if (roles.length === 0) throw new ApiError('invalid_request', 'give a staff member at least one role');
  checkPasswordPolicy(input.password, { customerId: input.staffId });
  const member: StaffMember = {
    staffId: input.staffId,
    email: input.email,
    roles,
    passwordHash: await hashPassword(input.password),
    failedLogins: 0,
    tokenVersion: 1,
    createdAt: new Date(now).toISOString(),
    createdBy: actor.id,
  };
  const result = await transact(STAFF_DATABASE, {
    staff: {
      Put: { TableName: staffTable(), Item: member, ConditionExpression: 'attribute_not_exists(staffId)' },
    },
    writers: allows(roles, STAFF_ADMIN_PERMISSION) ? staffWritersCount(1) : undefined,
    audit: auditAction(
      actor,
      {
        action: 'staff.add',
        target: input.staffId,
        changes: { roles: { after: roles }, email: { after: input.email } },
      },
      now,
    ),
  });
  if (!result.committed) {
    if (result.reasons.staff?.code === 'ConditionalCheckFailed')
      throw new ApiError('already_exists', `staff member ${input.staffId} already exists`);
    throw serviceUnavailable(STAFF_DATABASE, 1);
  }
  return member;
}

/**
 * Sets a staff member's roles. Their sessions end at once (the token version moves), so the new roles hold from
 * their next login; the audit record keeps before and after.
 * @throws ApiError `forbidden` (one's own roles), `not_found`, `last_staff_admin`, `invalid_request` (no role)
 */
export async function setStaffRoles(
  staffId: string,
  requested: readonly StaffRole[],
  actor: Actor,
  now = Date.now(),
): Promise<{ readonly before: readonly StaffRole[]; readonly after: readonly StaffRole[]; readonly changed: boolean }> {
  if (actor.kind === 'staff' && actor.id === staffId)
    throw new ApiError('forbidden', 'nobody changes their own roles: ask another staff administrator');
  const after = normalRoles(requested);
  if (after.length === 0)
    throw new ApiError('invalid_request', 'give a staff member at least one role (to stop them, disable them)');
  for (let attempt = 0; attempt < 3; attempt++) {
    const current = await getStaff(staffId);
    if (!current) throw new ApiError('not_found', `no staff member ${staffId}`);
    const before = normalRoles(current.roles);
    if (before.join() === after.join()) return { before, after, changed: false };
    // A disabled member does not count as a holder: the count moves only for an active one.
    const held = current.disabledAt === undefined && allows(before, STAFF_ADMIN_PERMISSION);
    const holds = current.disabledAt === undefined && allows(after, STAFF_ADMIN_PERMISSION);
    const result = await transact(STAFF_DATABASE, {
      staff: {
        Update: {
          TableName: staffTable(),
          Key: { staffId },
          UpdateExpression: 'SET #roles = :roles, tokenVersion = tokenVersion + :one',
          ConditionExpression: 'tokenVersion = :seen',
          ExpressionAttributeNames: { '#roles': 'roles' },
          ExpressionAttributeValues: { ':roles': after, ':one': 1, ':seen': current.tokenVersion },
        },
      },
      writers: held === holds ? undefined : staffWritersCount(holds ? 1 : -1),
      audit: auditAction(actor, { action: 'staff.roles', target: staffId, changes: { roles: { before, after } } }, now),
    });
    if (result.committed) return { before, after, changed: true };
    // The member moved meanwhile (another change of them, maybe this same one): read them again before the count's
    // refusal is believed, for the change may no longer be one (shared/services/account-control.ts says the same).
    if (result.reasons.staff?.code === 'ConditionalCheckFailed') continue;
    if (result.reasons.writers?.code === 'ConditionalCheckFailed') throw lastStaffAdmin(staffId);
  }
  throw new ApiError('service_unavailable', `${staffId} kept changing meanwhile; try again`, { retryAfterSeconds: 1 });
}
