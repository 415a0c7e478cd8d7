/**
 * The keys a function holds in memory ({@link KeyRing}). Each function unwraps the keys it needs once per cold start
 * and keeps them. An unknown key ID triggers one reload: the keys table is listed again and only keys not yet in
 * memory are unwrapped, so a key created by a rotation is usable at once, while an ID that does not exist costs one
 * table read (then remembered as unknown for {@link RELOAD_INTERVAL_MS}) and never a KMS call. The keys' states a
 * function signs by ({@link KeyRing.active}) are read again once older than {@link ACTIVE_KEY_MAX_AGE_MS}, so a
 * rotation reaches warm functions within about that time. Receipt keys are held to a tighter bound: an order function never signs a receipt with
 * key states older than {@link RECEIPT_KEY_MAX_AGE_MS} (it re-reads them in the background after
 * {@link RECEIPT_KEY_REFRESH_MS}, never per order), so a rotated or revoked receipt key signs nothing later than that
 * after the change, in any warm function.
 */
import { createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { serviceUnavailable } from '../errors.js';
import { logger } from '../observability.js';
import { listUsableKeys } from './keystore.js';
import type { StoredKey } from './keystore.js';
import { unwrapSecret } from './kms.js';
import type { SecretPurpose } from './kms.js';

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
/** Most unknown IDs remembered at once: past it the memory starts again, so made-up IDs cannot grow it for ever. */
const MAX_REMEMBERED_MISSES = 1024;

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
   * The active key (newest first), for signing. Key states older than the ring's `refreshAfterMs` are read again:
   * before signing, the key in memory going on serving if the table cannot be read; or, for a ring with `maxAgeMs`,
   * in the background, and never signing on states older than `maxAgeMs`.
   * @throws ApiError `service_unavailable` if none is provisioned, or (with `maxAgeMs`) the states are too old and the
   *   table cannot be read
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

/**
 * Receipt signing keys: PKCS#8 DER Ed25519 private keys, never signed with on states older than
 * {@link RECEIPT_KEY_MAX_AGE_MS}.
 */
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
