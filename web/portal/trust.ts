/**
 * What this browser trusts of the OPD, as `po` does (shared/trust.ts decides for both): the server key orders are
 * encrypted to and the receipt key the OPD signs receipts with are pinned on first use (web/portal/store.ts); after
 * that a key that differs from its pin stops the order before anything is signed or sent, with both fingerprints,
 * until the customer accepts the new one — having checked it with the OPD, not through this page.
 */
import { EvidenceError } from '../../shared/errors.js';
import { publishedReceiptKey } from '../../shared/order-evidence.js';
import type { PublishedReceiptKeys } from '../../shared/order-evidence.js';
import type { ReceiptKeyJwk } from '../../shared/receipt-format.js';
import { receiptKeyJwkParts } from '../../shared/receipt-format.js';
import { receiptKeyTrust, serverKeyTrust } from '../../shared/trust.js';
import type { TrustState } from '../../shared/trust.js';
import { importServerKey } from '../crypto/jwe.js';
import type { BrowserServerKey } from '../crypto/jwe.js';
import { call } from './api.js';
import { pinReceiptKey, pinServerKey, pins } from './store.js';

/** A key of the OPD is not the one this browser trusts: nothing was signed or sent. */
export class KeyChanged extends Error {
  readonly code: 'server_key_changed' | 'receipt_key_changed';
  constructor(
    readonly what: 'server' | 'receipt',
    readonly trust: TrustState,
  ) {
    super(`The OPD's ${what} key is not the one this browser trusts; nothing was sent.`);
    this.name = 'KeyChanged';
    this.code = `${what}_key_changed`;
  }
}

/** `GET /receipt-keys`, each key shape-checked; the current one (or the newest). */
async function publishedReceiptKeys(): Promise<{ published: PublishedReceiptKeys; current: ReceiptKeyJwk }> {
  const answer = await call<{ keys?: unknown; current?: unknown; revoked?: PublishedReceiptKeys['revoked'] }>(
    'GET',
    '/receipt-keys',
  );
  const keys = (Array.isArray(answer.keys) ? (answer.keys as unknown[]) : []).map((jwk) => {
    receiptKeyJwkParts(jwk); // throws on anything that is not a proper receipt key
    return jwk as ReceiptKeyJwk;
  });
  const current = keys.find((key) => key.kid === answer.current) ?? keys[0];
  if (!current) throw new EvidenceError('receipt_key_unknown', 'the OPD publishes no receipt key');
  return { published: { keys, revoked: Array.isArray(answer.revoked) ? answer.revoked : [] }, current };
}

/** Both keys' trust now: for the order page to say before anything is signed. */
export async function trustNow(): Promise<{
  server: BrowserServerKey;
  serverTrust: TrustState;
  receiptTrust: TrustState;
}> {
  const [server, receipts, pinned] = await Promise.all([
    importServerKey(await call<unknown>('GET', '/server-key')),
    publishedReceiptKeys(),
    pins(),
  ]);
  return {
    server,
    serverTrust: serverKeyTrust(pinned.server, server),
    receiptTrust: receiptKeyTrust(pinned.receipt, receipts.current),
  };
}

/**
 * The server key to encrypt to, with the receipt key checked too: pinned on first use; a changed one stops here.
 * @throws KeyChanged
 */
export async function trustedServerKey(): Promise<BrowserServerKey> {
  const { server, serverTrust, receiptTrust } = await trustNow();
  if (serverTrust.state === 'changed') throw new KeyChanged('server', serverTrust);
  if (receiptTrust.state === 'changed') throw new KeyChanged('receipt', receiptTrust);
  if (serverTrust.state === 'first-use') await pinServerKey(serverTrust.current);
  if (receiptTrust.state === 'first-use') {
    const { current } = await publishedReceiptKeys();
    await pinReceiptKey(current.kid, current.x);
  }
  return server;
}

/**
 * Accepts the key the OPD publishes now, if and only if its fingerprint is the one the customer was shown (and
 * checked with the OPD): a key that changed again meanwhile is not accepted unseen.
 * @throws KeyChanged when the OPD's key is not the one shown
 */
export async function acceptKey(what: 'server' | 'receipt', fingerprint: string): Promise<void> {
  const { serverTrust, receiptTrust } = await trustNow();
  const trust = what === 'server' ? serverTrust : receiptTrust;
  if (trust.current.fingerprint !== fingerprint) throw new KeyChanged(what, trust);
  if (what === 'server') {
    await pinServerKey(trust.current);
    return;
  }
  const { published } = await publishedReceiptKeys();
  const key = publishedReceiptKey(published, fingerprint);
  await pinReceiptKey(key.kid, key.x);
}

/**
 * The receipt key `kid` to check a receipt with: the pinned one, or (a receipt signed before a rotation) the one the
 * OPD publishes under that ID — its ID is its fingerprint, so no other key passes under it — without pinning it.
 * @throws EvidenceError `receipt_key_unknown`
 */
export async function receiptKeyFor(kid: string): Promise<ReceiptKeyJwk> {
  const pinned = (await pins()).receipt?.[kid];
  if (pinned) return { kty: 'OKP', crv: 'Ed25519', x: pinned.x, kid, alg: 'EdDSA', use: 'sig' };
  return publishedReceiptKey((await publishedReceiptKeys()).published, kid);
}
