/**
 * A customer managing their own signing keys: listing them, adding one, revoking one. Adding needs a proof of
 * possession signed with the new key (shared/key-proofs.ts) and revoking and adding both need the customer's current
 * password, counted against the lockout: a stolen session token alone changes nothing. Each change is one transaction
 * with its audit record and its account notice (the email the customer is owed about it, shared/notices.ts), so there
 * is no change without its record and its email, and no record or email without its change.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Actor } from '../audit.js';
import { config } from '../config.js';
import { ApiError, serviceUnavailable, sessionInvalid } from '../errors.js';
import type { CustomerSession } from '../handler.js';
import { verifyKeyProof } from '../key-proofs.js';
import { parsePublicKeyPem, spkiFingerprint } from '../keys.js';
import { keyNotice } from '../notices.js';
import type { KeyChange } from '../notices.js';
import { auditAction } from '../aws/audit.js';
import { activeCount, getCustomerKeys, keyAddition, keyRevocation, tooManyKeys } from '../aws/customer-keys.js';
import { CUSTOMER_LIMITS } from '../rules.js';
import { getCustomer } from '../aws/customers.js';
import type { Customer, RegisteredKey } from '../aws/customers.js';
import { noticePut } from '../aws/notices.js';
import { transact } from '../aws/transactions.js';
import type { TransactItem } from '../aws/transactions.js';
import { keyForRegistration } from './admin.js';
import { checkCurrentPassword } from './sessions.js';

/** A key as its owner sees it: public facts only (never the PEM, which the owner has, nor anything secret). */
export interface OwnKeyView {
  readonly keyId: string;
  readonly alg: RegisteredKey['alg'];
  readonly status: RegisteredKey['status'];
  readonly addedAt: string;
  readonly revokedAt?: string;
  /** SHA-256 of the key's SPKI, base64url: what `po keygen` prints, whatever ID the key was registered under. */
  readonly fingerprint: string;
}

/** `GET /account/keys`: every key, oldest first, and how many are active (0: the customer cannot order). */
export interface OwnKeysView {
  readonly customerId: string;
  /** This OPD's ID (configuration `OPD_ID`): the `aud` a proof of possession names (docs/envelope.md §11). */
  readonly opdId: string;
  readonly activeKeys: number;
  readonly keys: readonly OwnKeyView[];
}

/** What a key change did: the key as it now is, how many keys are active after it, and whether anything changed. */
export interface OwnKeyChange {
  readonly customerId: string;
  readonly key: OwnKeyView;
  readonly activeKeys: number;
  /** False for the revocation of a key already revoked (nothing written, no email). */
  readonly changed: boolean;
}

/** A registered key as its owner sees it. */
function ownKeyView(keyId: string, key: RegisteredKey): OwnKeyView {
  return {
    keyId,
    alg: key.alg,
    status: key.status,
    addedAt: key.addedAt,
    ...(key.revokedAt === undefined ? {} : { revokedAt: key.revokedAt }),
    fingerprint: spkiFingerprint(parsePublicKeyPem(key.publicKeyPem)),
  };
}

/** The customer's keys. @throws ApiError `unauthorized` (the customer is gone) */
export async function listOwnKeys(customerId: string): Promise<OwnKeysView> {
  const keys = await getCustomerKeys(customerId);
  if (!keys) throw sessionInvalid();
  const views = Object.entries(keys)
    .map(([kid, key]) => ownKeyView(kid, key))
    .sort((a, b) => a.addedAt.localeCompare(b.addedAt) || a.keyId.localeCompare(b.keyId));
  return { customerId, opdId: config().opdId, activeKeys: activeCount(keys), keys: views };
}

/** `POST /account/keys`, as the router parsed it. */
export interface NewOwnKey {
  readonly publicKeyPem: string;
  readonly keyId?: string | undefined;
  readonly proof: string;
  readonly password: string;
}

/**
 * Adds a key to the session's customer. Checks, in order: the key (format, algorithm, size, ID); its proof of
 * possession; the current password (counted against the lockout); then one transaction: the key (under an ID not
 * taken, the session still current), its audit record and its notice.
 * @throws KeyError (the key codes); ApiError `key_proof_invalid`, `invalid_credentials`, `already_exists`,
 *   `unauthorized`, `service_unavailable`
 */
export async function addOwnKey(
  session: CustomerSession,
  actor: Actor,
  request: NewOwnKey,
  now = Date.now(),
): Promise<OwnKeyChange> {
  const { customerId } = session;
  const { kid, key, verifier } = keyForRegistration(request.publicKeyPem, request.keyId, now);
  verifyKeyProof(request.proof, { customerId, opdId: config().opdId, key: verifier, now });
  const view = ownKeyView(kid, key);
  return changeOwnKeys(session, actor, request.password, now, (keys) => {
    if (Object.hasOwn(keys, kid)) throw new ApiError('already_exists', `your account already has a key ${kid}`);
    if (Object.keys(keys).length >= CUSTOMER_LIMITS.maxKeys) throw tooManyKeys();
    const { fingerprint } = view;
    const answer = { customerId, key: view, activeKeys: activeCount(keys) + 1, changed: true };
    return {
      answer,
      update: keyAddition(customerId, kid, key, session.tokenVersion),
      change: {
        kind: 'key-added',
        keyId: kid,
        fingerprint,
        alg: key.alg,
        activeKeys: answer.activeKeys,
        requestId: actor.requestId,
      },
      audit: { action: 'customer-key.add', changes: { keyId: kid, alg: key.alg, fingerprint } },
    };
  });
}

/**
 * Revokes one of the session's customer's keys, at once: orders not yet committed that are signed with it are refused
 * (the order transaction checks the key's status at commit). The last active key may be revoked too (a stolen key
 * must be stoppable): the answer's `activeKeys` is then 0. A key already revoked is answered as it is, unchanged.
 * @throws ApiError `invalid_credentials`, `not_found` (no such key), `unauthorized`, `service_unavailable`
 */
export async function revokeOwnKey(
  session: CustomerSession,
  actor: Actor,
  kid: string,
  password: string,
  now = Date.now(),
): Promise<OwnKeyChange> {
  const { customerId } = session;
  return changeOwnKeys(session, actor, password, now, (keys) => {
    const stored = Object.hasOwn(keys, kid) ? keys[kid] : undefined;
    if (!stored) throw new ApiError('not_found', `your account has no key ${kid}`);
    if (stored.status !== 'active')
      return { answer: { customerId, key: ownKeyView(kid, stored), activeKeys: activeCount(keys), changed: false } };
    const revokedAt = new Date(now).toISOString();
    const view = ownKeyView(kid, { ...stored, status: 'revoked', revokedAt });
    const answer = { customerId, key: view, activeKeys: activeCount(keys) - 1, changed: true };
    return {
      answer,
      update: keyRevocation(customerId, kid, now, session.tokenVersion),
      change: {
        kind: 'key-revoked',
        keyId: kid,
        fingerprint: view.fingerprint,
        alg: stored.alg,
        activeKeys: answer.activeKeys,
        requestId: actor.requestId,
      },
      audit: {
        action: 'customer-key.revoke',
        changes: { keyId: kid, fingerprint: view.fingerprint, status: { before: 'active', after: 'revoked' } },
      },
    };
  });
}

/** A key change as planned from the keys as read: the answer, and (unless nothing changes) what to write. */
type Plan =
  | { readonly answer: OwnKeyChange; readonly update?: undefined }
  | {
      readonly answer: OwnKeyChange;
      readonly update: TransactItem;
      readonly change: KeyChange;
      readonly audit: {
        readonly action: 'customer-key.add' | 'customer-key.revoke';
        readonly changes: Readonly<Record<string, unknown>>;
      };
    };

/** How many times a key change is planned again from a fresh read after its transaction lost a race. */
const ATTEMPTS = 3;

/**
 * Re-authenticates the session's customer with `password`, then plans the change from their keys as read and commits
 * it — key update, audit record, notice — in one transaction, planning again from a fresh read when it lost a race
 * (another change to the keys, a conflicting transaction): so two adds of one key ID give one key, one record, one
 * email, and the other an `already_exists` from the read that sees it.
 */
async function changeOwnKeys(
  session: CustomerSession,
  actor: Actor,
  password: string,
  now: number,
  plan: (keys: Customer['keys']) => Plan,
): Promise<OwnKeyChange> {
  const account = { kind: 'customer', id: session.customerId } as const;
  let customer = await getCustomer(session.customerId);
  if (!customer || customer.tokenVersion !== session.tokenVersion) throw sessionInvalid();
  await checkCurrentPassword(account, customer.passwordHash, password, now);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (attempt > 0) {
      await sleep(Math.floor(Math.random() * 50 * attempt));
      customer = await getCustomer(session.customerId);
      // Its sessions ended since (a password change, a logout, disabled): this one may not change anything.
      if (!customer || customer.tokenVersion !== session.tokenVersion) throw sessionInvalid();
    }
    const planned = plan(customer.keys);
    if (planned.update === undefined) return planned.answer;
    const result = await transact('the customer database', {
      key: planned.update,
      audit: auditAction(actor, { ...planned.audit, target: session.customerId }, now),
      notice: noticePut(keyNotice(session.customerId, planned.change, now)),
    });
    if (result.committed) return planned.answer;
  }
  throw serviceUnavailable('the customer database', 1);
}
