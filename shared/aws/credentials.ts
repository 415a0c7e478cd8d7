/**
 * A customer's credentials and sessions on the customers table: the login attempts counted against the lockout
 * (shared/lockout.ts), the password hash, and the token version that every session token names. Each change that
 * races is one conditional update.
 */
import type { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ApiError } from '../errors.js';
import { LOCKOUT, lockState } from '../lockout.js';
import type { LoginAttempts } from '../lockout.js';
import { logger } from '../observability.js';
import { dynamo, isConditionFailure } from './clients.js';
import { customerDatabase, customersTable, updateCustomer } from './customers.js';

/**
 * Counts a password check before it is made (the lockout's gate). The count goes up only while it is below the
 * limit, in one conditional update, so however many guesses arrive at once, at most `maxFailures` are checked before
 * the lock; a success clears the count ({@link clearLoginFailures}). A lock that has run its time restarts the count.
 * @returns `counted` (check the password), `locked` (refuse without checking), `unknown` (no such customer)
 */
export async function countLoginAttempt(
  customerId: string,
  now = Date.now(),
): Promise<'counted' | 'locked' | 'unknown'> {
  const nowSeconds = Math.floor(now / 1000);
  for (let attempt = 0; attempt < 3; attempt++) {
    const count = new UpdateCommand({
      TableName: customersTable(),
      Key: { customerId },
      UpdateExpression: 'SET failedLogins = if_not_exists(failedLogins, :zero) + :one, lastLoginAttemptAt = :now',
      ConditionExpression:
        'attribute_exists(customerId) AND (attribute_not_exists(failedLogins) OR failedLogins < :max)',
      ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':now': nowSeconds, ':max': LOCKOUT.maxFailures },
      ReturnValues: 'UPDATED_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    const old = await customerDatabase('UpdateItem', () => dynamo().send(count)).then(
      (result) => {
        if (result.Attributes?.failedLogins === LOCKOUT.maxFailures)
          logger.warn('login attempts reached the limit: the account locks unless this one succeeds', { customerId });
        return undefined;
      },
      (error: unknown) => {
        if (!isConditionFailure(error)) throw error;
        const item = (error as Partial<ConditionalCheckFailedException>).Item;
        return item ? (unmarshall(item) as LoginAttempts) : ('unknown' as const);
      },
    );
    if (old === undefined) return 'counted';
    if (old === 'unknown') return 'unknown';
    if (lockState(old, now).locked) return 'locked';
    // The lock has run its time: start counting again from 1, unless another attempt changed the count first.
    const seenAt = old.lastLoginAttemptAt;
    const restarted = await updateCustomer(customerId, {
      UpdateExpression: 'SET failedLogins = :one, lastLoginAttemptAt = :now',
      // An item counted before attempt times were kept has none: the same condition, on its absence.
      ConditionExpression:
        seenAt === undefined
          ? 'failedLogins = :seen AND attribute_not_exists(lastLoginAttemptAt)'
          : 'failedLogins = :seen AND lastLoginAttemptAt = :seenAt',
      ExpressionAttributeValues: {
        ':one': 1,
        ':now': nowSeconds,
        ':seen': old.failedLogins,
        ...(seenAt === undefined ? {} : { ':seenAt': seenAt }),
      },
    });
    if (restarted) return 'counted';
  }
  return 'locked'; // the count kept moving under us: other attempts are being counted; refuse this one
}

/**
 * Sets a customer's count of failed logins back to 0 with `update` (which may also clear more), if the customer
 * exists: returns whether it does.
 */
function resetLoginFailures(customerId: string, update: string): Promise<boolean> {
  return updateCustomer(customerId, {
    UpdateExpression: update,
    ConditionExpression: 'attribute_exists(customerId)',
    ExpressionAttributeValues: { ':zero': 0 },
  });
}

/** After a correct password: the count of attempts starts again from 0. */
export async function clearLoginFailures(customerId: string): Promise<void> {
  await resetLoginFailures(customerId, 'SET failedLogins = :zero');
}

/**
 * Lifts a lock: clears the count (and the lock field of items written before locks were counted up front).
 * @throws ApiError `not_found` (no such customer)
 */
export async function unlockCustomer(customerId: string): Promise<void> {
  if (!(await resetLoginFailures(customerId, 'SET failedLogins = :zero REMOVE lockedUntil')))
    throw new ApiError('not_found', `no customer ${customerId}`);
}

/**
 * Stores a new password hash and bumps the token version (revoking older tokens), only if nobody changed it since
 * `expectedTokenVersion` was read. Returns the new version.
 * @throws ApiError `unauthorized` if the version moved (another password change, or a logout, came first)
 */
export async function changePassword(
  customerId: string,
  passwordHash: string,
  expectedTokenVersion: number,
): Promise<number> {
  const changed = await updateCustomer(customerId, {
    UpdateExpression: 'SET passwordHash = :hash, tokenVersion = tokenVersion + :one, failedLogins = :zero',
    ConditionExpression: 'tokenVersion = :expected',
    ExpressionAttributeValues: { ':hash': passwordHash, ':one': 1, ':zero': 0, ':expected': expectedTokenVersion },
  });
  if (!changed) throw new ApiError('unauthorized', 'the session was revoked meanwhile; log in again');
  return expectedTokenVersion + 1;
}

/**
 * Ends every session of a customer issued at `tokenVersion` (logout): bumps the token version, so the authorizer and
 * the order transaction refuse those tokens from now on. Already bumped (a second logout, a password change) is fine.
 */
export async function revokeSessions(customerId: string, tokenVersion: number): Promise<void> {
  await updateCustomer(customerId, {
    UpdateExpression: 'SET tokenVersion = tokenVersion + :one',
    ConditionExpression: 'tokenVersion = :expected',
    ExpressionAttributeValues: { ':one': 1, ':expected': tokenVersion },
  });
}
