/**
 * The customers table: profile, role, password hash, login-failure counter and lock, token version, public keys, and
 * the account's balance. This module holds the item and its reads (each role reads only what it may); the changes
 * that race are conditional updates, by subject: logins, passwords and sessions in shared/aws/credentials.ts, public
 * keys in shared/aws/customer-keys.ts, the balance in shared/aws/accounts.ts.
 */
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.js';
import { ApiError, serviceUnavailable } from '../errors.js';
import type { SignatureAlg } from '../keys.js';
import { dynamo, guarded, updateIf } from './clients.js';
import { transact } from './transactions.js';
import type { TransactItem } from './transactions.js';
import { CUSTOMER_READS } from '../../contract/tables.js';

/** A public key a customer registered, by its key ID; revoked keys stay, so that stored evidence finds its key. */
export interface RegisteredKey {
  readonly alg: SignatureAlg;
  readonly publicKeyPem: string;
  readonly status: 'active' | 'revoked';
  readonly addedAt: string;
  readonly revokedAt?: string;
}

/** A customer item as stored. */
export interface Customer {
  readonly customerId: string;
  readonly email: string;
  /** Stored by versions before staff were accounts of their own; read by nothing now. */
  readonly role?: string;
  readonly passwordHash: string;
  /**
   * Password checks counted since the last success, those still in flight included: each attempt is counted before
   * its password is hashed, so concurrent guesses can never exceed the lockout's limit (shared/lockout.ts).
   */
  readonly failedLogins: number;
  /** Epoch seconds of the last counted attempt: the lock runs from it. */
  readonly lastLoginAttemptAt?: number;
  /** A lock as versions before attempts were counted up front wrote it; an unlock removes it. */
  readonly lockedUntil?: number;
  readonly tokenVersion: number;
  readonly keys: Readonly<Record<string, RegisteredKey>>;
  readonly createdAt: string;
  /** The account (shared/accounts.ts): absent on customers created before accounts existed, meaning 0. */
  readonly balanceCents?: number;
  readonly ledgerSeq?: number;
  /** Set while the account is disabled: it cannot log in or order, its sessions ended when it was set. */
  readonly disabledAt?: string;
  /** Set by a password reset: the one-time password must be changed before anything else. */
  readonly mustChangePassword?: boolean;
  /** Epoch seconds after which the one-time password opens no session (shared/rules.ts ONE_TIME_PASSWORD_TTL_SECONDS). */
  readonly oneTimePasswordExpiresAt?: number;
}

/** How failures of the customers table are named (in logs and 503 answers). */
const SERVICE = 'the customer database';

/** Runs one request to the customers table through {@link guarded}: anything unexpected is a 503. */
export const customerDatabase = <T>(what: string, operation: () => Promise<T>) => guarded(SERVICE, what, operation);

/** The customers table's name. */
export const customersTable = () => config().tables.customers;

/**
 * Runs a conditional update of one customer item: true if it was applied, false if its condition did not hold (for
 * the other modules that change a customer: credentials, keys).
 */
export function updateCustomer(
  customerId: string,
  update: Omit<UpdateCommandInput, 'TableName' | 'Key'>,
): Promise<boolean> {
  return updateIf(SERVICE, { TableName: customersTable(), Key: { customerId }, ...update });
}

/** A customer item, whole (the password hash included), read consistently. */
export async function getCustomer(customerId: string): Promise<Customer | undefined> {
  const result = await customerDatabase('GetItem', () =>
    dynamo().send(new GetCommand({ TableName: customersTable(), Key: { customerId }, ConsistentRead: true })),
  );
  return result.Item as Customer | undefined;
}

/**
 * What the order path may know of a customer, and nothing else (never the password hash or the email): the account,
 * the session's token version and role, and the one key an order was signed with. The order function's role may read
 * only these attributes (contract/tables.ts `CUSTOMER_READS.ordering`).
 */
export type OrderingProfile = Pick<Customer, 'customerId' | 'tokenVersion' | 'balanceCents' | 'ledgerSeq'> & {
  readonly keys?: Customer['keys'];
};

/** Reads a customer's {@link OrderingProfile}, with key `kid` if given (consistently: it decides a commit's state). */
export async function getOrderingProfile(customerId: string, kid?: string): Promise<OrderingProfile | undefined> {
  const names = CUSTOMER_READS.ordering.filter((name) => name !== 'keys');
  const result = await customerDatabase('GetItem', () =>
    dynamo().send(
      new GetCommand({
        TableName: customersTable(),
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
  const result = await customerDatabase('GetItem', () =>
    dynamo().send(
      new GetCommand({
        TableName: customersTable(),
        Key: { customerId },
        ProjectionExpression: CUSTOMER_READS.mailing.join(', '),
      }),
    ),
  );
  const email: unknown = result.Item?.email;
  return typeof email === 'string' ? email : undefined;
}

/** What a customer's own account view needs, and nothing else (never the password hash): keys and balance. */
export type AccountProfile = Pick<Customer, 'customerId' | 'keys' | 'balanceCents' | 'ledgerSeq'>;

/** Reads a customer's {@link AccountProfile}, consistently. */
export async function getAccountProfile(customerId: string): Promise<AccountProfile | undefined> {
  const result = await customerDatabase('GetItem', () =>
    dynamo().send(
      new GetCommand({
        TableName: customersTable(),
        Key: { customerId },
        ProjectionExpression: CUSTOMER_READS.account.map((name) => (name === 'keys' ? '#keys' : name)).join(', '),
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
  'customerId' | 'email' | 'createdAt' | 'balanceCents' | 'lastLoginAttemptAt' | 'failedLogins' | 'disabledAt'
>;

/** One page of customers (in the table's order: by hash of the ID). `cursor`: the last customer ID of the previous page. */
export async function listCustomers(
  limit: number,
  cursor?: string,
): Promise<{ customers: CustomerSummary[]; next?: string }> {
  const result = await customerDatabase('Scan', () =>
    dynamo().send(
      new ScanCommand({
        TableName: customersTable(),
        ProjectionExpression:
          'customerId, email, createdAt, balanceCents, lastLoginAttemptAt, failedLogins, disabledAt',
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
 * Stores a new customer, unless one with its ID exists, in one transaction with `audit` (the record of who added
 * them). @throws ApiError `already_exists`
 */
export async function createCustomer(customer: Customer, audit: TransactItem): Promise<void> {
  const result = await transact(SERVICE, {
    customer: {
      Put: { TableName: customersTable(), Item: customer, ConditionExpression: 'attribute_not_exists(customerId)' },
    },
    audit,
  });
  if (result.committed) return;
  if (result.reasons.customer?.code === 'ConditionalCheckFailed')
    throw new ApiError('already_exists', `customer ${customer.customerId} already exists`);
  throw serviceUnavailable(SERVICE, 1);
}
