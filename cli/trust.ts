/**
 * What a profile trusts of the OPD (the pins and how they stand: shared/trust.ts), the way ssh trusts a host.
 *
 * The first key a profile sees is pinned (trust on first use). After that, a key whose ID or fingerprint differs from
 * the pin stops `po order` before anything is sent, until the person checks the new fingerprint with the OPD (out of
 * band: the OPD's admin sees it when rotating, and `GET /server-key` lists its history) and runs `po trust …`.
 *
 * `po order` may take both keys from the answers it kept (cli/key-cache.ts): a kept answer is parsed and checked
 * against the pins exactly as a fresh one, and one that does not pass as trusted (changed, first use, unreadable) is
 * never acted on: po asks the OPD again and decides on that answer alone.
 */
import { poFor } from './view.js';
import { EvidenceError, InputError } from '../shared/errors.js';
import { checkKeyId, parsePublicKeyPem, requireX25519, spkiFingerprint } from '../shared/keys.js';
import type { KeyObject } from 'node:crypto';
import { receiptKeyFromJwk, receiptKeyJwk } from '../shared/receipts.js';
import type { ReceiptKeyJwk } from '../shared/receipts.js';
import { receiptKeyTrust as pinsTrust, serverKeyTrust as pinTrust } from '../shared/trust.js';
import type { TrustState } from '../shared/trust.js';
import type { OpdClient } from './client.js';
import type { PublishedKey } from '../contract/customer-api.js';
import type { CachedAnswer, KeyCache } from './key-cache.js';
import { readProfile, writeProfile } from './profile.js';
import type { Profile } from './profile.js';

/** The OPD's current server key, as po checked it. */
export interface PublishedServerKey {
  readonly kid: string;
  readonly publicKey: KeyObject;
  /** base64url SHA-256 of the SPKI, computed here: never taken from the server's word. */
  readonly fingerprint: string;
}

export type { TrustState } from '../shared/trust.js';

/**
 * The exact command that accepts a key, for this profile (none for the default one). A fingerprint is base64url and
 * may start with "-": then `--` keeps it from being read as an option.
 */
export function trustCommand(what: 'server' | 'receipt', fingerprint: string, profileName = 'default'): string {
  return `${poFor(profileName)} trust ${what}-key ${fingerprint.startsWith('-') ? '-- ' : ''}${fingerprint}`;
}

/** A `GET /server-key` answer, checked: an X25519 key, its fingerprint computed from the key itself. */
function checkedServerKey(published: Pick<PublishedKey, 'kid' | 'publicKeyPem'>): PublishedServerKey {
  const publicKey = requireX25519(parsePublicKeyPem(published.publicKeyPem), 'public');
  return { kid: checkKeyId(published.kid), publicKey, fingerprint: spkiFingerprint(publicKey) };
}

/**
 * The OPD's current server key (`GET /server-key`), its fingerprint computed from the key itself; kept in `cache` for
 * as long as the OPD's answer allows.
 */
export async function publishedServerKey(api: OpdClient, cache?: KeyCache): Promise<PublishedServerKey> {
  const { body, keepForSeconds } = await api.serverKey();
  const key = checkedServerKey(body);
  cache?.store('serverKey', { kid: key.kid, publicKeyPem: body.publicKeyPem }, keepForSeconds);
  return key;
}

interface ReceiptKeys {
  readonly keys: ReceiptKeyJwk[];
  readonly current: ReceiptKeyJwk;
}

/** A `GET /receipt-keys` answer, each key checked (Ed25519; its ID is its fingerprint), and the current one. */
function checkedReceiptKeys(published: { keys?: unknown; current?: unknown }): ReceiptKeys {
  const keys = (Array.isArray(published.keys) ? published.keys : []).map(
    (jwk) => receiptKeyJwk(receiptKeyFromJwk(jwk).publicKey), // throws on anything that is not a proper receipt key
  );
  // The OPD names the key it signs with now; an older OPD lists it first (newest first).
  const current = keys.find((key) => key.kid === published.current) ?? keys[0];
  if (!current) throw new EvidenceError('receipt_key_unknown', 'the OPD publishes no receipt key');
  return { keys, current };
}

/** The OPD's receipt keys (`GET /receipt-keys`), checked; kept in `cache` for as long as the OPD's answer allows. */
async function publishedReceiptKeys(api: OpdClient, cache?: KeyCache): Promise<ReceiptKeys> {
  const { body, keepForSeconds } = await api.receiptKeys();
  const checked = checkedReceiptKeys(body);
  cache?.store('receiptKeys', { keys: checked.keys, current: checked.current.kid }, keepForSeconds);
  return checked;
}

/** A kept answer, parsed and checked as a fresh one; none when there is none or it does not pass. */
function keptAnswer<T>(cache: KeyCache | undefined, what: CachedAnswer, check: (answer: Record<string, unknown>) => T) {
  const answer = cache?.read(what);
  if (typeof answer !== 'object' || answer === null) return undefined;
  try {
    return check(answer as Record<string, unknown>);
  } catch {
    return undefined; // a kept answer that is not one the OPD could have sent is as if absent
  }
}

const keptServerKey = (cache: KeyCache | undefined) =>
  keptAnswer(cache, 'serverKey', ({ kid, publicKeyPem }) => {
    if (typeof kid !== 'string' || typeof publicKeyPem !== 'string') throw new TypeError('not a server key');
    return checkedServerKey({ kid, publicKeyPem });
  });

/** Where the profile's server-key pin stands against the key the OPD publishes now. */
export function serverKeyTrust(profile: Profile, current: PublishedServerKey): TrustState {
  return pinTrust(profile.serverKey, current);
}

function receiptKeyTrust(profile: Profile, current: ReceiptKeyJwk): TrustState {
  return pinsTrust(profile.receiptKeys, current);
}

function changedError(what: 'server' | 'receipt', profileName: string, trust: TrustState): InputError {
  const command = trustCommand(what, trust.current.fingerprint, profileName);
  return new InputError(
    `${what}_key_changed`,
    `the OPD's ${what} key is not the one this profile trusts; nothing was sent.\n` +
      `    trusted: ${trust.pinned?.kid ?? ''} fingerprint ${trust.pinned?.fingerprint ?? ''}\n` +
      `    now:     ${trust.current.kid} fingerprint ${trust.current.fingerprint}\n` +
      `    A rotation is normal, a substituted key is an attack: check the new fingerprint with the OPD (not through\n` +
      `    this connection), then accept it with:\n` +
      `        ${command}`,
  );
}

/**
 * The server key to encrypt to: pinned on first use; refused (`server_key_changed`) when it is not the pinned one.
 * A kept answer (`cache`) is used only when its key is the pinned one; otherwise, or when `fresh`, the OPD is asked.
 * @throws InputError `server_key_changed`
 */
export async function trustedServerKey(
  api: OpdClient,
  profileName: string,
  profile: Profile,
  cache?: KeyCache,
  fresh = false,
): Promise<PublishedServerKey> {
  const kept = fresh ? undefined : keptServerKey(cache);
  if (kept && serverKeyTrust(profile, kept).state === 'trusted') return kept;
  const current = await publishedServerKey(api, cache);
  const trust = serverKeyTrust(profile, current);
  if (trust.state === 'changed') throw changedError('server', profileName, trust);
  if (trust.state === 'first-use') {
    writeProfile(profileName, { ...readProfile(profileName), serverKey: trust.current });
    process.stderr.write(
      `po: trusting the OPD's server key ${current.kid} (fingerprint ${current.fingerprint}) on first use\n`,
    );
  }
  return current;
}

/**
 * Checks, before an order is sent, that the receipt key the OPD signs with now is one this profile trusts (pinned on
 * first use). Its receipt is then checked against the pin. A kept answer (`cache`) whose current key is pinned is
 * enough; any other is asked for again.
 * @throws InputError `receipt_key_changed`
 */
export async function checkReceiptKeyTrusted(api: OpdClient, profileName: string, cache?: KeyCache): Promise<void> {
  const profile = readProfile(profileName);
  const kept = keptAnswer(cache, 'receiptKeys', checkedReceiptKeys);
  if (kept && receiptKeyTrust(profile, kept.current).state === 'trusted') return;
  const { current } = await publishedReceiptKeys(api, cache);
  const trust = receiptKeyTrust(profile, current);
  if (trust.state === 'changed') throw changedError('receipt', profileName, trust);
  if (trust.state === 'first-use') {
    pinReceiptKey(profileName, current);
    process.stderr.write(
      `po: trusting the OPD's receipt key ${current.kid} (its ID is its fingerprint) on first use\n`,
    );
  }
}

function pinReceiptKey(profileName: string, key: ReceiptKeyJwk): void {
  const profile = readProfile(profileName);
  writeProfile(profileName, {
    ...profile,
    receiptKeys: { ...profile.receiptKeys, [key.kid]: { fingerprint: key.kid, x: key.x } },
  });
}

/** Both trust states, for `po test` (nothing is pinned or changed). */
export async function trustReport(
  api: OpdClient,
  profile: Profile,
): Promise<{ server: TrustState; receipt: TrustState }> {
  const [server, receipts] = await Promise.all([publishedServerKey(api), publishedReceiptKeys(api)]);
  return { server: serverKeyTrust(profile, server), receipt: receiptKeyTrust(profile, receipts.current) };
}

/**
 * `po trust server-key|receipt-key FINGERPRINT`: pins the key the OPD publishes now, if and only if its fingerprint is
 * the one the person checked with the OPD.
 * @throws InputError `fingerprint_mismatch` when the OPD's key has another fingerprint
 */
export async function trustKey(
  api: OpdClient,
  profileName: string,
  what: 'server' | 'receipt',
  fingerprint: string,
  cache?: KeyCache,
): Promise<TrustState> {
  const profile = readProfile(profileName);
  if (what === 'server') {
    const current = await publishedServerKey(api, cache);
    const trust = serverKeyTrust(profile, current);
    if (current.fingerprint !== fingerprint) throw mismatch('server', fingerprint, current.fingerprint);
    writeProfile(profileName, { ...profile, serverKey: trust.current });
    return trust;
  }
  const { keys, current } = await publishedReceiptKeys(api, cache);
  const chosen = keys.find((key) => key.kid === fingerprint);
  if (!chosen) throw mismatch('receipt', fingerprint, current.kid);
  const trust = receiptKeyTrust(profile, chosen);
  pinReceiptKey(profileName, chosen);
  return trust;
}

function mismatch(what: 'server' | 'receipt', given: string, actual: string): InputError {
  return new InputError(
    'fingerprint_mismatch',
    `the OPD's ${what} key has fingerprint ${actual}, not ${given.slice(0, 64)}; nothing was trusted. ` +
      `Check the fingerprint with the OPD again.`,
  );
}

/**
 * The receipt key `kid` to check a receipt with: from the profile's pins or, for an ID not pinned (the receipt of an
 * old order, signed before a rotation), from the OPD's published receipt keys (`GET /receipt-keys`), where its ID is
 * its fingerprint, so no other key can pass under it. A key fetched this way is not pinned: trusting a key for new
 * orders is `po trust`'s decision (or the first order's), never a side effect of reading an old receipt. A receipt
 * of a new order signed with a key not pinned means the kept receipt keys (`cache`) are stale: they are forgotten
 * first, whatever the OPD answers now, so that the next order asks which key signs and stops at a changed one.
 * @throws EvidenceError `receipt_key_unknown` if the OPD does not publish it, or any receipt-key check's code
 */
export async function receiptKey(
  api: OpdClient,
  profileName: string,
  kid: string,
  cache?: KeyCache,
): Promise<ReceiptKeyJwk> {
  const pinned = readProfile(profileName).receiptKeys?.[kid];
  if (pinned)
    return receiptKeyJwk(
      receiptKeyFromJwk({ kty: 'OKP', crv: 'Ed25519', x: pinned.x, kid, alg: 'EdDSA', use: 'sig' }).publicKey,
    );
  cache?.forget('receiptKeys');
  const { keys } = await publishedReceiptKeys(api, cache);
  const found = keys.find((jwk) => jwk.kid === kid);
  if (found === undefined)
    throw new EvidenceError('receipt_key_unknown', `the OPD does not publish the receipt key ${kid.slice(0, 64)}`);
  return found;
}
