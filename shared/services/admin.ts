/**
 * Admin use cases that need more than one adapter call: registering customers and their keys, unlocking a customer.
 * Each change is one transaction with its audit record, naming the actor.
 */
import type { Actor } from '../audit.js';
import { ApiError, serviceUnavailable } from '../errors.js';
import { auditAction } from '../aws/audit.js';
import { unlockAction } from '../aws/credentials.js';
import { transact } from '../aws/transactions.js';
import { exportPublicKeyPem, parsePublicKeyPem, verificationKey } from '../keys.js';
import type { VerificationKey } from '../keys.js';
import { checkPasswordPolicy, hashPassword } from '../passwords.js';
import { createCustomer, getCustomer } from '../aws/customers.js';
import { addCustomerKey } from '../aws/customer-keys.js';
import type { Customer, RegisteredKey } from '../aws/customers.js';

/**
 * Checks a public key for registration (format, algorithm, minimum size) and returns it as stored: normalised SPKI
 * PEM with the algorithm it is registered for. The key ID defaults to the SPKI fingerprint. `verifier` is the same key
 * ready to verify (a proof of possession), with its ID.
 * @throws KeyError (`key_too_small`, `key_unsupported`, `key_wrong_kind`, `key_malformed`, `key_id_invalid`)
 */
export function keyForRegistration(
  publicKeyPem: string,
  keyId: string | undefined,
  now: number,
): { kid: string; key: RegisteredKey; verifier: VerificationKey } {
  const key = verificationKey(parsePublicKeyPem(publicKeyPem), keyId);
  return {
    kid: key.kid,
    verifier: key,
    key: {
      alg: key.alg,
      publicKeyPem: exportPublicKeyPem(key.publicKey),
      status: 'active',
      addedAt: new Date(now).toISOString(),
    },
  };
}

/** A customer to register, as the administrator gives it: the password in clear (hashed here), the public keys. */
export interface NewCustomer {
  readonly customerId: string;
  readonly email: string;
  readonly password: string;
  readonly keys: ReadonlyArray<{ publicKeyPem: string; keyId?: string | undefined }>;
}

/**
 * Creates a customer with a hashed password and registered keys, and its audit record (`customer.add`: the email and
 * the key IDs) in the same transaction. Returns the key IDs.
 */
export async function registerCustomer(input: NewCustomer, actor: Actor, now = Date.now()): Promise<string[]> {
  checkPasswordPolicy(input.password, { customerId: input.customerId });
  const keys: Record<string, RegisteredKey> = {};
  for (const { publicKeyPem, keyId } of input.keys) {
    const { kid, key } = keyForRegistration(publicKeyPem, keyId, now);
    if (keys[kid]) throw new ApiError('invalid_request', `key ${kid} is listed twice`);
    keys[kid] = key;
  }
  const customer: Customer = {
    customerId: input.customerId,
    email: input.email,
    passwordHash: await hashPassword(input.password),
    failedLogins: 0,
    tokenVersion: 1,
    keys,
    createdAt: new Date(now).toISOString(),
    balanceCents: 0,
    ledgerSeq: 0,
  };
  const keyIds = Object.keys(keys);
  await createCustomer(
    customer,
    auditAction(
      actor,
      { action: 'customer.add', target: input.customerId, changes: { email: { after: input.email }, keyIds } },
      now,
    ),
  );
  return keyIds;
}

/**
 * Lifts a customer's lockout, with its audit record (the count of failed logins before → 0) in the same transaction.
 * A customer with no failed login counted has nothing to lift: nothing is written or recorded.
 * @throws ApiError `not_found` (no such customer), `service_unavailable` (the count kept moving: logins meanwhile)
 */
export async function unlockCustomer(
  customerId: string,
  actor: Actor,
  now = Date.now(),
): Promise<'unlocked' | 'unchanged'> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const customer = await getCustomer(customerId);
    if (!customer) throw new ApiError('not_found', `no customer ${customerId}`);
    const failedLogins = customer.failedLogins ?? 0;
    if (failedLogins === 0 && customer.lockedUntil === undefined) return 'unchanged';
    const result = await transact('the customer database', {
      unlock: unlockAction({ kind: 'customer', id: customerId }, failedLogins),
      audit: auditAction(
        actor,
        {
          action: 'customer.unlock',
          target: customerId,
          changes: { failedLogins: { before: failedLogins, after: 0 } },
        },
        now,
      ),
    });
    if (result.committed) return 'unlocked';
    // The count moved between the read and the write (a login attempt meanwhile): read it again.
  }
  throw serviceUnavailable('the customer database', 1);
}

/** Registers one more key for an existing customer, audited as `actor`'s. Returns its ID. */
export async function registerCustomerKey(
  customerId: string,
  publicKeyPem: string,
  keyId: string | undefined,
  actor: Actor,
  now = Date.now(),
): Promise<string> {
  const { kid, key } = keyForRegistration(publicKeyPem, keyId, now);
  await addCustomerKey(customerId, kid, key, actor, now);
  return kid;
}
