/**
 * The keys table: the server's X25519 decryption keys, the OPD's Ed25519 receipt signing keys and the session-token
 * secrets, stored only KMS-wrapped.
 *
 * Each function unwraps the keys it needs once per cold start and keeps them in memory ({@link KeyRing}). An unknown
 * key ID triggers one reload: the keys table is listed again and only keys not yet in memory are unwrapped, so a key
 * created by a rotation is usable at once, while an ID that does not exist costs one table read (then remembered as
 * unknown for {@link RELOAD_INTERVAL_MS}) and never a KMS call. The key a function signs with ({@link KeyRing.active})
 * is re-read at most every {@link ACTIVE_KEY_MAX_AGE_MS}, so a rotation reaches warm functions within that time.
 * Receipt keys are held to a tighter bound: an order function never signs a receipt with key states older than
 * {@link RECEIPT_KEY_MAX_AGE_MS} (it re-reads them in the background after {@link RECEIPT_KEY_REFRESH_MS}, never per
 * order), so a rotated or revoked receipt key signs nothing later than that after the change, in any warm function.
 *
 * Rotation adds a new active key pair: a rotated server key stays decrypt-only for its grace period; a rotated receipt
 * key signs no more (within {@link RECEIPT_KEY_MAX_AGE_MS}) but stays published (`GET /receipt-keys`) for ever, so
 * old receipts still verify. A receipt key that leaked is revoked ({@link revokeReceiptKey}): it is rotated out if it
 * signs now, and published as revoked, with the time, so that a receipt it signed later is known not to be the
 * OPD's. The deploy-time custom resource, the local stack and the admin routes all call the same functions.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.js';
import { ApiError, serviceUnavailable } from '../errors.js';
import { exportPublicKeyPem, spkiFingerprint } from '../keys.js';
import { logger } from '../observability.js';
import { dynamo, guarded, isConditionFailure, whenConditionFails } from './clients.js';
import { generateSecret, unwrapSecret, wrapSecret } from './kms.js';
import type { SecretPurpose } from './kms.js';

/** An item of the keys table. */
export interface StoredKey {
  readonly purpose: SecretPurpose;
  readonly kid: string;
  readonly wrapped: Uint8Array;
  /** `revoked`: a receipt key that leaked; never used again, published as revoked (see {@link revokeReceiptKey}). */
  readonly status: 'active' | 'retiring' | 'revoked';
  readonly createdAt: string;
  /** Epoch seconds after which a retiring key is no longer used. */
  readonly retireAt?: number;
  /** When a receipt key was revoked (ISO 8601). */
  readonly revokedAt?: string;
  readonly publicKeyPem?: string;
}

/** How long an ID found in no reload is answered as unknown without asking the table again. */
export const RELOAD_INTERVAL_MS = 30_000;
/** How long a function signs with the active key it loaded before it looks for a newer one. */
export const ACTIVE_KEY_MAX_AGE_MS = 60_000;
/** After this, an order function re-reads the receipt keys' states in the background (at most once per interval). */
export const RECEIPT_KEY_REFRESH_MS = 5_000;
/**
 * The oldest receipt key states an order function signs with: past it, it reads them before signing, and if the keys
 * table cannot be read it signs nothing (503). A rotated or revoked receipt key signs no more after this long.
 */
export const RECEIPT_KEY_MAX_AGE_MS = 10_000;
const MAX_REMEMBERED_MISSES = 1024;

const database = <T>(what: string, operation: () => Promise<T>) => guarded('the key store', what, operation);

/** Every key of one purpose ever created (wrapped private parts included; publish only the public ones). */
export async function listKeys(purpose: SecretPurpose): Promise<StoredKey[]> {
  const items: StoredKey[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await database('Query', () =>
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
async function retireOlder(
  purpose: SecretPurpose,
  newKey: StoredKey,
  graceSeconds: number,
  now: number,
): Promise<void> {
  for (const key of await listUsableKeys(purpose, now)) {
    if (key.status !== 'active' || newerFirst(newKey, key) >= 0) continue;
    const retire = new UpdateCommand({
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
    // A false condition means it was retired concurrently: fine.
    await whenConditionFails(
      () => database('UpdateItem', () => dynamo().send(retire)),
      () => undefined,
    );
  }
}

async function putNewKey(key: StoredKey): Promise<void> {
  await database('PutItem', () =>
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

/** Creates a new active key pair of `purpose` (private part KMS-wrapped) and retires the previous one. */
async function rotateKeyPair(purpose: KeyPairPurpose, now: number): Promise<PublishedKey> {
  const key = await newKeyPair(purpose, now);
  await putNewKey(key);
  await retireOlder(purpose, key, KEY_PAIRS[purpose].graceSeconds(), now);
  logger.info(`${purpose} rotated`, { kid: key.kid });
  return { kid: key.kid, publicKeyPem: key.publicKeyPem! };
}

/** A new active key pair of `purpose`, its private part KMS-wrapped, not stored yet. */
async function newKeyPair(purpose: KeyPairPurpose, now: number): Promise<StoredKey> {
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

/** Creates a new active X25519 server key (KMS-wrapped) and retires the previous one. Returns its ID and public key. */
export function rotateServerKey(now = Date.now()): Promise<PublishedKey> {
  return rotateKeyPair('server-key', now);
}

/** Creates a new active Ed25519 receipt key; the previous one signs no more but stays published. */
export function rotateReceiptKey(now = Date.now()): Promise<PublishedKey> {
  return rotateKeyPair('receipt-key', now);
}

/** A revoked receipt key: when, when every warm function stopped signing with it at the latest, which key signs now. */
export interface RevokedReceiptKey {
  readonly kid: string;
  readonly revokedAt: string;
  readonly signsNoMoreAfter: string;
  /** The key that signs now. */
  readonly current: PublishedKey;
  /** Whether the revoked key was the one signing, so that `current` is new (announce its fingerprint). */
  readonly rotated: boolean;
}

/**
 * How long after a receipt key's revocation no order function signs with it: the oldest key states one signs with,
 * and 1 s for the revocation's own write and for the functions' clocks.
 */
export const RECEIPT_KEY_REVOCATION_MS = RECEIPT_KEY_MAX_AGE_MS + 1_000;

/** When a receipt key revoked at `revokedAt` (ISO 8601) signs nothing more, at the latest. */
export function signsNoMoreAfter(revokedAt: string): string {
  return new Date(Date.parse(revokedAt) + RECEIPT_KEY_REVOCATION_MS).toISOString();
}

/**
 * Revokes a receipt key (one that leaked). If it is the one that signs, a new key takes over in the same transaction
 * that revokes it (so there is always one active key, and of two revocations at once only one rotates); otherwise it
 * is marked revoked. Warm order functions stop signing with it by {@link signsNoMoreAfter}; it stays published, as
 * revoked. Revoking a revoked key changes nothing and answers as the first time.
 * @throws ApiError `not_found` (no receipt key with that ID)
 */
export async function revokeReceiptKey(kid: string, now = Date.now()): Promise<RevokedReceiptKey> {
  const { keys: table } = config().tables;
  let rotated = false;
  for (let attempt = 1; ; attempt++) {
    const key = (await listKeys('receipt-key')).find((stored) => stored.kid === kid);
    if (!key) throw new ApiError('not_found', `no receipt key ${kid}`);
    if (key.status === 'revoked' || attempt > 3) break;
    const seen = key.status; // the state this attempt acts on: the write is conditioned on it
    const successor = seen === 'active' ? await newKeyPair('receipt-key', now) : undefined;
    const revoke = {
      TableName: table,
      Key: { purpose: 'receipt-key', kid },
      UpdateExpression: 'SET #status = :revoked, revokedAt = :at',
      ConditionExpression: '#status = :seen',
      ExpressionAttributeNames: { '#status': 'status' },
      // Taken after the new key is made: the key stops being active no earlier than this.
      ExpressionAttributeValues: {
        ':revoked': 'revoked',
        ':at': new Date(Math.max(now, Date.now())).toISOString(),
        ':seen': seen,
      },
    };
    try {
      if (successor)
        await database('TransactWriteItems', () =>
          dynamo().send(
            new TransactWriteCommand({
              TransactItems: [
                { Put: { TableName: table, Item: successor, ConditionExpression: 'attribute_not_exists(kid)' } },
                { Update: revoke },
              ],
            }),
          ),
        );
      else await database('UpdateItem', () => dynamo().send(new UpdateCommand(revoke)));
    } catch (error) {
      // Its state changed meanwhile (revoked or rotated by another call): look again.
      if (error instanceof TransactionCanceledException || isConditionFailure(error)) continue;
      throw error;
    }
    if (successor) {
      rotated = true;
      await retireOlder('receipt-key', successor, 0, now); // an active key a concurrent rotation left, if any
    }
    logger.warn('receipt-key revoked', { kid, rotated });
    break;
  }
  const revoked = (await listKeys('receipt-key')).find((stored) => stored.kid === kid);
  const signing = (await listUsableKeys('receipt-key', now)).find((stored) => stored.status === 'active');
  if (revoked?.status !== 'revoked' || revoked.revokedAt === undefined || !signing?.publicKeyPem)
    throw serviceUnavailable('the key store');
  return {
    kid,
    revokedAt: revoked.revokedAt,
    signsNoMoreAfter: signsNoMoreAfter(revoked.revokedAt),
    current: { kid: signing.kid, publicKeyPem: signing.publicKeyPem },
    rotated,
  };
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

/**
 * Unwrapped keys of one purpose, in memory. `get(kid)` loads on first use (cold start) and reloads for an unknown ID
 * (unwrapping only new keys); an ID no reload found is answered as unknown for {@link RELOAD_INTERVAL_MS}.
 */
export class KeyRing<T> {
  private entries = new Map<string, { value: T; status: StoredKey['status'] }>();
  private loadedAt = 0;
  private loading: Promise<void> | undefined;
  /** Unknown IDs and when a reload last failed to find them. */
  private readonly misses = new Map<string, number>();

  /**
   * @param freshness how old the key states may be when {@link active} signs: re-read after `refreshAfterMs` (while
   *   signing with the ones in memory if the table cannot be read); with `maxAgeMs`, re-read in the background after
   *   `refreshAfterMs` and never older than `maxAgeMs` (if the table cannot be read then, nothing is signed).
   */
  constructor(
    private readonly purpose: SecretPurpose,
    private readonly unwrap: (plaintext: Uint8Array) => T,
    private readonly freshness: { readonly refreshAfterMs: number; readonly maxAgeMs?: number } = {
      refreshAfterMs: ACTIVE_KEY_MAX_AGE_MS,
    },
  ) {}

  private async load(): Promise<void> {
    this.loading ??= (async () => {
      // The states are as old as the read that fetched them, not as its answer (a read may be slow, or be frozen
      // with its Lambda between two invocations and finish minutes later).
      const started = Date.now();
      try {
        const stored = await listUsableKeys(this.purpose);
        const entries = new Map<string, { value: T; status: StoredKey['status'] }>();
        for (const key of stored) {
          const known = this.entries.get(key.kid);
          const value = known ? known.value : this.unwrap(await unwrapSecret(key.wrapped, this.purpose, key.kid));
          entries.set(key.kid, { value, status: key.status });
        }
        this.entries = entries;
        this.loadedAt = started;
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  /** The key with this ID, or `undefined` if there is none (after at most one reload). */
  async get(kid: string): Promise<T | undefined> {
    if (this.loadedAt === 0) await this.load();
    const known = this.entries.get(kid);
    if (known) return known.value;
    const missedAt = this.misses.get(kid);
    if (missedAt !== undefined && Date.now() - missedAt < RELOAD_INTERVAL_MS) return undefined;
    await this.load(); // unwraps only keys not in memory yet: KMS is called for new keys only
    const found = this.entries.get(kid);
    if (found) {
      this.misses.delete(kid);
      return found.value;
    }
    if (this.misses.size >= MAX_REMEMBERED_MISSES) this.misses.clear();
    this.misses.set(kid, Date.now());
    return undefined;
  }

  /**
   * The active key (newest first), for signing; re-read when the loaded one is older than
   * {@link ACTIVE_KEY_MAX_AGE_MS} (if the table cannot be read then, the key in memory goes on serving).
   * @throws ApiError `service_unavailable` if none is provisioned
   */
  async active(): Promise<{ kid: string; value: T }> {
    const { refreshAfterMs, maxAgeMs } = this.freshness;
    const stale = () => logger.warn(`could not re-read the ${this.purpose} states; using the ones in memory`);
    const tooOld = () => this.loadedAt === 0 || (maxAgeMs !== undefined && Date.now() - this.loadedAt > maxAgeMs);
    // A read under way may have started too long ago to count (joined here): read again, once, if it did.
    for (let reads = 0; tooOld(); reads++) {
      if (reads === 2) throw serviceUnavailable('the key store');
      await this.load();
    }
    const age = Date.now() - this.loadedAt;
    if (age > refreshAfterMs) {
      if (maxAgeMs === undefined) await this.load().catch(stale);
      else void this.load().catch(stale); // in the background: this request signs with states younger than maxAgeMs
    }
    for (const [kid, entry] of this.entries) if (entry.status === 'active') return { kid, value: entry.value };
    logger.error(`no active ${this.purpose} is provisioned`);
    throw serviceUnavailable('the key store');
  }
}

/** Server decryption keys: PKCS#8 DER X25519 private keys. */
export function serverKeyRing(): KeyRing<KeyObject> {
  return new KeyRing('server-key', pkcs8PrivateKey);
}

/** Receipt signing keys: PKCS#8 DER Ed25519 private keys, never signed with on states older than 10 s. */
export function receiptKeyRing(): KeyRing<KeyObject> {
  return new KeyRing('receipt-key', pkcs8PrivateKey, {
    refreshAfterMs: RECEIPT_KEY_REFRESH_MS,
    maxAgeMs: RECEIPT_KEY_MAX_AGE_MS,
  });
}

function pkcs8PrivateKey(der: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
}

/** Session-token HMAC secrets. */
export function sessionKeyRing(): KeyRing<Uint8Array> {
  return new KeyRing('session-key', (secret) => secret);
}
