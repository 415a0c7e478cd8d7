/**
 * Keys: what the project accepts, how they are read (PEM: PKCS#8 private, optionally encrypted, and SPKI public, as
 * `openssl genpkey` / `openssl pkey -pubout` write them), how they are named (key ID = SPKI fingerprint). Generating and exporting them: shared/keygen.ts.
 *
 * Every key that enters the system goes through {@link describeKey}, which enforces the supported algorithms and the
 * minimum sizes. Nothing here logs or echoes key material.
 */
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { encode as b64u } from './base64url.js';
import { KeyError } from './errors.js';
import { KEY_ID_PATTERN, KEY_ID_RULE } from './rules.js';

import { dsaKeyFromSpki } from './dsa.js';
import { DSA_SIZES, RSA_BITS, RSA_MAX_PUBLIC_EXPONENT, RSA_MIN_PUBLIC_EXPONENT, SIGNATURE_ALGS } from './rules.js';
import type { SignatureAlg } from './rules.js';

export { DSA_SIZES, RSA_BITS, SIGNATURE_ALGS };
export type { SignatureAlg };

/** Key algorithms by their command-line names. `x25519` is for server (decryption) keys only. */
export const KEY_ALGORITHMS = ['rsa', 'dsa', 'ecdsa', 'ed25519', 'x25519'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/** DSA sizes `keygen` offers, by `--bits`: 2048 → N 224 (default), 3072 → N 256. */
export const DSA_KEYGEN_N: Readonly<Record<number, number>> = { 2048: 224, 3072: 256 };
export const DSA_DEFAULT_BITS = 2048;

/** What a key is, once checked. `signatureAlg` is absent for X25519 (it encrypts, it does not sign). */
export interface KeyInfo {
  readonly algorithm: KeyAlgorithm;
  readonly bits: number;
  readonly signatureAlg?: SignatureAlg;
}

/** A customer's private key, ready to sign envelopes. */
export interface SigningKey {
  readonly alg: SignatureAlg;
  readonly kid: string;
  readonly privateKey: KeyObject;
}

/** A registered customer public key: the algorithm it was registered with is authoritative, never the JWS header. */
export interface VerificationKey {
  readonly alg: SignatureAlg;
  readonly kid: string;
  readonly publicKey: KeyObject;
}

/** A key's public half as DER SubjectPublicKeyInfo. */
const spkiDerOf = (key: KeyObject) =>
  (key.type === 'private' ? createPublicKey(key) : key).export({ type: 'spki', format: 'der' });

/**
 * DSA keys whose domain parameters were checked (two modular exponentiations, ≈ 5 ms): once per key object, and
 * parsed public keys are cached by PEM, so a warm function checks a customer's key once, not per order.
 */
const dsaDomainsChecked = new WeakSet<KeyObject>();

/** The DER length of a P-256 SubjectPublicKeyInfo with its point uncompressed (0x04 ‖ x ‖ y), as WebCrypto reads it. */
const P256_UNCOMPRESSED_SPKI_BYTES = 91;

/**
 * Checks that a key (public or private) is of a supported algorithm and size, and says what it is. What is accepted
 * is what every verifier of the evidence can verify, the console's WebCrypto included: an RSA exponent of at most 33
 * bits, a P-256 point uncompressed, DSA domain parameters whose generator and public key lie in the subgroup of order q.
 * @throws KeyError `key_unsupported`, `key_too_small`, `key_too_large` or `key_malformed`
 */
export function describeKey(key: KeyObject): KeyInfo {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      const bits = details.modulusLength ?? 0;
      if (bits < RSA_BITS.min)
        throw new KeyError('key_too_small', `RSA key is ${bits} bits; at least ${RSA_BITS.min} are required`);
      if (bits > RSA_BITS.max)
        throw new KeyError('key_too_large', `RSA key is ${bits} bits; at most ${RSA_BITS.max} are accepted`);
      if ((details.publicExponent ?? 0n) < RSA_MIN_PUBLIC_EXPONENT)
        throw new KeyError('key_unsupported', 'RSA public exponent below 65537 is not accepted');
      if ((details.publicExponent ?? 0n) > RSA_MAX_PUBLIC_EXPONENT)
        throw new KeyError(
          'key_unsupported',
          'RSA public exponent above 2^33 − 1 is not accepted (browsers refuse it)',
        );
      return { algorithm: 'rsa', bits, signatureAlg: 'PS256' };
    }
    case 'dsa': {
      const l = details.modulusLength ?? 0;
      const n = details.divisorLength ?? 0;
      if (l < 2048) throw new KeyError('key_too_small', `DSA key is ${l} bits; at least 2048 are required`);
      if (!DSA_SIZES.some((size) => size.l === l && size.n === n))
        throw new KeyError('key_unsupported', `DSA key size L=${l}, N=${n} is not one of 2048/224, 2048/256, 3072/256`);
      if (!dsaDomainsChecked.has(key)) {
        dsaKeyFromSpki(spkiDerOf(key)); // its domain parameters: generator and public key in the subgroup of order q
        dsaDomainsChecked.add(key);
      }
      return { algorithm: 'dsa', bits: l, signatureAlg: 'DS256' };
    }
    case 'ec':
      if (details.namedCurve !== 'prime256v1')
        throw new KeyError(
          'key_unsupported',
          `EC curve ${details.namedCurve ?? 'unknown'} is not supported; use P-256`,
        );
      if (spkiDerOf(key).length !== P256_UNCOMPRESSED_SPKI_BYTES)
        throw new KeyError('key_unsupported', 'a compressed P-256 point is not accepted; export the key uncompressed');
      return { algorithm: 'ecdsa', bits: 256, signatureAlg: 'ES256' };
    case 'ed25519':
      return { algorithm: 'ed25519', bits: 256, signatureAlg: 'EdDSA' };
    case 'x25519':
      return { algorithm: 'x25519', bits: 256 };
    case 'rsa-pss':
      throw new KeyError(
        'key_unsupported',
        'RSA-PSS-restricted keys are not supported; generate a plain RSA key (openssl genpkey -algorithm RSA)',
      );
    default:
      throw new KeyError('key_unsupported', `${key.asymmetricKeyType ?? 'unknown'} keys are not supported`);
  }
}

/** Fingerprints by key object: parsed public keys are cached, so a receipt names its signer's key at no cost. */
const fingerprints = new WeakMap<KeyObject, string>();

/**
 * The default key ID: base64url of SHA-256 over the DER SubjectPublicKeyInfo (43 characters). Stable across PEM
 * formatting, identical for a private key and its public key, computable by anyone holding the public key.
 */
export function spkiFingerprint(key: KeyObject): string {
  const known = fingerprints.get(key);
  if (known !== undefined) return known;
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const fingerprint = b64u(
    createHash('sha256')
      .update(publicKey.export({ type: 'spki', format: 'der' }))
      .digest(),
  );
  fingerprints.set(key, fingerprint);
  return fingerprint;
}

/** @throws KeyError `key_id_invalid` unless `kid` matches {@link KEY_ID_PATTERN}. */
export function checkKeyId(kid: string): string {
  if (!KEY_ID_PATTERN.test(kid)) throw new KeyError('key_id_invalid', `key ID must be ${KEY_ID_RULE}, not "." or ".."`);
  return kid;
}

const PEM_LABEL = /-----BEGIN ([A-Z0-9 ]+)-----/g;
const PUBLIC_LABELS = new Set(['PUBLIC KEY', 'RSA PUBLIC KEY']);
const PRIVATE_LABELS = new Set([
  'PRIVATE KEY',
  'ENCRYPTED PRIVATE KEY',
  'RSA PRIVATE KEY',
  'EC PRIVATE KEY',
  'DSA PRIVATE KEY',
]);

function pemLabels(pem: string): string[] {
  return [...pem.matchAll(PEM_LABEL)].map((match) => match[1] ?? '');
}

function isEncryptedPem(pem: string, labels: string[]): boolean {
  return labels.includes('ENCRYPTED PRIVATE KEY') || /^Proc-Type:\s*4,ENCRYPTED/m.test(pem);
}

/** Parsed public keys by PEM text: parsing a PEM costs about as much as verifying a signature. */
const publicKeyCache = new Map<string, KeyObject>();
const PUBLIC_KEY_CACHE_SIZE = 1024;

/**
 * Reads a PEM public key (SPKI, or PKCS#1 for RSA). Parsed keys are cached (LRU, 1024 entries).
 * The key is not size-checked here: pass it to {@link describeKey} (or {@link verificationKey}).
 * @throws KeyError `key_wrong_kind` for a private key, `key_malformed` for anything that is not a public key
 */
export function parsePublicKeyPem(pem: string): KeyObject {
  const cached = publicKeyCache.get(pem);
  if (cached) {
    publicKeyCache.delete(pem);
    publicKeyCache.set(pem, cached);
    return cached;
  }
  const labels = pemLabels(pem);
  if (labels.some((label) => PRIVATE_LABELS.has(label)))
    throw new KeyError('key_wrong_kind', 'this is a private key; give the public key (openssl pkey -pubout)');
  if (!labels.some((label) => PUBLIC_LABELS.has(label)))
    throw new KeyError('key_malformed', 'not a PEM public key (expected -----BEGIN PUBLIC KEY-----)');
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new KeyError('key_malformed', 'the PEM public key could not be parsed');
  }
  if (publicKeyCache.size >= PUBLIC_KEY_CACHE_SIZE) {
    const oldest = publicKeyCache.keys().next().value;
    if (oldest !== undefined) publicKeyCache.delete(oldest);
  }
  publicKeyCache.set(pem, key);
  return key;
}

/**
 * Reads a PEM private key: PKCS#8 (plain or encrypted) or the legacy OpenSSL forms.
 * @throws KeyError `key_wrong_kind`, `key_malformed`, `key_passphrase_required` or `key_passphrase_wrong`
 */
export function parsePrivateKeyPem(pem: string, passphrase?: string): KeyObject {
  const labels = pemLabels(pem);
  if (!labels.some((label) => PRIVATE_LABELS.has(label))) {
    if (labels.some((label) => PUBLIC_LABELS.has(label)))
      throw new KeyError('key_wrong_kind', 'this is a public key; a private key is needed here');
    throw new KeyError(
      'key_malformed',
      'not a PEM private key (expected a PKCS#8 "PRIVATE KEY" PEM block, as openssl genpkey writes)',
    );
  }
  const encrypted = isEncryptedPem(pem, labels);
  if (encrypted && passphrase === undefined)
    throw new KeyError('key_passphrase_required', 'the private key is encrypted; give its passphrase');
  try {
    return createPrivateKey(encrypted ? { key: pem, format: 'pem', passphrase } : { key: pem, format: 'pem' });
  } catch {
    if (encrypted) throw new KeyError('key_passphrase_wrong', 'the passphrase does not decrypt this private key');
    throw new KeyError('key_malformed', 'the PEM private key could not be parsed');
  }
}

/**
 * Makes a signing key from a private key: checks algorithm and size, picks the JWS `alg`, defaults `kid` to the SPKI
 * fingerprint.
 * @throws KeyError `key_wrong_kind` for an X25519 key or a public key, or any {@link describeKey} error
 */
export function signingKey(privateKey: KeyObject, kid?: string): SigningKey {
  if (privateKey.type !== 'private') throw new KeyError('key_wrong_kind', 'a private key is needed to sign');
  const info = describeKey(privateKey);
  if (!info.signatureAlg)
    throw new KeyError('key_wrong_kind', `${info.algorithm} keys cannot sign; use an rsa, dsa, ecdsa or ed25519 key`);
  return { alg: info.signatureAlg, kid: checkKeyId(kid ?? spkiFingerprint(privateKey)), privateKey };
}

/**
 * Makes a verification key from a public key, the way a customer key is registered.
 * @throws KeyError as {@link signingKey}
 */
export function verificationKey(publicKey: KeyObject, kid?: string): VerificationKey {
  if (publicKey.type !== 'public') throw new KeyError('key_wrong_kind', 'a public key is needed to verify');
  const info = describeKey(publicKey);
  if (!info.signatureAlg)
    throw new KeyError('key_wrong_kind', `${info.algorithm} keys cannot sign; use an rsa, dsa, ecdsa or ed25519 key`);
  return { alg: info.signatureAlg, kid: checkKeyId(kid ?? spkiFingerprint(publicKey)), publicKey };
}

/**
 * Checks that a key is an X25519 key of the expected kind (server keys: public to seal, private to open).
 * @throws KeyError `key_wrong_kind` otherwise
 */
export function requireX25519(key: KeyObject, kind: 'public' | 'private'): KeyObject {
  if (key.asymmetricKeyType !== 'x25519')
    throw new KeyError(
      'key_wrong_kind',
      `server keys are X25519; this is a${key.asymmetricKeyType === 'ec' ? 'n' : ''} ${key.asymmetricKeyType ?? 'unknown'} key`,
    );
  if (key.type !== kind) throw new KeyError('key_wrong_kind', `a ${kind} X25519 key is needed here`);
  return key;
}

/** PEM SPKI of a public key (or of the public half of a private key). */
export function exportPublicKeyPem(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}
