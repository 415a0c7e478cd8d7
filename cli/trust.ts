/**
 * What a profile trusts of the OPD, pinned on first use: the server key orders are encrypted to (by ID and
 * fingerprint) and the receipt keys the OPD signs receipts with (by ID — always the key's fingerprint — with the key
 * itself, so receipts verify without asking the OPD again).
 */
import { EvidenceError, InputError } from '../shared/errors.js';
import { checkKeyId, parsePublicKeyPem, requireX25519, spkiFingerprint } from '../shared/keys.js';
import { receiptKeyFromJwk, receiptKeyJwk } from '../shared/receipts.js';
import type { ReceiptKeyJwk } from '../shared/receipts.js';
import type { ApiClient } from './api.js';
import { readProfile, writeProfile } from './profile.js';
import type { Profile } from './profile.js';

interface ServerKeyInfo {
  kid: string;
  publicKeyPem: string;
}

/**
 * Fetches the server key and checks it against the profile's pin. The fingerprint is computed here, never taken from
 * the server's word. A different key under the pinned ID is refused; a new ID (a rotation) is pinned with a warning.
 */
export async function pinnedServerKey(api: ApiClient, profileName: string, profile: Profile) {
  const published = await api.call<ServerKeyInfo>('GET', '/server-key');
  const publicKey = requireX25519(parsePublicKeyPem(published.publicKeyPem), 'public');
  const kid = checkKeyId(published.kid);
  const fingerprint = spkiFingerprint(publicKey);
  const pinned = profile.serverKey;
  if (pinned && pinned.kid === kid && pinned.fingerprint !== fingerprint)
    throw new InputError(
      'server_key_mismatch',
      `the server key ${kid} is not the one pinned for this profile (fingerprint ${fingerprint}, pinned ${pinned.fingerprint}); refusing to send. If the OPD confirms a new key, run \`po config --unpin\`.`,
    );
  if (pinned && pinned.kid !== kid) {
    process.stderr.write(
      `\n*** WARNING: the OPD's server key changed ***\n    was ${pinned.kid} (fingerprint ${pinned.fingerprint})\n    now ${kid} (fingerprint ${fingerprint})\n    A rotation is normal; if you did not expect one, check with the OPD. The new key is now pinned.\n\n`,
    );
  }
  if (!pinned || pinned.kid !== kid) writeProfile(profileName, { ...profile, serverKey: { kid, fingerprint } });
  return { kid, publicKey, fingerprint };
}

/**
 * The receipt key `kid`, from the profile's pins or, for an ID not pinned yet, from the OPD's published receipt keys
 * (`GET /receipt-keys`), checked (Ed25519; the ID is the key's fingerprint) and then pinned.
 * @throws EvidenceError `receipt_key_unknown` if the OPD does not publish it, or any receipt-key check's code
 */
export async function receiptKey(api: ApiClient, profileName: string, kid: string): Promise<ReceiptKeyJwk> {
  const profile = readProfile(profileName);
  const pinned = profile.receiptKeys?.[kid];
  if (pinned)
    return receiptKeyJwk(
      receiptKeyFromJwk({ kty: 'OKP', crv: 'Ed25519', x: pinned.x, kid, alg: 'EdDSA', use: 'sig' }).publicKey,
    );
  const published = await api.call<{ keys?: unknown }>('GET', '/receipt-keys');
  const candidates: unknown[] = Array.isArray(published.keys) ? published.keys : [];
  const found = candidates.find((jwk) => (jwk as { kid?: unknown } | null)?.kid === kid);
  if (found === undefined)
    throw new EvidenceError('receipt_key_unknown', `the OPD does not publish the receipt key ${kid.slice(0, 64)}`);
  const jwk = receiptKeyJwk(receiptKeyFromJwk(found).publicKey);
  writeProfile(profileName, {
    ...profile,
    receiptKeys: { ...profile.receiptKeys, [kid]: { fingerprint: jwk.kid, x: jwk.x } },
  });
  process.stderr.write(`po: pinned the OPD's receipt key ${kid} (its ID is its fingerprint)\n`);
  return jwk;
}
