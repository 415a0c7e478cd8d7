/**
 * What the portal keeps in the browser, in IndexedDB (this origin's, this browser profile's), and nothing else:
 *
 * - `keys`: each customer's signing key, as a NON-EXTRACTABLE `CryptoKey` (IndexedDB stores the key object itself,
 *   structured-cloned: its private half can sign here and can never be read out as bytes, by this page or any script
 *   that runs in it), with its public key, ID and algorithm;
 * - `pins`: the OPD's server key and receipt keys as first seen or later accepted (shared/trust.ts);
 * - `pending`: each customer's order in flight, the envelope exactly as sent, until the OPD's answer is in: a send that
 *   failed on the network is sent again as it was, after a reload too, never signed anew.
 *
 * No session token, password or order is kept anywhere else.
 */
import type { KeyPin, ReceiptKeyPin } from '../../shared/trust.js';
import type { BrowserSignatureAlg, BrowserSigningKey, WebCryptoKey } from '../crypto/sign.js';
import { PageError } from '../common/page-error.js';

const DATABASE = 'po-portal';
const VERSION = 1;
const STORES = { keys: 'customerId', pins: 'name', pending: 'customerId' } as const;
type StoreName = keyof typeof STORES;

/** A customer's key in this browser. */
export interface StoredKey {
  readonly customerId: string;
  readonly kid: string;
  readonly alg: BrowserSignatureAlg;
  /** Non-extractable: it signs, and nothing can export it. */
  readonly privateKey: WebCryptoKey;
  readonly publicKeyPem: string;
  readonly source: 'generated' | 'imported';
  readonly createdAt: string;
}

/** The pins: the server key's, and the receipt keys by ID. */
export interface Pins {
  readonly server?: KeyPin;
  readonly receipt?: Readonly<Record<string, ReceiptKeyPin>>;
}

/** An order sent and not yet answered: what is sent again, and what its receipt is checked against. */
export interface PendingOrder {
  readonly customerId: string;
  readonly orderId: string;
  /** When it was signed (its `iat`, seconds): the OPD accepts it only within its clock-skew window of that. */
  readonly signedAt: number;
  readonly envelope: string;
  readonly jws: string;
  readonly customerKey: { readonly kid: string; readonly alg: BrowserSignatureAlg; readonly publicKeyPem: string };
}

/** The stored key as the page signs with it. */
export function browserSigner(key: StoredKey): BrowserSigningKey {
  return { alg: key.alg, kid: key.kid, privateKey: key.privateKey };
}

let opened: Promise<IDBDatabase> | undefined;

function database(): Promise<IDBDatabase> {
  opened ??= new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(DATABASE, VERSION);
    request.onupgradeneeded = () => {
      for (const [name, keyPath] of Object.entries(STORES))
        if (!request.result.objectStoreNames.contains(name)) request.result.createObjectStore(name, { keyPath });
    };
    request.onsuccess = () => {
      // A newer page in another tab needs the database: let it have it (this page opens it again when it next asks).
      request.result.onversionchange = () => {
        request.result.close();
        opened = undefined;
      };
      resolve(request.result);
    };
    request.onerror = () =>
      reject(new PageError('storage_unavailable', 'This browser refused the portal its storage.'));
    request.onblocked = () =>
      reject(
        new PageError('storage_unavailable', 'The portal is open in another tab with an older version: close it.'),
      );
  }).catch((error: unknown) => {
    opened = undefined; // a failed open is not kept: the next call tries again
    throw error;
  });
  return opened;
}

/**
 * Runs `act` in one transaction of `store` and resolves with what it set as the result once the transaction has
 * committed: reads and writes in one `act` are atomic (another tab cannot come between them).
 */
async function transact<T>(
  store: StoreName,
  mode: IDBTransactionMode,
  act: (objects: IDBObjectStore, done: (value: T) => void, fail: (error: Error) => void) => void,
): Promise<T> {
  const db = await database();
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(store, mode);
    let result: T;
    let failure: Error | undefined;
    act(
      transaction.objectStore(store),
      (value) => (result = value),
      (error) => {
        failure = error;
        transaction.abort();
      },
    );
    transaction.oncomplete = () => resolve(result);
    const failed = () => reject(failure ?? new PageError('storage_failed', 'This browser could not store it.'));
    transaction.onerror = failed;
    transaction.onabort = failed;
  });
}

/** A read of `key` in `store`. */
const read = <T>(store: StoreName, key: string) =>
  transact<T | undefined>(store, 'readonly', (objects, done) => {
    const request = objects.get(key);
    request.onsuccess = () => done(request.result as T | undefined);
  });

/** The customer's key in this browser, if any. */
export const storedKey = (customerId: string) => read<StoredKey>('keys', customerId);

/**
 * Keeps `key` as the customer's key in this browser (replacing one kept before), and asks the browser to keep the
 * portal's storage when it is short of space (a key it evicted would be lost).
 */
export async function keepKey(key: StoredKey): Promise<void> {
  await transact<void>('keys', 'readwrite', (objects) => objects.put(key));
  await navigator.storage?.persist?.().catch(() => false);
}

/** Forgets the customer's key in this browser. */
export const forgetKey = (customerId: string) =>
  transact<void>('keys', 'readwrite', (objects) => objects.delete(customerId));

/** The pins (empty before the first order). */
export async function pins(): Promise<Pins> {
  const [server, receipt] = await Promise.all([
    read<{ pin: KeyPin }>('pins', 'server'),
    read<{ pins: Record<string, ReceiptKeyPin> }>('pins', 'receipt'),
  ]);
  return { ...(server ? { server: server.pin } : {}), ...(receipt ? { receipt: receipt.pins } : {}) };
}

/** Pins `pin` as the server key (the customer accepted it, or nothing was pinned before). */
export const pinServerKey = (pin: KeyPin) =>
  transact<void>('pins', 'readwrite', (objects) => objects.put({ name: 'server', pin }));

/** Pins the receipt key `kid` (its fingerprint) with its public key `x`, beside those pinned before, atomically. */
export const pinReceiptKey = (kid: string, x: string) =>
  transact<void>('pins', 'readwrite', (objects) => {
    const request = objects.get('receipt');
    request.onsuccess = () => {
      const before = (request.result as { pins?: Record<string, ReceiptKeyPin> } | undefined)?.pins;
      objects.put({ name: 'receipt', pins: { ...before, [kid]: { fingerprint: kid, x } } });
    };
  });

/** The customer's order in flight, if any. */
export const pendingOrder = (customerId: string) => read<PendingOrder>('pending', customerId);

/**
 * Keeps the order about to be sent — unless one is kept already (another tab's, or one whose answer never came):
 * that one must be settled first, so the check and the write are one transaction.
 * @throws PageError `order_pending`
 */
export const keepPending = (order: PendingOrder) =>
  transact<void>('pending', 'readwrite', (objects, _done, fail) => {
    const request = objects.add(order);
    request.onerror = (event) => {
      event.preventDefault();
      fail(new PageError('order_pending', 'An order sent earlier has no answer yet: settle it in the cart first.'));
    };
  });

/** The OPD settled the order `orderId` (accepted, or refused for good): it is not kept any more. Another is left. */
export const clearPending = (customerId: string, orderId: string) =>
  transact<void>('pending', 'readwrite', (objects) => {
    const request = objects.get(customerId);
    request.onsuccess = () => {
      if ((request.result as PendingOrder | undefined)?.orderId === orderId) objects.delete(customerId);
    };
  });
