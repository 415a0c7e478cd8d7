/**
 * A customer's registered public keys on the customers table: read one, add one, revoke one. Key material under an ID
 * never changes and revoked keys stay, so stored evidence always finds the key it was verified with.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ApiError } from '../errors.js';
import { dynamo } from './clients.js';
import { customerDatabase, customersTable, getCustomer, updateCustomer } from './customers.js';
import type { Customer, RegisteredKey } from './customers.js';

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
