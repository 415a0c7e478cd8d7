/**
 * The customers table: profile, role, password hash, login-failure counter and lock, token version, public keys.
 * Every state change that races (failures, lock, password change, keys) is a conditional update.
 */
import type { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { config } from '../config.js';
import { ApiError } from '../errors.js';
import { LOCKOUT, lockState } from '../lockout.js';
import type { SignatureAlg } from '../keys.js';
import { logger } from '../observability.js';
import type { Role } from '../tokens.js';
import { dynamo, guarded, isConditionFailure, whenConditionFails } from './clients.js';

export interface RegisteredKey {
  readonly alg: SignatureAlg;
  readonly publicKeyPem: string;
  readonly status: 'active' | 'revoked';
  readonly addedAt: string;
  readonly revokedAt?: string;
}

export interface Customer {
  readonly customerId: string;
  readonly email: string;
  readonly role: Role;
  readonly passwordHash: string;
  /**
   * Password checks counted since the last success, those still in flight included: each attempt is counted before
   * its password is hashed, so concurrent guesses can never exceed the lockout's limit (shared/lockout.ts).
   */
  readonly failedLogins: number;
  /** Epoch seconds of the last counted attempt: the lock runs from it. */
  readonly lastLoginAttemptAt?: number;
  readonly tokenVersion: number;
  readonly keys: Readonly<Record<string, RegisteredKey>>;
  readonly createdAt: string;
  /** The account (shared/accounts.ts): absent on customers created before accounts existed, meaning 0. */
  readonly balanceCents?: number;
  readonly ledgerSeq?: number;
}

const database = <T>(what: string, operation: () => Promise<T>) => guarded('the customer database', what, operation);

const table = () => config().tables.customers;

export async function getCustomer(customerId: string): Promise<Customer | undefined> {
  const result = await database('GetItem', () =>
    dynamo().send(new GetCommand({ TableName: table(), Key: { customerId }, ConsistentRead: true })),
  );
  return result.Item as Customer | undefined;
}

/**
 * The public key a customer registered under `kid`, reading that one key only (never the password hash: the read
 * function's role may read nothing else, see infra/stack.ts). Key material under an ID never changes and revoked
 * keys stay, so stored evidence always finds its key.
 */
export async function getCustomerKey(customerId: string, kid: string): Promise<RegisteredKey | undefined> {
  const result = await database('GetItem', () =>
    dynamo().send(
      new GetCommand({
        TableName: table(),
        Key: { customerId },
        ProjectionExpression: '#keys.#kid',
        ExpressionAttributeNames: { '#keys': 'keys', '#kid': kid },
      }),
    ),
  );
  const keys = result.Item?.keys as Customer['keys'] | undefined;
  return keys && Object.hasOwn(keys, kid) ? keys[kid] : undefined;
}

/**
 * What the order path may know of a customer, and nothing else (never the password hash or the email): the account,
 * the session's token version and role, and the one key an order was signed with. The order function's role may read
 * only these attributes (infra/stack.ts).
 */
export type OrderingProfile = Pick<Customer, 'customerId' | 'tokenVersion' | 'role' | 'balanceCents' | 'ledgerSeq'> & {
  readonly keys?: Customer['keys'];
};

/** The attributes of {@link OrderingProfile}: the projection below, and the order role's attribute grant. */
export const ORDERING_ATTRIBUTES = ['customerId', 'tokenVersion', 'role', 'balanceCents', 'ledgerSeq', 'keys'] as const;

/** Reads a customer's {@link OrderingProfile}, with key `kid` if given (consistently: it decides a commit's state). */
export async function getOrderingProfile(customerId: string, kid?: string): Promise<OrderingProfile | undefined> {
  const names = ORDERING_ATTRIBUTES.filter((name) => name !== 'keys');
  const result = await database('GetItem', () =>
    dynamo().send(
      new GetCommand({
        TableName: table(),
        Key: { customerId },
        ProjectionExpression: [...names.map((name) => `#${name}`), ...(kid === undefined ? [] : ['#keys.#kid'])].join(
          ', ',
        ),
        ExpressionAttributeNames: {
          ...Object.fromEntries(names.map((name) => [`#${name}`, name])),
          ...(kid === undefined ? {} : { '#keys': 'keys', '#kid': kid }),
        },
        ConsistentRead: true,
      }),
    ),
  );
  return result.Item as OrderingProfile | undefined;
}

/** A customer's email address (the notifier's only read of a customer), or `undefined` if there is no such customer. */
export async function getCustomerEmail(customerId: string): Promise<string | undefined> {
  const result = await database('GetItem', () =>
    dynamo().send(
      new GetCommand({ TableName: table(), Key: { customerId }, ProjectionExpression: 'customerId, email' }),
    ),
  );
  const email: unknown = result.Item?.email;
  return typeof email === 'string' ? email : undefined;
}

/** What a customer's own account view needs, and nothing else (never the password hash): keys and balance. */
export type AccountProfile = Pick<Customer, 'customerId' | 'keys' | 'balanceCents' | 'ledgerSeq'>;

export async function getAccountProfile(customerId: string): Promise<AccountProfile | undefined> {
  const result = await database('GetItem', () =>
    dynamo().send(
      new GetCommand({
        TableName: table(),
        Key: { customerId },
        ProjectionExpression: 'customerId, #keys, balanceCents, ledgerSeq',
        ExpressionAttributeNames: { '#keys': 'keys' },
        ConsistentRead: true,
      }),
    ),
  );
  return result.Item as AccountProfile | undefined;
}

/** A customer as an administrator sees them in a list (no hash, no keys). */
export type CustomerSummary = Pick<
  Customer,
  'customerId' | 'email' | 'role' | 'createdAt' | 'balanceCents' | 'lastLoginAttemptAt' | 'failedLogins'
>;

/** One page of customers (in the table's order: by hash of the ID). `cursor`: the last customer ID of the previous page. */
export async function listCustomers(
  limit: number,
  cursor?: string,
): Promise<{ customers: CustomerSummary[]; next?: string }> {
  const result = await database('Scan', () =>
    dynamo().send(
      new ScanCommand({
        TableName: table(),
        ProjectionExpression: 'customerId, email, #role, createdAt, balanceCents, lastLoginAttemptAt, failedLogins',
        ExpressionAttributeNames: { '#role': 'role' },
        Limit: limit,
        ...(cursor === undefined ? {} : { ExclusiveStartKey: { customerId: cursor } }),
      }),
    ),
  );
  const last: unknown = result.LastEvaluatedKey?.customerId;
  return {
    customers: (result.Items ?? []) as CustomerSummary[],
    ...(typeof last === 'string' ? { next: last } : {}),
  };
}

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
      TableName: table(),
      Key: { customerId },
      UpdateExpression: 'SET failedLogins = if_not_exists(failedLogins, :zero) + :one, lastLoginAttemptAt = :now',
      ConditionExpression:
        'attribute_exists(customerId) AND (attribute_not_exists(failedLogins) OR failedLogins < :max)',
      ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':now': nowSeconds, ':max': LOCKOUT.maxFailures },
      ReturnValues: 'UPDATED_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    const old = await database('UpdateItem', () => dynamo().send(count)).then(
      (result) => {
        if (result.Attributes?.failedLogins === LOCKOUT.maxFailures)
          logger.warn('login attempts reached the limit: the account locks unless this one succeeds', { customerId });
        return undefined;
      },
      (error: unknown) => {
        if (!isConditionFailure(error)) throw error;
        const item = (error as Partial<ConditionalCheckFailedException>).Item;
        return item ? (unmarshall(item) as Customer) : ('unknown' as const);
      },
    );
    if (old === undefined) return 'counted';
    if (old === 'unknown') return 'unknown';
    if (lockState(old, now).locked) return 'locked';
    // The lock has run its time: start counting again from 1, unless another attempt changed the count first.
    const seenAt = old.lastLoginAttemptAt;
    const restart = new UpdateCommand({
      TableName: table(),
      Key: { customerId },
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
    const restarted = await whenConditionFails(
      () => database('UpdateItem', () => dynamo().send(restart)).then(() => true),
      () => false,
    );
    if (restarted) return 'counted';
  }
  return 'locked'; // the count kept moving under us: other attempts are being counted; refuse this one
}

/** After a correct password: the count of attempts starts again from 0. */
export async function clearLoginFailures(customerId: string): Promise<void> {
  const reset = new UpdateCommand({
    TableName: table(),
    Key: { customerId },
    UpdateExpression: 'SET failedLogins = :zero',
    ConditionExpression: 'attribute_exists(customerId)',
    ExpressionAttributeValues: { ':zero': 0 },
  });
  await whenConditionFails(
    () => database('UpdateItem', () => dynamo().send(reset)),
    () => undefined,
  );
}

/**
 * Stores a new password hash and bumps the token version (revoking older tokens), only if nobody changed it since
 * `expectedTokenVersion` was read. Returns the new version.
 * @throws ApiError `unauthorized` if the version moved (another password change won the race)
 */
export async function changePassword(
  customerId: string,
  passwordHash: string,
  expectedTokenVersion: number,
): Promise<number> {
  const update = new UpdateCommand({
    TableName: table(),
    Key: { customerId },
    UpdateExpression: 'SET passwordHash = :hash, tokenVersion = tokenVersion + :one, failedLogins = :zero',
    ConditionExpression: 'tokenVersion = :expected',
    ExpressionAttributeValues: { ':hash': passwordHash, ':one': 1, ':zero': 0, ':expected': expectedTokenVersion },
  });
  await whenConditionFails(
    () => database('UpdateItem', () => dynamo().send(update)),
    () => {
      throw new ApiError('unauthorized', 'the session was revoked meanwhile; log in again');
    },
  );
  return expectedTokenVersion + 1;
}

/**
 * Ends every session of a customer issued at `tokenVersion` (logout): bumps the token version, so the authorizer and
 * the order transaction refuse those tokens from now on. Already bumped (a second logout, a password change) is fine.
 */
export async function revokeSessions(customerId: string, tokenVersion: number): Promise<void> {
  const update = new UpdateCommand({
    TableName: table(),
    Key: { customerId },
    UpdateExpression: 'SET tokenVersion = tokenVersion + :one',
    ConditionExpression: 'tokenVersion = :expected',
    ExpressionAttributeValues: { ':one': 1, ':expected': tokenVersion },
  });
  await whenConditionFails(
    () => database('UpdateItem', () => dynamo().send(update)),
    () => undefined,
  );
}

/** @throws ApiError `already_exists` */
export async function createCustomer(customer: Customer): Promise<void> {
  const put = new PutCommand({
    TableName: table(),
    Item: customer,
    ConditionExpression: 'attribute_not_exists(customerId)',
  });
  await whenConditionFails(
    () => database('PutItem', () => dynamo().send(put)),
    () => {
      throw new ApiError('already_exists', `customer ${customer.customerId} already exists`);
    },
  );
}

/** @throws ApiError `not_found` (no such customer) or `already_exists` (key ID taken) */
export async function addCustomerKey(customerId: string, kid: string, key: RegisteredKey): Promise<void> {
  const current = await getCustomer(customerId);
  if (!current) throw new ApiError('not_found', `no customer ${customerId}`);
  const taken = () => new ApiError('already_exists', `customer ${customerId} already has a key ${kid}`);
  if (Object.hasOwn(current.keys, kid)) throw taken();
  const update = new UpdateCommand({
    TableName: table(),
    Key: { customerId },
    UpdateExpression: 'SET #keys.#kid = :key',
    ConditionExpression: 'attribute_exists(customerId) AND attribute_not_exists(#keys.#kid)',
    ExpressionAttributeNames: { '#keys': 'keys', '#kid': kid },
    ExpressionAttributeValues: { ':key': key },
  });
  await whenConditionFails(
    () => database('UpdateItem', () => dynamo().send(update)),
    () => {
      throw taken();
    },
  );
}

/** Revokes a key: orders signed with it are refused from now on; stored evidence stays verifiable. */
export async function revokeCustomerKey(customerId: string, kid: string, now = Date.now()): Promise<void> {
  const update = new UpdateCommand({
    TableName: table(),
    Key: { customerId },
    UpdateExpression: 'SET #keys.#kid.#status = :revoked, #keys.#kid.revokedAt = :now',
    ConditionExpression: 'attribute_exists(#keys.#kid)',
    ExpressionAttributeNames: { '#keys': 'keys', '#kid': kid, '#status': 'status' },
    ExpressionAttributeValues: { ':revoked': 'revoked', ':now': new Date(now).toISOString() },
  });
  await whenConditionFails(
    () => database('UpdateItem', () => dynamo().send(update)),
    () => {
      throw new ApiError('not_found', `customer ${customerId} has no key ${kid}`);
    },
  );
}

/** Lifts a lock: clears the count (and the lock field of items written before locks were counted up front). */
export async function unlockCustomer(customerId: string): Promise<void> {
  const update = new UpdateCommand({
    TableName: table(),
    Key: { customerId },
    UpdateExpression: 'SET failedLogins = :zero REMOVE lockedUntil',
    ConditionExpression: 'attribute_exists(customerId)',
    ExpressionAttributeValues: { ':zero': 0 },
  });
  await whenConditionFails(
    () => database('UpdateItem', () => dynamo().send(update)),
    () => {
      throw new ApiError('not_found', `no customer ${customerId}`);
    },
  );
}
