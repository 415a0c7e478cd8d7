/**
 * {@link EvidenceCrypto} by WebCrypto (and web/crypto/dsa.ts for DS256, which WebCrypto lacks): the console checks an
 * order's evidence in the page with shared/evidence.ts's checks, the ones po runs with node:crypto.
 */
import { encode as b64u } from '../../shared/base64url.js';
import type { EvidenceCrypto, EvidenceKey } from '../../shared/evidence.js';
import { KeyError } from '../../shared/errors.js';
import type { SignatureAlg } from '../../shared/rules.js';
import { readSpki } from '../../shared/der.js';
import { KEY_OIDS, importCustomerKey, importReceiptKey, pemToDer, sha256, verifySignature } from './signatures.js';
import type { SignatureVerifier } from './signatures.js';

/** The algorithm a key is for, by its SPKI algorithm OID (an EC key is P-256: importCustomerKey checks the curve). */
const ALG_BY_OID: Readonly<Record<string, SignatureAlg>> = Object.fromEntries(
  Object.entries(KEY_OIDS).map(([alg, { oid }]) => [oid, alg as SignatureAlg]),
);

/** The DER SubjectPublicKeyInfo prefix of an Ed25519 key (RFC 8410): its fingerprint hashes prefix ‖ x. */
const ED25519_SPKI_PREFIX = Uint8Array.of(0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00);

interface WebEvidenceKey extends EvidenceKey {
  readonly verifier: SignatureVerifier;
}

const fingerprintOf = async (spkiDer: Uint8Array) => b64u(await sha256(spkiDer));
/** A JWS's bytes: ASCII by construction (base64url and dots); anything else is hashed byte for byte, as Latin-1. */
const latin1 = (text: string) => Uint8Array.from(text, (char) => char.charCodeAt(0) & 0xff);

export const WEB_EVIDENCE_CRYPTO: EvidenceCrypto<WebEvidenceKey> = {
  async customerKey(publicKeyPem) {
    // Only the canonical PEM reads at all (one key, one text): a reformatted one is refused here, with the reason.
    const der = pemToDer(publicKeyPem);
    const alg = ALG_BY_OID[readSpki(der).algorithm];
    if (!alg) throw new KeyError('key_unsupported', 'not an RSA, DSA, P-256 or Ed25519 public key');
    return { alg, verifier: await importCustomerKey(der, alg), fingerprint: await fingerprintOf(der), canonical: true };
  },
  async receiptKey(x) {
    const spki = new Uint8Array(ED25519_SPKI_PREFIX.length + x.length);
    spki.set(ED25519_SPKI_PREFIX);
    spki.set(x, ED25519_SPKI_PREFIX.length);
    return { alg: 'EdDSA', verifier: await importReceiptKey(x), fingerprint: await fingerprintOf(spki) };
  },
  verify: (key, signingInput, signature) => verifySignature(key.verifier, latin1(signingInput), signature),
  sha256: async (text) => b64u(await sha256(latin1(text))),
};
