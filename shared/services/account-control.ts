/**
 * Accounts that end, for customers and staff alike: disable (no login, no order, every session ends at once),
 * re-enable, end every session (a stolen laptop), reset a password (a one-time password to change at the next login).
 * Each is one transaction with its audit record; for staff it also moves the count of `staff:write` holders, so that
 * the last of them is never disabled.
 */
import { randomBytes } from 'node:crypto';
import type { Actor, AuditChanges } from '../audit.js';
import { ApiError } from '../errors.js';
import { hashPassword } from '../passwords.js';
import { ONE_TIME_PASSWORD_TTL_SECONDS } from '../rules.js';
import { STAFF_ADMIN_PERMISSION, allows } from '../permissions.js';
import { auditAction } from '../aws/audit.js';
import { accountDatabase, accountItem, getAccount } from '../aws/credentials.js';
import type { AccountRef } from '../aws/credentials.js';
import { staffWritersCount } from '../aws/staff.js';
import { transact } from '../aws/transactions.js';
import { lastStaffAdmin } from './staff.js';
import type { TransactItem } from '../aws/transactions.js';

/** The state of an account these changes read first. */
interface AccountState {
  readonly tokenVersion: number;
  readonly disabledAt?: string;
  /** Whether the account counts as a holder of `staff:write` (a staff member's roles give it). */
  readonly holdsStaffWrite: boolean;
}

async function stateOf(account: AccountRef): Promise<AccountState> {
  const item = await getAccount(account);
  if (!item)
    throw new ApiError('not_found', `no ${account.kind === 'customer' ? 'customer' : 'staff member'} ${account.id}`);
  return {
    tokenVersion: item.tokenVersion,
    ...(item.disabledAt === undefined ? {} : { disabledAt: item.disabledAt }),
    holdsStaffWrite: 'roles' in item && allows(item.roles, STAFF_ADMIN_PERMISSION),
  };
}

/** How many times a change is tried again when the account moved between its read and its write. */
const ATTEMPTS = 3;

/**
 * Reads the account, then writes `update` (which also bumps the token version: every session ends) only if the token
 * version is still the one read, with the audit record and, for staff, the holders' count moved by `writers`.
 * @throws ApiError `not_found`, `last_staff_admin`, `service_unavailable` (the account kept moving)
 */
async function changeAccount(
  account: AccountRef,
  actor: Actor,
  action: 'disable' | 'enable' | 'sessions-end' | 'password-reset',
  plan: (state: AccountState) =>
    | {
        readonly set: string;
        readonly remove?: string;
        readonly values?: Readonly<Record<string, unknown>>;
        readonly writers?: 1 | -1;
        readonly changes?: AuditChanges;
      }
    | undefined,
  now: number,
): Promise<'changed' | 'unchanged'> {
  // A stolen session must not be able to lock its owner out or mint itself a password: one's own account changes
  // through POST /password and POST /logout, which need the password or end only that person's sessions.
  if (actor.kind === account.kind && actor.id === account.id)
    throw new ApiError(
      'forbidden',
      'nobody disables, resets the password of or ends the sessions of their own account here: use po password or po logout',
    );
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const state = await stateOf(account);
    const change = plan(state);
    if (!change) return 'unchanged';
    const update: TransactItem = {
      Update: {
        ...accountItem(account),
        UpdateExpression: `SET tokenVersion = tokenVersion + :one${change.set ? `, ${change.set}` : ''}${
          change.remove ? ` REMOVE ${change.remove}` : ''
        }`,
        ConditionExpression: 'tokenVersion = :seen',
        ExpressionAttributeValues: { ':one': 1, ':seen': state.tokenVersion, ...change.values },
      },
    };
    const result = await transact(accountDatabase(account.kind), {
      account: update,
      writers: change.writers === undefined ? undefined : staffWritersCount(change.writers),
      audit: auditAction(
        actor,
        { action: `${account.kind}.${action}`, target: account.id, changes: change.changes },
        now,
      ),
    });
    if (result.committed) return 'changed';
    // The account moved between its read and this write (another change of it, maybe the same one sent twice): read
    // it again, for what the count refused may not be needed any more (a second disable changes nothing). Only a
    // count refused for an account that did not move means it would take the last holder away.
    if (result.reasons.account?.code === 'ConditionalCheckFailed') continue;
    if (result.reasons.writers?.code === 'ConditionalCheckFailed') throw lastStaffAdmin(account.id);
  }
  throw new ApiError('service_unavailable', `${account.id} kept changing meanwhile; try again`, {
    retryAfterSeconds: 1,
  });
}

/** Disables an account: it cannot log in or order, its sessions end now. Already disabled: nothing changes. */
export function disableAccount(account: AccountRef, actor: Actor, now = Date.now()) {
  return changeAccount(
    account,
    actor,
    'disable',
    (state) =>
      state.disabledAt === undefined
        ? {
            set: 'disabledAt = :now',
            values: { ':now': new Date(now).toISOString() },
            ...(state.holdsStaffWrite ? { writers: -1 as const } : {}),
            changes: { disabled: { before: false, after: true } },
          }
        : undefined,
    now,
  );
}

/** Re-enables a disabled account. Not disabled: nothing changes. */
export function enableAccount(account: AccountRef, actor: Actor, now = Date.now()) {
  return changeAccount(
    account,
    actor,
    'enable',
    (state) =>
      state.disabledAt !== undefined
        ? {
            set: '',
            remove: 'disabledAt',
            ...(state.holdsStaffWrite ? { writers: 1 as const } : {}),
            changes: { disabled: { before: true, after: false } },
          }
        : undefined,
    now,
  );
}

/** Ends every session of an account now (its token version moves on). */
export function endSessions(account: AccountRef, actor: Actor, now = Date.now()) {
  return changeAccount(
    account,
    actor,
    'sessions-end',
    (state) => ({
      set: '',
      changes: { tokenVersion: { before: state.tokenVersion, after: state.tokenVersion + 1 } },
    }),
    now,
  );
}

/**
 * Resets a password: a one-time password replaces it, to be changed at the next login before anything else and within
 * {@link ONE_TIME_PASSWORD_TTL_SECONDS}; every session ends, the lockout's count clears. Returns the one-time
 * password: it is shown once and stored only hashed.
 */
export async function resetPassword(account: AccountRef, actor: Actor, now = Date.now()): Promise<string> {
  const oneTimePassword = randomBytes(15).toString('base64url');
  const passwordHash = await hashPassword(oneTimePassword);
  await changeAccount(
    account,
    actor,
    'password-reset',
    () => ({
      set: 'passwordHash = :hash, mustChangePassword = :true, oneTimePasswordExpiresAt = :expires, failedLogins = :zero',
      values: {
        ':hash': passwordHash,
        ':true': true,
        ':expires': Math.floor(now / 1000) + ONE_TIME_PASSWORD_TTL_SECONDS,
        ':zero': 0,
      },
      changes: { oneTimePassword: { after: true } },
    }),
    now,
  );
  return oneTimePassword;
}
