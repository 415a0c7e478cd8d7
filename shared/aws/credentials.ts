/**
 * An account's credentials and sessions — a customer's on the customers table, a staff member's on the staff table,
 * under the same rules: the login attempts counted against the lockout (shared/lockout.ts), the password hash, and
 * the token version that every session token names. Each change that races is one conditional update, or one action
 * of a transaction that also writes its audit record.
 */
import type { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { LOCKOUT, lockState } from '../lockout.js';
import type { LoginAttempts } from '../lockout.js';
import { logger } from '../observability.js';
import type { AccountKind } from '../tokens.js';
import { dynamo, guarded, isConditionFailure, updateIf } from './clients.js';
import { customersTable, getCustomer } from './customers.js';
import type { Customer } from './customers.js';
import { STAFF_DATABASE, getStaff, staffTable } from './staff.js';
import type { StaffMember } from './staff.js';
import type { TransactItem } from './transactions.js';

/** An account: whose (a customer's or a staff member's) and its ID. */
export interface AccountRef {
  readonly kind: AccountKind;
  readonly id: string;
}

/** Where each kind of account is stored: its table, the key's name, how its failures are named. */
const STORES = {
  customer: { table: customersTable, key: 'customerId', service: 'the customer database' },
  staff: { table: staffTable, key: 'staffId', service: STAFF_DATABASE },
} as const;

/** An account's item, whole (the password hash included), read consistently, or `undefined` if there is none. */
export function getAccount(account: AccountRef): Promise<Customer | StaffMember | undefined> {
  return account.kind === 'customer' ? getCustomer(account.id) : getStaff(account.id);
}

/** How failures of an account's table are named (in logs and 503 answers). */
export function accountDatabase(kind: AccountKind): string {
  return STORES[kind].service;
}

/** The table and key of an account's item. */
export function accountItem(account: AccountRef): { TableName: string; Key: Record<string, string> } {
  const store = STORES[account.kind];
  return { TableName: store.table(), Key: { [store.key]: account.id } };
}

/** Every account item has a token version; nothing else in either table does (the staff table's counter). */
const EXISTS = 'attribute_exists(tokenVersion)';

/** Runs a conditional update of an account's item: true if it was applied, false if its condition did not hold. */
function updateAccount(account: AccountRef, update: Omit<UpdateCommandInput, 'TableName' | 'Key'>): Promise<boolean> {
  return updateIf(STORES[account.kind].service, { ...accountItem(account), ...update });
}

/**
 * Counts a password check before it is made (the lockout's gate). The count goes up only while it is below the
 * limit, in one conditional update, so however many guesses arrive at once, at most `maxFailures` are checked before
 * the lock; a success clears the count ({@link clearLoginFailures}). A lock that has run its time restarts the count.
 * @returns `counted` (check the password), `locked` (refuse without checking), `unknown` (no such customer)
 */
export async function countLoginAttempt(
  account: AccountRef,
  now = Date.now(),
): Promise<'counted' | 'locked' | 'unknown'> {
  const nowSeconds = Math.floor(now / 1000);
  for (let attempt = 0; attempt < 3; attempt++) {
    const count = new UpdateCommand({
      ...accountItem(account),
      UpdateExpression: 'SET failedLogins = if_not_exists(failedLogins, :zero) + :one, lastLoginAttemptAt = :now',
      ConditionExpression: `${EXISTS} AND (attribute_not_exists(failedLogins) OR failedLogins < :max)`,
      ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':now': nowSeconds, ':max': LOCKOUT.maxFailures },
      ReturnValues: 'UPDATED_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    const old = await guarded(STORES[account.kind].service, 'UpdateItem', () => dynamo().send(count)).then(
      (result) => {
        if (result.Attributes?.failedLogins === LOCKOUT.maxFailures)
          logger.warn('login attempts reached the limit: the account locks unless this one succeeds', {
            [STORES[account.kind].key]: account.id,
          });
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
    const restarted = await updateAccount(account, {
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

/** After a correct password: the count of attempts starts again from 0. */
export async function clearLoginFailures(account: AccountRef): Promise<void> {
  await updateAccount(account, {
    UpdateExpression: 'SET failedLogins = :zero',
    ConditionExpression: EXISTS,
    ExpressionAttributeValues: { ':zero': 0 },
  });
}

/**
 * The transaction action that lifts a lock: clears the count (and the lock field of items written before locks were
 * counted up front), only if the count is still `seen` — so that the record of it says what was lifted. Cancelled if
 * there is no such account or the count moved.
 */
export function unlockAction(account: AccountRef, seen: number): TransactItem {
  return {
    Update: {
      ...accountItem(account),
      UpdateExpression: 'SET failedLogins = :zero REMOVE lockedUntil',
      ConditionExpression: `${EXISTS} AND (failedLogins = :seen OR (attribute_not_exists(failedLogins) AND :seen = :zero))`,
      ExpressionAttributeValues: { ':zero': 0, ':seen': seen },
    },
  };
}

/**
 * The transaction action that stores a new password hash and bumps the token version (revoking older tokens), only
 * if nobody changed the version since `expectedTokenVersion` was read; it clears a one-time password's mark.
 */
export function passwordChangeAction(
  account: AccountRef,
  passwordHash: string,
  expectedTokenVersion: number,
): TransactItem {
  return {
    Update: {
      ...accountItem(account),
      UpdateExpression:
        'SET passwordHash = :hash, tokenVersion = tokenVersion + :one, failedLogins = :zero REMOVE mustChangePassword, oneTimePasswordExpiresAt',
      ConditionExpression: 'tokenVersion = :expected',
      ExpressionAttributeValues: { ':hash': passwordHash, ':one': 1, ':zero': 0, ':expected': expectedTokenVersion },
    },
  };
}

/**
 * Ends every session of an account issued at `tokenVersion` (logout): bumps the token version, so the authorizer and
 * the order transaction refuse those tokens from now on. Already bumped (a second logout, a password change) is fine.
 */
export async function revokeSessions(account: AccountRef, tokenVersion: number): Promise<void> {
  await updateAccount(account, {
    UpdateExpression: 'SET tokenVersion = tokenVersion + :one',
    ConditionExpression: 'tokenVersion = :expected',
    ExpressionAttributeValues: { ':one': 1, ':expected': tokenVersion },
  });
}
