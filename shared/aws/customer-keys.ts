/**
 * A customer's registered public keys on the customers table: read one, add one, revoke one. Key material under an ID
 * never changes and revoked keys stay, so stored evidence always finds the key it was verified with. Every addition
 * and revocation is audited, in its own transaction, whoever makes it (a staff member, the customer).
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Actor } from '../audit.js';
import { ApiError, serviceUnavailable } from '../errors.js';
import { parsePublicKeyPem, spkiFingerprint } from '../keys.js';
import { auditAction } from './audit.js';
import { dynamo } from './clients.js';
import { customerDatabase, customersTable, getCustomer } from './customers.js';
import type { Customer, RegisteredKey } from './customers.js';
import type { TransactItem } from './transactions.js';
import { transact } from './transactions.js';
import { keyNotice } from '../notices.js';
import { CUSTOMER_LIMITS } from '../rules.js';
import type { NoticeKind } from '../notices.js';
import { noticePut } from './notices.js';

/** How failures of the customers table are named (in logs and 503 answers). */
const SERVICE = 'the customer database';

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

/** What the audit trail records of a key: its ID, algorithm and SPKI fingerprint (never the key itself). */
function keyChanges(kid: string, key: Pick<RegisteredKey, 'alg' | 'publicKeyPem'>) {
  return { keyId: kid, alg: key.alg, fingerprint: spkiFingerprint(parsePublicKeyPem(key.publicKeyPem)) };
}

/** The refusal of a key beyond {@link CUSTOMER_LIMITS.maxKeys}. */
export const tooManyKeys = () =>
  new ApiError(
    'too_many_keys',
    `an account holds at most ${CUSTOMER_LIMITS.maxKeys} keys, revoked ones included (they verify old orders); the OPD can help`,
  );

/** How many of a customer's keys are active. */
export const activeCount = (keys: Customer['keys']) =>
  Object.values(keys).filter((key) => key.status === 'active').length;

/** The notice that emails the customer about a change of their keys, whoever made it (shared/notices.ts). */
function noticeOf(
  customerId: string,
  kind: NoticeKind,
  kid: string,
  key: RegisteredKey,
  activeKeys: number,
  actor: Actor,
  now: number,
) {
  const { fingerprint, alg } = keyChanges(kid, key);
  return noticePut(
    keyNotice(customerId, { kind, keyId: kid, fingerprint, alg, activeKeys, requestId: actor.requestId }, now),
  );
}

/**
 * Registers a key under `kid`, with its audit record (`customer-key.add`, by `actor`) and the notice that emails the
 * customer in the same transaction.
 * @throws ApiError `not_found` (no such customer) or `already_exists` (key ID taken)
 */
export async function addCustomerKey(
  customerId: string,
  kid: string,
  key: RegisteredKey,
  actor: Actor,
  now = Date.now(),
): Promise<void> {
  const current = await getCustomer(customerId);
  if (!current) throw new ApiError('not_found', `no customer ${customerId}`);
  const taken = () => new ApiError('already_exists', `customer ${customerId} already has a key ${kid}`);
  if (Object.hasOwn(current.keys, kid)) throw taken();
  if (Object.keys(current.keys).length >= CUSTOMER_LIMITS.maxKeys) throw tooManyKeys();
  const result = await transact(SERVICE, {
    key: keyAddition(customerId, kid, key),
    audit: auditAction(actor, { action: 'customer-key.add', target: customerId, changes: keyChanges(kid, key) }, now),
    notice: noticeOf(customerId, 'key-added', kid, key, activeCount(current.keys) + 1, actor, now),
  });
  if (result.committed) return;
  if (result.reasons.key?.code === 'ConditionalCheckFailed') {
    // Taken meanwhile, or the account filled up meanwhile (keys added at the same moment): say which.
    const keys = await getCustomerKeys(customerId);
    if (keys && !Object.hasOwn(keys, kid) && Object.keys(keys).length >= CUSTOMER_LIMITS.maxKeys) throw tooManyKeys();
    throw taken();
  }
  throw serviceUnavailable(SERVICE, 1);
}

/**
 * Revokes a key: orders signed with it are refused from now on; stored evidence stays verifiable. The revocation, its
 * audit record (`customer-key.revoke`, by `actor`) and the notice that emails the customer are one transaction. A key
 * already revoked stays as it was (its revocation time included): `unchanged`, nothing recorded.
 * @throws ApiError `not_found` (no such customer or key), `service_unavailable`
 */
export async function revokeCustomerKey(
  customerId: string,
  kid: string,
  actor: Actor,
  now = Date.now(),
): Promise<'revoked' | 'unchanged'> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const keys = await getCustomerKeys(customerId);
    const key = keys && Object.hasOwn(keys, kid) ? keys[kid] : undefined;
    if (!keys || !key) throw new ApiError('not_found', `customer ${customerId} has no key ${kid}`);
    if (key.status === 'revoked') return 'unchanged';
    const result = await transact(SERVICE, {
      key: keyRevocation(customerId, kid, now),
      audit: auditAction(
        actor,
        { action: 'customer-key.revoke', target: customerId, changes: keyChanges(kid, key) },
        now,
      ),
      notice: noticeOf(customerId, 'key-revoked', kid, key, activeCount(keys) - 1, actor, now),
    });
    if (result.committed) return 'revoked';
    // Revoked meanwhile, or held by another transaction: look again.
  }
  throw serviceUnavailable(SERVICE, 1);
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
 * The transaction action that adds a key: only under an ID not taken (revoked keys keep theirs), only while the
 * account holds fewer than {@link CUSTOMER_LIMITS.maxKeys}, and — when a customer adds it to their own account — only
 * while the session that asked is current (`tokenVersion`: a password change or a logout since refuses it).
 */
export function keyAddition(customerId: string, kid: string, key: RegisteredKey, tokenVersion?: number): TransactItem {
  const session = tokenVersion === undefined ? '' : 'tokenVersion = :tv AND ';
  return {
    Update: {
      TableName: customersTable(),
      Key: { customerId },
      UpdateExpression: 'SET #keys.#kid = :key',
      ConditionExpression: `${session}attribute_exists(customerId) AND attribute_not_exists(#keys.#kid) AND size(#keys) < :max`,
      ExpressionAttributeNames: { '#keys': 'keys', '#kid': kid },
      ExpressionAttributeValues: {
        ':key': key,
        ':max': CUSTOMER_LIMITS.maxKeys,
        ...(tokenVersion === undefined ? {} : { ':tv': tokenVersion }),
      },
    },
  };
}

/**
 * The transaction action that revokes a key: only an active one, and — when a customer revokes their own — only while
 * the session that asked is current. Orders not yet committed are refused from then on: the order transaction checks
 * the key's status at commit (shared/aws/accounts.ts).
 */
export function keyRevocation(customerId: string, kid: string, now: number, tokenVersion?: number): TransactItem {
  const session = tokenVersion === undefined ? '' : 'tokenVersion = :tv AND ';
  return {
    Update: {
      TableName: customersTable(),
      Key: { customerId },
      UpdateExpression: 'SET #keys.#kid.#status = :revoked, #keys.#kid.revokedAt = :now',
      ConditionExpression: `${session}#keys.#kid.#status = :active`,
      ExpressionAttributeNames: { '#keys': 'keys', '#kid': kid, '#status': 'status' },
      ExpressionAttributeValues: {
        ':revoked': 'revoked',
        ':active': 'active',
        ':now': new Date(now).toISOString(),
        ...(tokenVersion === undefined ? {} : { ':tv': tokenVersion }),
      },
    },
  };
}
