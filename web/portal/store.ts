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
import type { SignatureAlg } from '../../shared/rules.js';
import type { KeyPin, ReceiptKeyPin } from '../../shared/trust.js';
import type { BrowserSignatureAlg, BrowserSigningKey, WebCryptoKey } from '../crypto/sign.js';

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
  readonly envelope: string;
  readonly jws: string;
  readonly customerKey: { readonly kid: string; readonly alg: SignatureAlg; readonly publicKeyPem: string };
}

/** The stored key as the page signs with it. */
export function browserSigner(key: StoredKey): BrowserSigningKey {
  return { alg: key.alg, kid: key.kid, privateKey: key.privateKey };
}

let opened: Promise<IDBDatabase> | undefined;

function database(): Promise<IDBDatabase> {
  opened ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, VERSION);
    request.onupgradeneeded = () => {
      for (const [name, keyPath] of Object.entries(STORES))
        if (!request.result.objectStoreNames.contains(name)) request.result.createObjectStore(name, { keyPath });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('the browser refused its database'));
    request.onblocked = () => reject(new Error('the portal is open in another tab with an older version: close it'));
  });
  return opened;
}

async function run<T>(store: StoreName, mode: IDBTransactionMode, act: (s: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await database();
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(store, mode);
    const request = act(transaction.objectStore(store));
    transaction.oncomplete = () => resolve(request.result as T);
    transaction.onerror = () => reject(transaction.error ?? new Error('the browser could not store it'));
    transaction.onabort = () => reject(transaction.error ?? new Error('the browser could not store it'));
  });
}

/** The customer's key in this browser, if any. */
export const storedKey = (customerId: string) =>
  run<StoredKey | undefined>('keys', 'readonly', (s) => s.get(customerId));

/** Keeps `key` as the customer's key in this browser (replacing one kept before). */
export const keepKey = (key: StoredKey) => run<unknown>('keys', 'readwrite', (s) => s.put(key));

/** Forgets the customer's key in this browser. */
export const forgetKey = (customerId: string) => run<unknown>('keys', 'readwrite', (s) => s.delete(customerId));

/** The pins (empty before the first order). */
export async function pins(): Promise<Pins> {
  const [server, receipt] = await Promise.all([
    run<{ pin: KeyPin } | undefined>('pins', 'readonly', (s) => s.get('server')),
    run<{ pins: Record<string, ReceiptKeyPin> } | undefined>('pins', 'readonly', (s) => s.get('receipt')),
  ]);
  return { ...(server ? { server: server.pin } : {}), ...(receipt ? { receipt: receipt.pins } : {}) };
}

/** Pins `pin` as the server key. */
export const pinServerKey = (pin: KeyPin) => run<unknown>('pins', 'readwrite', (s) => s.put({ name: 'server', pin }));

/** Pins the receipt key `kid` (its fingerprint) with its public key `x`, beside those pinned before. */
export async function pinReceiptKey(kid: string, x: string): Promise<void> {
  const { receipt } = await pins();
  await run('pins', 'readwrite', (s) =>
    s.put({ name: 'receipt', pins: { ...receipt, [kid]: { fingerprint: kid, x } } }),
  );
}

/** The customer's order in flight, if any. */
export const pendingOrder = (customerId: string) =>
  run<PendingOrder | undefined>('pending', 'readonly', (s) => s.get(customerId));

/** Keeps the order about to be sent (before it is sent). */
export const keepPending = (order: PendingOrder) => run<unknown>('pending', 'readwrite', (s) => s.put(order));

/** The OPD answered the order in flight (accepted or refused): nothing is left to send again. */
export const clearPending = (customerId: string) => run<unknown>('pending', 'readwrite', (s) => s.delete(customerId));
