/**
 * Login and password change: the credential checks, the lockout, and session issuance.
 *
 * Unknown customer, wrong password and locked account get the same answer (`invalid_credentials`) after the same
 * work (one scrypt), so the API reveals neither which customer IDs exist nor which accounts are locked.
 */
import { config } from '../config.js';
import { ApiError, sessionInvalid } from '../errors.js';
import { LOCKOUT_RULE } from '../lockout.js';
import { DUMMY_PASSWORD_HASH, checkPasswordPolicy, hashPassword, verifyPassword } from '../passwords.js';
import { issueSessionToken } from '../tokens.js';
import type { Role, Session } from '../tokens.js';
import { getCustomer } from '../aws/customers.js';
import { changePassword, clearLoginFailures, countLoginAttempt, revokeSessions } from '../aws/credentials.js';
import type { Customer } from '../aws/customers.js';
import type { KeyRing } from '../aws/key-ring.js';
import { CUSTOMER_ID_PATTERN } from '../rules.js';

/** A session token issued, with its expiry and whom it is for. */
export interface IssuedSession {
  readonly token: string;
  readonly expiresAt: string;
  readonly customerId: string;
  readonly role: Role;
}

/**
 * Issues a session token for a customer at a token version, signed with the active session key. It lasts the session
 * TTL, but never past the session's limit counted from its login (`authTime`, default now: a new login).
 */
async function issue(
  customer: Pick<Customer, 'customerId' | 'role'>,
  tokenVersion: number,
  sessionKeys: KeyRing<Uint8Array>,
  now: number,
  authTime = Math.floor(now / 1000),
): Promise<IssuedSession> {
  const key = await sessionKeys.active();
  const left = authTime + config().sessionMaxSeconds - Math.floor(now / 1000);
  const issued = await issueSessionToken(
    { customerId: customer.customerId, role: customer.role, tokenVersion, authTime },
    { kid: key.kid, secret: key.value },
    Math.min(config().sessionTtlSeconds, left),
    now,
  );
  return { ...issued, customerId: customer.customerId, role: customer.role };
}

const invalidCredentials = () =>
  new ApiError(
    'invalid_credentials',
    `the customer ID or password is wrong, or the account is locked: ${LOCKOUT_RULE}; an OPD admin can unlock it`,
  );

/** Checks ID and password and issues a session. @throws ApiError `invalid_credentials` */
export async function login(
  customerId: string,
  password: string,
  sessionKeys: KeyRing<Uint8Array>,
  now = Date.now(),
): Promise<IssuedSession> {
  const customer = CUSTOMER_ID_PATTERN.test(customerId) ? await getCustomer(customerId) : undefined;
  // Counted before the hash: guesses sent at once cannot outnumber the lockout's limit.
  const gate = customer ? await countLoginAttempt(customer.customerId, now) : 'unknown';
  const checked = gate === 'counted' && customer !== undefined;
  const passwordOk = await verifyPassword(password, checked ? customer.passwordHash : DUMMY_PASSWORD_HASH);
  if (!checked || !passwordOk) throw invalidCredentials();
  await clearLoginFailures(customer.customerId);
  return issue(customer, customer.tokenVersion, sessionKeys, now);
}

/**
 * Changes a password: needs the old one (a stolen session alone is not enough), applies the policy, re-hashes, and
 * bumps the token version so every older session token stops working. Returns a fresh session.
 * @throws ApiError `invalid_credentials` (old password wrong: counts towards the lockout), `password_policy`
 */
export async function changeOwnPassword(
  customerId: string,
  oldPassword: string,
  newPassword: string,
  sessionKeys: KeyRing<Uint8Array>,
  now = Date.now(),
): Promise<IssuedSession> {
  const customer = await getCustomer(customerId);
  if (!customer) throw sessionInvalid();
  const gate = await countLoginAttempt(customerId, now);
  if (gate === 'unknown') throw sessionInvalid();
  if (gate === 'locked' || !(await verifyPassword(oldPassword, customer.passwordHash))) throw invalidCredentials();
  await clearLoginFailures(customerId);
  checkPasswordPolicy(newPassword, { oldPassword, customerId });
  const tokenVersion = await changePassword(customerId, await hashPassword(newPassword), customer.tokenVersion);
  return issue(customer, tokenVersion, sessionKeys, now);
}

/** Sessions shorter than this are not worth refreshing: the customer logs in again. */
const MIN_REFRESH_SECONDS = 60;

/**
 * A fresh token for a live session (POST /refresh; the authorizer has checked the token, its version and the role):
 * same customer, role and token version, a new expiry, never past the session's limit from its login.
 * @throws ApiError `unauthorized` when the session has reached its limit (log in again)
 */
export async function refreshSession(
  session: Pick<Session, 'customerId' | 'role' | 'tokenVersion' | 'authTime'>,
  sessionKeys: KeyRing<Uint8Array>,
  now = Date.now(),
): Promise<IssuedSession> {
  const authTime = session.authTime ?? Math.floor(now / 1000);
  if (authTime + config().sessionMaxSeconds - Math.floor(now / 1000) < MIN_REFRESH_SECONDS)
    throw new ApiError(
      'unauthorized',
      `a session lasts at most ${config().sessionMaxSeconds / 3600} hours from its login; log in again`,
    );
  return issue(session, session.tokenVersion, sessionKeys, now, authTime);
}

/** Ends every session of the customer issued at this token version (POST /logout). */
export async function logout(session: Pick<Session, 'customerId' | 'tokenVersion'>): Promise<void> {
  await revokeSessions(session.customerId, session.tokenVersion);
}
