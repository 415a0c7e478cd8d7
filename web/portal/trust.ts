/**
 * What this browser trusts of the OPD, as `po` does (shared/trust.ts decides for both): the server key orders are
 * encrypted to and the receipt key the OPD signs receipts with are pinned on first use (web/portal/store.ts), shown to
 * the customer when they are; after that a key that differs from its pin stops the order before anything is signed or
 * sent, with both fingerprints, until the customer accepts the new one — having checked it with the OPD, not through
 * this page. What is pinned is always the key that was checked and shown, from the same answer of the OPD.
 */
import { EvidenceError } from '../../shared/errors.js';
import { receiptKeyOf } from '../../shared/evidence.js';
import { publishedReceiptKey } from '../../shared/order-evidence.js';
import type { PublishedReceiptKeys } from '../../shared/order-evidence.js';
import type { ReceiptKeyJwk } from '../../shared/receipt-format.js';
import { receiptKeyTrust, serverKeyTrust } from '../../shared/trust.js';
import type { TrustState } from '../../shared/trust.js';
import { PageError } from '../common/page-error.js';
import { WEB_EVIDENCE_CRYPTO } from '../crypto/evidence-crypto.js';
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

/**
 * `GET /receipt-keys`, every key checked as po checks it (an Ed25519 JWK whose ID is its own fingerprint), and the
 * current one (or the newest).
 * @throws EvidenceError `evidence_key_invalid`, `key_id_mismatch`, `receipt_key_unknown` (none published)
 */
export async function publishedReceiptKeys(): Promise<{ published: PublishedReceiptKeys; current: ReceiptKeyJwk }> {
  const answer = await call<{ keys?: unknown; current?: unknown; revoked?: PublishedReceiptKeys['revoked'] }>(
    'GET',
    '/receipt-keys',
  );
  const keys: ReceiptKeyJwk[] = [];
  for (const jwk of Array.isArray(answer.keys) ? (answer.keys as unknown[]) : []) {
    await receiptKeyOf(WEB_EVIDENCE_CRYPTO, jwk);
    keys.push(jwk as ReceiptKeyJwk);
  }
  const current = keys.find((key) => key.kid === answer.current) ?? keys[0];
  if (!current) throw new EvidenceError('receipt_key_unknown', 'the OPD publishes no receipt key');
  return { published: { keys, revoked: Array.isArray(answer.revoked) ? answer.revoked : [] }, current };
}

/** Both keys as the OPD publishes them now, and where this browser's pins stand against them. */
export interface TrustNow {
  readonly server: BrowserServerKey;
  readonly serverTrust: TrustState;
  readonly receipt: ReceiptKeyJwk;
  readonly receiptTrust: TrustState;
}

/** Both keys' trust now: for the cart to say before anything is signed. */
export async function trustNow(): Promise<TrustNow> {
  const [server, receipts, pinned] = await Promise.all([
    call<unknown>('GET', '/server-key').then(importServerKey),
    publishedReceiptKeys(),
    pins(),
  ]);
  return {
    server,
    serverTrust: serverKeyTrust(pinned.server, server),
    receipt: receipts.current,
    receiptTrust: receiptKeyTrust(pinned.receipt, receipts.current),
  };
}

/**
 * The server key to encrypt to, the receipt key checked too: what is not pinned yet is pinned now (first use); a
 * changed one stops here.
 * @throws KeyChanged
 */
export async function trustedServerKey(): Promise<BrowserServerKey> {
  const now = await trustNow();
  if (now.serverTrust.state === 'changed') throw new KeyChanged('server', now.serverTrust);
  if (now.receiptTrust.state === 'changed') throw new KeyChanged('receipt', now.receiptTrust);
  if (now.serverTrust.state === 'first-use') await pinServerKey(now.serverTrust.current);
  if (now.receiptTrust.state === 'first-use') await pinReceiptKey(now.receipt.kid, now.receipt.x);
  return now.server;
}

/**
 * Accepts the key the OPD publishes now, if and only if its fingerprint is the one the customer was shown (and
 * checked with the OPD): a key that changed again meanwhile is not accepted unseen.
 * @throws PageError `fingerprint_mismatch` (as `po trust` says it)
 */
export async function acceptKey(what: 'server' | 'receipt', fingerprint: string): Promise<void> {
  const now = await trustNow();
  const current = (what === 'server' ? now.serverTrust : now.receiptTrust).current;
  if (current.fingerprint !== fingerprint)
    throw new PageError(
      'fingerprint_mismatch',
      `The OPD's ${what} key now has fingerprint ${current.fingerprint}, not ${fingerprint}: nothing was trusted. Check it with the OPD again.`,
    );
  if (what === 'server') await pinServerKey(now.serverTrust.current);
  else await pinReceiptKey(now.receipt.kid, now.receipt.x);
}

/**
 * The receipt key `kid` to check a receipt with. For an order sent now only a pinned key will do (a receipt signed by
 * any other is not accepted as the OPD's, whatever the OPD publishes); for an older order's evidence, a key the OPD
 * publishes under that ID (from `published` when the caller has read them) — its ID is its fingerprint, so no other
 * key passes under it — without pinning it.
 * @throws EvidenceError `receipt_key_unknown` (for a new order: not pinned; for an older one: not published)
 */
export async function receiptKeyFor(
  kid: string,
  pinnedOnly = false,
  published?: PublishedReceiptKeys,
): Promise<ReceiptKeyJwk> {
  const pinned = (await pins()).receipt?.[kid];
  if (pinned) return { kty: 'OKP', crv: 'Ed25519', x: pinned.x, kid, alg: 'EdDSA', use: 'sig' };
  if (pinnedOnly)
    throw new EvidenceError(
      'receipt_key_unknown',
      `the receipt is signed by the key ${kid.slice(0, 64)}, which this browser does not trust (it is not pinned)`,
    );
  return publishedReceiptKey(published ?? (await publishedReceiptKeys()).published, kid);
}
