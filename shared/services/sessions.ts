/**
 * Login and password change, for customers and staff alike: the credential checks, the lockout, and session issuance.
 *
 * Unknown account, wrong password and locked account get the same answer (`invalid_credentials`) after the same work
 * (one scrypt), so the API reveals neither which IDs exist nor which accounts are locked. A disabled account is named
 * as such only to whoever gave its right password.
 */
import type { Actor } from '../audit.js';
import { config } from '../config.js';
import { ApiError, sessionInvalid } from '../errors.js';
import type { CallerSession } from '../handler.js';
import { subjectOf } from '../handler.js';
import { LOCKOUT_RULE } from '../lockout.js';
import { DUMMY_PASSWORD_HASH, checkPasswordPolicy, hashPassword, verifyPassword } from '../passwords.js';
import type { StaffRole } from '../permissions.js';
import { CUSTOMER_ID_PATTERN, ONE_TIME_PASSWORD_TTL_SECONDS } from '../rules.js';
import { issueSessionToken } from '../tokens.js';
import type { AccountKind } from '../tokens.js';
import { auditAction } from '../aws/audit.js';
import {
  accountDatabase,
  getAccount,
  clearLoginFailures,
  countLoginAttempt,
  passwordChangeAction,
  revokeSessions,
} from '../aws/credentials.js';
import type { AccountRef } from '../aws/credentials.js';
import type { KeyRing } from '../aws/key-ring.js';
import { transact } from '../aws/transactions.js';

/** A session token issued, with its expiry and whom it is for. */
export interface IssuedSession {
  readonly token: string;
  readonly expiresAt: string;
  readonly kind: AccountKind;
  readonly id: string;
  /** A staff member's roles when the session was issued (the authorizer reads them again on every call). */
  readonly roles: readonly StaffRole[];
  /** Opened with a one-time password: nothing but a password change is allowed until it is changed. */
  readonly mustChangePassword: boolean;
}

/** What the session routes answer: the token, and whom it is for by the name the account's kind gives its ID. */
export type SessionView =
  | { token: string; expiresAt: string; kind: 'customer'; customerId: string; mustChangePassword: boolean }
  | {
      token: string;
      expiresAt: string;
      kind: 'staff';
      staffId: string;
      roles: readonly StaffRole[];
      mustChangePassword: boolean;
    };

/** The answer of the session routes for `session`. */
export function sessionView(session: IssuedSession): SessionView {
  const { token, expiresAt, kind, id, roles, mustChangePassword } = session;
  return kind === 'customer'
    ? { token, expiresAt, kind, customerId: id, mustChangePassword }
    : { token, expiresAt, kind, staffId: id, roles, mustChangePassword };
}

/** What login and a password change need of an account, whichever its kind. */
interface Credentials {
  readonly passwordHash: string;
  readonly tokenVersion: number;
  readonly roles: readonly StaffRole[];
  readonly disabledAt?: string;
  readonly mustChangePassword: boolean;
  readonly oneTimePasswordExpiresAt?: number;
}

/** An account's credentials, read consistently, or `undefined` if there is none. */
async function credentialsOf(account: AccountRef): Promise<Credentials | undefined> {
  const item = await getAccount(account);
  if (!item) return undefined;
  return {
    passwordHash: item.passwordHash,
    tokenVersion: item.tokenVersion,
    roles: 'roles' in item ? item.roles : [],
    ...(item.disabledAt === undefined ? {} : { disabledAt: item.disabledAt }),
    mustChangePassword: item.mustChangePassword === true,
    ...(item.oneTimePasswordExpiresAt === undefined ? {} : { oneTimePasswordExpiresAt: item.oneTimePasswordExpiresAt }),
  };
}

/**
 * Issues a session token for an account at a token version, signed with the active session key. It lasts the session
 * TTL, but never past the session's limit counted from its login (`authTime`, default now: a new login).
 */
async function issue(
  account: AccountRef,
  credentials: Pick<Credentials, 'roles' | 'mustChangePassword'>,
  tokenVersion: number,
  sessionKeys: KeyRing<Uint8Array>,
  now: number,
  authTime = Math.floor(now / 1000),
): Promise<IssuedSession> {
  const key = await sessionKeys.active();
  const left = authTime + config().sessionMaxSeconds - Math.floor(now / 1000);
  const issued = await issueSessionToken(
    { kind: account.kind, subject: account.id, tokenVersion, authTime },
    { kid: key.kid, secret: key.value },
    Math.min(config().sessionTtlSeconds, left),
    now,
  );
  return {
    ...issued,
    kind: account.kind,
    id: account.id,
    roles: credentials.roles,
    mustChangePassword: credentials.mustChangePassword,
  };
}

const invalidCredentials = (kind: AccountKind) =>
  new ApiError(
    'invalid_credentials',
    `the ${kind === 'customer' ? 'customer' : 'staff'} ID or password is wrong, or the account is locked: ${LOCKOUT_RULE}; ${
      kind === 'customer' ? 'an OPD admin' : 'a staff administrator'
    } can unlock it`,
  );

const disabled = (kind: AccountKind) =>
  new ApiError(
    'account_disabled',
    `this account is disabled; ${kind === 'customer' ? 'contact the OPD' : 'ask a staff administrator'}`,
  );

/** Checks ID and password and issues a session. @throws ApiError `invalid_credentials`, `account_disabled` */
export async function login(
  account: AccountRef,
  password: string,
  sessionKeys: KeyRing<Uint8Array>,
  now = Date.now(),
): Promise<IssuedSession> {
  const credentials = CUSTOMER_ID_PATTERN.test(account.id) ? await credentialsOf(account) : undefined;
  // Counted before the hash: guesses sent at once cannot outnumber the lockout's limit.
  const gate = credentials ? await countLoginAttempt(account, now) : 'unknown';
  const checked = gate === 'counted' && credentials !== undefined;
  const passwordOk = await verifyPassword(password, checked ? credentials.passwordHash : DUMMY_PASSWORD_HASH);
  if (!checked || !passwordOk) throw invalidCredentials(account.kind);
  await clearLoginFailures(account);
  if (credentials.disabledAt !== undefined) throw disabled(account.kind);
  if (credentials.mustChangePassword && (credentials.oneTimePasswordExpiresAt ?? 0) < Math.floor(now / 1000))
    throw new ApiError(
      'invalid_credentials',
      `this one-time password has expired (it lasts ${ONE_TIME_PASSWORD_TTL_SECONDS / 3600} hours): ask for a new one`,
    );
  return issue(account, credentials, credentials.tokenVersion, sessionKeys, now);
}

/** The account a session is for. */
export function accountOf(session: CallerSession): AccountRef {
  return { kind: session.kind, id: subjectOf(session) };
}

/**
 * Re-authenticates a logged-in account with its current password (`passwordHash`: as just read), under the lockout as
 * a login is: the attempt is counted before the hash is checked, a success clears the count. For what a stolen
 * session alone must not do: change the password, add or revoke a signing key.
 * @throws ApiError `invalid_credentials` (wrong password, or locked), `unauthorized` (the account is gone)
 */
export async function checkCurrentPassword(
  account: AccountRef,
  passwordHash: string,
  password: string,
  now = Date.now(),
): Promise<void> {
  const gate = await countLoginAttempt(account, now);
  if (gate === 'unknown') throw sessionInvalid();
  if (gate === 'locked' || !(await verifyPassword(password, passwordHash))) throw invalidCredentials(account.kind);
  await clearLoginFailures(account);
}

/**
 * Changes a password: needs the old one (a stolen session alone is not enough), applies the policy, re-hashes, and
 * bumps the token version so every older session token stops working; the audit record goes in the same transaction.
 * Returns a fresh session.
 * @throws ApiError `invalid_credentials` (old password wrong: counts towards the lockout), `password_policy`
 */
export async function changeOwnPassword(
  session: CallerSession,
  actor: Actor,
  oldPassword: string,
  newPassword: string,
  sessionKeys: KeyRing<Uint8Array>,
  now = Date.now(),
): Promise<IssuedSession> {
  const account = accountOf(session);
  const credentials = await credentialsOf(account);
  if (!credentials) throw sessionInvalid();
  await checkCurrentPassword(account, credentials.passwordHash, oldPassword, now);
  checkPasswordPolicy(newPassword, { oldPassword, customerId: account.id });
  const result = await transact(accountDatabase(account.kind), {
    account: passwordChangeAction(account, await hashPassword(newPassword), credentials.tokenVersion),
    audit: auditAction(
      actor,
      {
        action: account.kind === 'customer' ? 'customer.password-change' : 'staff.password-change',
        target: account.id,
        ...(credentials.mustChangePassword ? { changes: { oneTimePassword: { before: true, after: false } } } : {}),
      },
      now,
    ),
  });
  if (!result.committed) throw new ApiError('unauthorized', 'the session was revoked meanwhile; log in again');
  return issue(account, { ...credentials, mustChangePassword: false }, credentials.tokenVersion + 1, sessionKeys, now);
}

/** Sessions shorter than this are not worth refreshing: the person logs in again. */
const MIN_REFRESH_SECONDS = 60;

/**
 * A fresh token for a live session (POST /refresh; the authorizer has checked the token, its version and the
 * account): same account and token version, a new expiry, never past the session's limit from its login.
 * @throws ApiError `unauthorized` when the session has reached its limit (log in again)
 */
export async function refreshSession(
  session: CallerSession,
  sessionKeys: KeyRing<Uint8Array>,
  now = Date.now(),
): Promise<IssuedSession> {
  const authTime = session.authTime ?? Math.floor(now / 1000);
  if (authTime + config().sessionMaxSeconds - Math.floor(now / 1000) < MIN_REFRESH_SECONDS)
    throw new ApiError(
      'unauthorized',
      `a session lasts at most ${config().sessionMaxSeconds / 3600} hours from its login; log in again`,
    );
  const roles = session.kind === 'staff' ? session.roles : [];
  return issue(
    accountOf(session),
    { roles, mustChangePassword: session.mustChangePassword },
    session.tokenVersion,
    sessionKeys,
    now,
    authTime,
  );
}

/** Ends every session of the account issued at this token version (POST /logout). */
export async function logout(session: CallerSession): Promise<void> {
  await revokeSessions(accountOf(session), session.tokenVersion);
}
