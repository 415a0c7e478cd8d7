/**
 * A customer's registered public keys on the customers table: read one, add one, revoke one. Key material under an ID
 * never changes and revoked keys stay, so stored evidence always finds the key it was verified with.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ApiError } from '../errors.js';
import { dynamo } from './clients.js';
import { customerDatabase, customersTable, getCustomer, updateCustomer } from './customers.js';
import type { Customer, RegisteredKey } from './customers.js';
import type { TransactItem } from './transactions.js';

/**
 * The public key a customer registered under `kid`, reading that one key only (never the password hash: the read
 * function's role may read nothing else, see contract/tables.ts `CUSTOMER_READS`).
 */
export async function getCustomerKey(customerId: string, kid: string): Promise<RegisteredKey | undefined> {
  const result = await customerDatabase('GetItem', () =>
    dynamo().send(
      new GetCommand({
        TableName: customersTable(),
        Key: { customerId },
        ProjectionExpression: '#keys.#kid',
        ExpressionAttributeNames: { '#keys': 'keys', '#kid': kid },
      }),
    ),
  );
  const keys = result.Item?.keys as Customer['keys'] | undefined;
  return keys && Object.hasOwn(keys, kid) ? keys[kid] : undefined;
}

/** Registers a key under `kid`. @throws ApiError `not_found` (no such customer) or `already_exists` (key ID taken) */
export async function addCustomerKey(customerId: string, kid: string, key: RegisteredKey): Promise<void> {
  const current = await getCustomer(customerId);
  if (!current) throw new ApiError('not_found', `no customer ${customerId}`);
  const taken = () => new ApiError('already_exists', `customer ${customerId} already has a key ${kid}`);
  if (Object.hasOwn(current.keys, kid)) throw taken();
  const added = await updateCustomer(customerId, {
    UpdateExpression: 'SET #keys.#kid = :key',
    ConditionExpression: 'attribute_exists(customerId) AND attribute_not_exists(#keys.#kid)',
    ExpressionAttributeNames: { '#keys': 'keys', '#kid': kid },
    ExpressionAttributeValues: { ':key': key },
  });
  if (!added) throw taken();
}

/**
 * Revokes a key: orders signed with it are refused from now on; stored evidence stays verifiable.
 * @throws ApiError `not_found` (no such customer or key)
 */
export async function revokeCustomerKey(customerId: string, kid: string, now = Date.now()): Promise<void> {
  const revoked = await updateCustomer(customerId, {
    UpdateExpression: 'SET #keys.#kid.#status = :revoked, #keys.#kid.revokedAt = :now',
    ConditionExpression: 'attribute_exists(#keys.#kid)',
    ExpressionAttributeNames: { '#keys': 'keys', '#kid': kid, '#status': 'status' },
    ExpressionAttributeValues: { ':revoked': 'revoked', ':now': new Date(now).toISOString() },
  });
  if (!revoked) throw new ApiError('not_found', `customer ${customerId} has no key ${kid}`);
}

/** A customer's registered keys (public parts and status; nothing else of the item), or `undefined` if gone. */
export async function getCustomerKeys(customerId: string): Promise<Customer['keys'] | undefined> {
  const result = await customerDatabase('GetItem', () =>
    dynamo().send(
      new GetCommand({
        TableName: customersTable(),
        Key: { customerId },
        ProjectionExpression: 'customerId, #keys',
        ExpressionAttributeNames: { '#keys': 'keys' },
        ConsistentRead: true,
      }),
    ),
  );
  return result.Item ? ((result.Item.keys ?? {}) as Customer['keys']) : undefined;
}

/**
 * The transaction action by which a customer adds a key to their own account: only under an ID not taken (revoked
 * keys keep theirs), and only while the session that asked is current (its token version; a password change or a
 * logout since refuses it).
 */
export function ownKeyAddition(
  customerId: string,
  kid: string,
  key: RegisteredKey,
  tokenVersion: number,
): TransactItem {
  return {
    Update: {
      TableName: customersTable(),
      Key: { customerId },
      UpdateExpression: 'SET #keys.#kid = :key',
      ConditionExpression: 'tokenVersion = :tv AND attribute_not_exists(#keys.#kid)',
      ExpressionAttributeNames: { '#keys': 'keys', '#kid': kid },
      ExpressionAttributeValues: { ':key': key, ':tv': tokenVersion },
    },
  };
}

/**
 * The transaction action by which a customer revokes one of their own keys: only an active one, and only while the
 * session that asked is current. Orders not yet committed are refused from then on: the order transaction checks the
 * key's status at commit (shared/aws/accounts.ts).
 */
export function ownKeyRevocation(customerId: string, kid: string, tokenVersion: number, now: number): TransactItem {
  return {
    Update: {
      TableName: customersTable(),
      Key: { customerId },
      UpdateExpression: 'SET #keys.#kid.#status = :revoked, #keys.#kid.revokedAt = :now',
      ConditionExpression: 'tokenVersion = :tv AND #keys.#kid.#status = :active',
      ExpressionAttributeNames: { '#keys': 'keys', '#kid': kid, '#status': 'status' },
      ExpressionAttributeValues: {
        ':revoked': 'revoked',
        ':active': 'active',
        ':now': new Date(now).toISOString(),
        ':tv': tokenVersion,
      },
    },
  };
}
