/**
 * The keys table: the server's X25519 decryption keys, the OPD's Ed25519 receipt signing keys and the session-token
 * secrets, their private parts stored only KMS-wrapped. Functions hold the keys they use in memory
 * (shared/aws/key-ring.ts).
 *
 * Rotation adds a new active key pair: a rotated server key stays decrypt-only for its grace period; a rotated receipt
 * key signs no more (within the receipt ring's freshness bound) but stays published (`GET /receipt-keys`) for ever,
 * so old receipts still verify. A receipt key that leaked is revoked (shared/aws/receipt-key-revocation.ts). The
 * deploy-time custom resource, the local stack and the admin routes all call the same functions.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Actor } from '../audit.js';
import { config } from '../config.js';
import { serviceUnavailable } from '../errors.js';
import { exportPublicKeyPem, spkiFingerprint } from '../keys.js';
import { logger } from '../observability.js';
import { auditAction } from './audit.js';
import { dynamo, guarded, updateIf } from './clients.js';
import { generateSecret, wrapSecret } from './kms.js';
import type { SecretPurpose } from './kms.js';
import { transact } from './transactions.js';

/** An item of the keys table. */
export interface StoredKey {
  readonly purpose: SecretPurpose;
  readonly kid: string;
  readonly wrapped: Uint8Array;
  /** `revoked`: a receipt key that leaked; never used again, published as revoked (receipt-key-revocation.ts). */
  readonly status: 'active' | 'retiring' | 'revoked';
  readonly createdAt: string;
  /** Epoch seconds after which a retiring key is no longer used. */
  readonly retireAt?: number;
  /** When a receipt key was revoked (ISO 8601). */
  readonly revokedAt?: string;
  readonly publicKeyPem?: string;
}

/** How failures of the keys table are named (in logs and 503 answers). */
const SERVICE = 'the key store';

/** Runs one request to the keys table through {@link guarded}: anything unexpected is a 503. */
export const keyStore = <T>(what: string, operation: () => Promise<T>) => guarded(SERVICE, what, operation);

/** Every key of one purpose ever created (wrapped private parts included; publish only the public ones). */
export async function listKeys(purpose: SecretPurpose): Promise<StoredKey[]> {
  const items: StoredKey[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await keyStore('Query', () =>
      dynamo().send(
        new QueryCommand({
          TableName: config().tables.keys,
          KeyConditionExpression: 'purpose = :purpose',
          ExpressionAttributeValues: { ':purpose': purpose },
          ConsistentRead: true,
          ExclusiveStartKey: cursor,
        }),
      ),
    );
    items.push(...((page.Items ?? []) as StoredKey[]));
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return items;
}

/** Keys of one purpose still in use (active, or retiring within their grace period), newest first. */
export async function listUsableKeys(purpose: SecretPurpose, now = Date.now()): Promise<StoredKey[]> {
  const nowSeconds = Math.floor(now / 1000);
  return (await listKeys(purpose))
    .filter((key) => key.status === 'active' || (key.status === 'retiring' && (key.retireAt ?? 0) > nowSeconds))
    .sort((a, b) => (a.status === b.status ? newerFirst(a, b) : a.status === 'active' ? -1 : 1));
}

/**
 * Newer first: by creation time (ISO 8601), then by ID — a total order, the same for every function. Plain code-unit
 * comparison, not `localeCompare`: a locale's collation (case folding, for one) must not decide which key is newest.
 */
function newerFirst(a: Pick<StoredKey, 'createdAt' | 'kid'>, b: Pick<StoredKey, 'createdAt' | 'kid'>): number {
  const byCode = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return byCode(b.createdAt, a.createdAt) || byCode(b.kid, a.kid);
}

/**
 * Marks the active keys of `purpose` older than `newKey` as retiring, usable for `graceSeconds` more. Only older ones:
 * two rotations at the same time must not retire each other's new key, so the newest key is never retired.
 */
export async function retireOlder(
  purpose: SecretPurpose,
  newKey: StoredKey,
  graceSeconds: number,
  now: number,
): Promise<void> {
  for (const key of await listUsableKeys(purpose, now)) {
    if (key.status !== 'active' || newerFirst(newKey, key) >= 0) continue;
    // A false condition means it was retired concurrently: fine.
    await updateIf(SERVICE, {
      TableName: config().tables.keys,
      Key: { purpose, kid: key.kid },
      UpdateExpression: 'SET #status = :retiring, retireAt = :retireAt',
      ConditionExpression: '#status = :active',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':retiring': 'retiring',
        ':active': 'active',
        ':retireAt': Math.floor(now / 1000) + graceSeconds,
      },
    });
  }
}

async function putNewKey(key: StoredKey): Promise<void> {
  await keyStore('PutItem', () =>
    dynamo().send(
      new PutCommand({ TableName: config().tables.keys, Item: key, ConditionExpression: 'attribute_not_exists(kid)' }),
    ),
  );
}

/** A public key of the keys table: ID (its SPKI fingerprint) and SPKI PEM. */
export interface PublishedKey {
  readonly kid: string;
  readonly publicKeyPem: string;
}

/** Key pairs the OPD holds: X25519 server keys decrypt orders; Ed25519 receipt keys sign receipts. */
const KEY_PAIRS = {
  'server-key': { type: 'x25519', graceSeconds: () => config().serverKeyGraceSeconds },
  // A rotated receipt key signs nothing more (no grace); it stays published so that its receipts stay verifiable.
  'receipt-key': { type: 'ed25519', graceSeconds: () => 0 },
} as const satisfies Partial<Record<SecretPurpose, { type: 'x25519' | 'ed25519'; graceSeconds: () => number }>>;
type KeyPairPurpose = keyof typeof KEY_PAIRS;

/**
 * Creates a new active key pair of `purpose` (private part KMS-wrapped) and retires the previous one. A staff member's
 * rotation (`actor`) puts the new key and its audit record (target: the new key; the active key before → after) in
 * one transaction; the deploy's provisioning, which is no one's action, puts the key alone.
 */
async function rotateKeyPair(purpose: KeyPairPurpose, now: number, actor?: Actor): Promise<PublishedKey> {
  const key = await newKeyPair(purpose, now);
  if (actor) {
    const before = (await listUsableKeys(purpose, now)).find((stored) => stored.status === 'active')?.kid;
    const result = await transact(SERVICE, {
      key: { Put: { TableName: config().tables.keys, Item: key, ConditionExpression: 'attribute_not_exists(kid)' } },
      audit: auditAction(
        actor,
        {
          action: purpose === 'server-key' ? 'server-key.rotate' : 'receipt-key.rotate',
          target: key.kid,
          changes: { activeKey: { ...(before === undefined ? {} : { before }), after: key.kid } },
        },
        now,
      ),
    });
    if (!result.committed) throw serviceUnavailable(SERVICE, 1);
  } else await putNewKey(key);
  await retireOlder(purpose, key, KEY_PAIRS[purpose].graceSeconds(), now);
  logger.info(`${purpose} rotated`, { kid: key.kid });
  return { kid: key.kid, publicKeyPem: key.publicKeyPem! };
}

/** A new active key pair of `purpose`, its private part KMS-wrapped, not stored yet. */
export async function newKeyPair(purpose: KeyPairPurpose, now: number): Promise<StoredKey> {
  const { privateKey, publicKey } =
    KEY_PAIRS[purpose].type === 'x25519' ? generateKeyPairSync('x25519') : generateKeyPairSync('ed25519');
  const kid = spkiFingerprint(publicKey);
  const wrapped = await wrapSecret(privateKey.export({ type: 'pkcs8', format: 'der' }), purpose, kid);
  return {
    purpose,
    kid,
    wrapped,
    status: 'active',
    createdAt: new Date(now).toISOString(),
    publicKeyPem: exportPublicKeyPem(publicKey),
  };
}

/** Makes sure an active key pair of `purpose` exists (first deploy, or a stack update that adds a purpose). */
async function ensureKeyPair(purpose: KeyPairPurpose, now: number): Promise<PublishedKey> {
  const active = (await listUsableKeys(purpose, now)).find((key) => key.status === 'active');
  if (active?.publicKeyPem) return { kid: active.kid, publicKeyPem: active.publicKeyPem };
  return rotateKeyPair(purpose, now);
}

/**
 * Creates a new active X25519 server key (KMS-wrapped) and retires the previous one, audited as `actor`'s. Returns its
 * ID and public key.
 */
export function rotateServerKey(actor: Actor, now = Date.now()): Promise<PublishedKey> {
  return rotateKeyPair('server-key', now, actor);
}

/** Creates a new active Ed25519 receipt key, audited as `actor`'s; the previous one signs no more but stays published. */
export function rotateReceiptKey(actor: Actor, now = Date.now()): Promise<PublishedKey> {
  return rotateKeyPair('receipt-key', now, actor);
}

/** Makes sure an active session-token secret exists; creates one (KMS GenerateDataKey) if not. Returns its ID. */
export async function ensureSessionKey(now = Date.now()): Promise<string> {
  const existing = (await listUsableKeys('session-key', now)).find((key) => key.status === 'active');
  if (existing) return existing.kid;
  const kid = randomBytes(12).toString('base64url');
  const { wrapped } = await generateSecret('session-key', kid);
  await putNewKey({ purpose: 'session-key', kid, wrapped, status: 'active', createdAt: new Date(now).toISOString() });
  logger.info('session key created', { kid });
  return kid;
}

/** Makes sure a server key exists (first deploy); returns the active one. */
export function ensureServerKey(now = Date.now()): Promise<PublishedKey> {
  return ensureKeyPair('server-key', now);
}

/** Makes sure a receipt key exists (first deploy, or the first update that brings receipts); returns the active one. */
export function ensureReceiptKey(now = Date.now()): Promise<PublishedKey> {
  return ensureKeyPair('receipt-key', now);
}
