/**
 * Signature verification in the browser, for the OPD console's evidence checks: a customer's key (PS256, DS256, ES256
 * or EdDSA, as SPKI) and the OPD's Ed25519 receipt keys. WebCrypto verifies RSA-PSS, ECDSA P-256 and Ed25519; DSA,
 * which WebCrypto lacks, is web/crypto/dsa.ts.
 *
 * A key is accepted here exactly when the server accepts it (shared/keys.ts `describeKey`: same algorithms, same
 * minimum and maximum sizes), and only in the DER form the server writes (a key spelled otherwise would be a second
 * spelling of the same evidence, docs/evidence.md §2).
 */
import { KeyError } from '../../shared/errors.js';
import { decode as b64uDecode, encode as b64uEncode } from '../../shared/base64url.js';
import { DerReader, readSpki } from '../../shared/der.js';
import type { Spki } from '../../shared/der.js';
import { ds256SignatureLength, dsaKeyFromSpki, verifyDs256 } from '../../shared/dsa.js';

import { RSA_BITS, RSA_MAX_PUBLIC_EXPONENT, RSA_MIN_PUBLIC_EXPONENT } from '../../shared/rules.js';
import type { SignatureAlg } from '../../shared/rules.js';

export type { SignatureAlg };

const RSA_MIN_BITS = RSA_BITS.min;
const RSA_MAX_BITS = RSA_BITS.max;

/** Each algorithm's SPKI OID (RFC 3279, RFC 5480, RFC 8410), with the key kind it names for people. */
export const KEY_OIDS: Readonly<Record<SignatureAlg, { readonly oid: string; readonly kind: string }>> = {
  PS256: { oid: '1.2.840.113549.1.1.1', kind: 'an RSA' },
  DS256: { oid: '1.2.840.10040.4.1', kind: 'a DSA' },
  ES256: { oid: '1.2.840.10045.2.1', kind: 'an EC' },
  EdDSA: { oid: '1.3.101.112', kind: 'an Ed25519' },
};
/** id-RSASSA-PSS: an RSA key restricted to PSS, which the server refuses (shared/keys.ts). */
const RSA_PSS_OID = '1.2.840.113549.1.1.10';
const P256_OID = '1.2.840.10045.3.1.7';
/** P-256 public point, uncompressed (0x04 ‖ x ‖ y), as the server writes it. */
const P256_POINT_BYTES = 65;
const ED25519_KEY_BYTES = 32;
/** ES256 (r‖s) and Ed25519 (R‖S) signatures are both 64 bytes. */
const SIGNATURE_BYTES_64 = 64;

// WebCrypto's types, named through `crypto.subtle` because the Node types the tests compile with have no global
// `CryptoKey`, `AlgorithmIdentifier` and the like.
type WebCryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
type ImportAlgorithm = Parameters<typeof crypto.subtle.importKey>[2];
type VerifyAlgorithm = Parameters<typeof crypto.subtle.verify>[0];
type Check = (signingInput: Uint8Array<ArrayBuffer>, signature: Uint8Array<ArrayBuffer>) => Promise<boolean>;

/** A public key ready to verify signatures. Opaque: its only use is {@link verifySignature}. */
export interface SignatureVerifier {
  readonly alg: SignatureAlg;
  /** The length of a well-formed signature in bytes: any other length does not verify. */
  readonly signatureLength: number;
}

/** Each handle's check, kept out of reach so that a handle cannot be forged or altered. */
const checks = new WeakMap<SignatureVerifier, Check>();

function verifier(alg: SignatureAlg, signatureLength: number, check: Check): SignatureVerifier {
  const handle = Object.freeze({ alg, signatureLength });
  checks.set(handle, check);
  return handle;
}

/** WebCrypto's verify with a key and algorithm parameters. */
function webCryptoCheck(key: WebCryptoKey, algorithm: VerifyAlgorithm): Check {
  return async (signingInput, signature) => crypto.subtle.verify(algorithm, key, signature, signingInput);
}

/** WebCrypto's importKey, its refusals as KeyErrors (a browser without Ed25519 says so). */
async function importVerifyKey(
  format: 'spki' | 'raw',
  der: Uint8Array<ArrayBuffer>,
  algorithm: ImportAlgorithm,
  what: string,
): Promise<WebCryptoKey> {
  try {
    return await crypto.subtle.importKey(format, der, algorithm, false, ['verify']);
  } catch (error) {
    if (error instanceof Error && error.name === 'NotSupportedError')
      throw new KeyError('key_unsupported', `this browser cannot verify ${what} signatures`);
    throw new KeyError('key_malformed', `the ${what} key could not be read`);
  }
}

/**
 * Checks a WebCrypto RSA key (public or private) against the server's rules (shared/keys.ts `describeKey`): 2048–8192
 * bits, a public exponent from 65537 to 2^33 − 1. Returns its size in bits.
 * @throws KeyError `key_too_small`, `key_too_large` or `key_unsupported`
 */
export function checkRsaKey(key: WebCryptoKey): number {
  const { modulusLength, publicExponent } = key.algorithm as { modulusLength?: unknown; publicExponent?: unknown };
  const bits = typeof modulusLength === 'number' ? modulusLength : 0;
  if (bits < RSA_MIN_BITS)
    throw new KeyError('key_too_small', `RSA key is ${bits} bits; at least ${RSA_MIN_BITS} are required`);
  if (bits > RSA_MAX_BITS)
    throw new KeyError('key_too_large', `RSA key is ${bits} bits; at most ${RSA_MAX_BITS} are accepted`);
  // WebCrypto gives the exponent as big-endian bytes.
  const exponentBytes = publicExponent instanceof Uint8Array ? publicExponent : new Uint8Array();
  const exponent = exponentBytes.reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);
  if (exponent < RSA_MIN_PUBLIC_EXPONENT)
    throw new KeyError('key_unsupported', 'RSA public exponent below 65537 is not accepted');
  if (exponent > RSA_MAX_PUBLIC_EXPONENT)
    throw new KeyError('key_unsupported', 'RSA public exponent above 2^33 − 1 is not accepted (browsers refuse it)');
  return bits;
}

/** The RSA key's DER (`RSAPublicKey ::= SEQUENCE { n, e }`, RFC 8017 §A.1.1) is read strictly, then by WebCrypto. */
async function importRsa(spki: Spki, der: Uint8Array<ArrayBuffer>): Promise<SignatureVerifier> {
  spki.parameters.null();
  spki.parameters.end();
  const input = new DerReader(spki.publicKey);
  const rsaPublicKey = input.sequence();
  input.end();
  rsaPublicKey.integer();
  rsaPublicKey.integer();
  rsaPublicKey.end();
  const key = await importVerifyKey('spki', der, { name: 'RSA-PSS', hash: 'SHA-256' }, 'RSA');
  const bits = checkRsaKey(key);
  return verifier('PS256', Math.ceil(bits / 8), webCryptoCheck(key, { name: 'RSA-PSS', saltLength: 32 }));
}

async function importP256(spki: Spki, der: Uint8Array<ArrayBuffer>): Promise<SignatureVerifier> {
  const curve = spki.parameters.oid();
  spki.parameters.end();
  if (curve !== P256_OID) throw new KeyError('key_unsupported', `EC curve ${curve} is not supported; use P-256`);
  if (spki.publicKey.length !== P256_POINT_BYTES || spki.publicKey[0] !== 0x04)
    throw new KeyError('key_malformed', 'the P-256 public key is not an uncompressed point');
  const key = await importVerifyKey('spki', der, { name: 'ECDSA', namedCurve: 'P-256' }, 'ECDSA P-256');
  return verifier('ES256', SIGNATURE_BYTES_64, webCryptoCheck(key, { name: 'ECDSA', hash: 'SHA-256' }));
}

async function importEd25519(spki: Spki, der: Uint8Array<ArrayBuffer>): Promise<SignatureVerifier> {
  // RFC 8410 §3: the parameters are absent.
  spki.parameters.end();
  if (spki.publicKey.length !== ED25519_KEY_BYTES)
    throw new KeyError('key_malformed', `the Ed25519 public key is not ${ED25519_KEY_BYTES} bytes`);
  const key = await importVerifyKey('spki', der, { name: 'Ed25519' }, 'Ed25519');
  return verifier('EdDSA', SIGNATURE_BYTES_64, webCryptoCheck(key, { name: 'Ed25519' }));
}

/**
 * Imports a customer's public key (DER SPKI) to verify signatures of `alg`, the algorithm it was registered with. The
 * key must be of that algorithm and within the server's limits: RSA 2048–8192 bits with a public exponent of at least
 * 65537, DSA 2048/224, 2048/256 or 3072/256, ECDSA on P-256, Ed25519.
 * @throws KeyError `key_malformed`, `key_wrong_kind` (a key of another algorithm), `key_unsupported`, `key_too_small`
 * or `key_too_large`
 */
export async function importCustomerKey(spkiDer: Uint8Array, alg: SignatureAlg): Promise<SignatureVerifier> {
  // A copy of our own: the caller's bytes may change while WebCrypto works.
  const der = spkiDer.slice();
  const spki = readSpki(der);
  const expected = KEY_OIDS[alg];
  if (spki.algorithm === RSA_PSS_OID)
    throw new KeyError('key_unsupported', 'RSA-PSS-restricted keys are not supported; use a plain RSA key');
  if (spki.algorithm !== expected.oid) {
    const actual = Object.values(KEY_OIDS).find((known) => known.oid === spki.algorithm);
    if (!actual) throw new KeyError('key_unsupported', `keys of algorithm ${spki.algorithm} are not supported`);
    throw new KeyError('key_wrong_kind', `this is ${actual.kind} key, not ${expected.kind} key for ${alg}`);
  }
  switch (alg) {
    case 'PS256':
      return importRsa(spki, der);
    case 'DS256': {
      const key = dsaKeyFromSpki(der);
      return verifier('DS256', ds256SignatureLength(key), (signingInput, signature) =>
        verifyDs256(key, signingInput, signature),
      );
    }
    case 'ES256':
      return importP256(spki, der);
    case 'EdDSA':
      return importEd25519(spki, der);
  }
}

/**
 * Imports an OPD receipt key: a raw Ed25519 public key (32 bytes, a receipt key JWK's `x`).
 * @throws KeyError `key_malformed` (not 32 bytes, or not a key) or `key_unsupported` (a browser without Ed25519)
 */
export async function importReceiptKey(x: Uint8Array): Promise<SignatureVerifier> {
  if (x.length !== ED25519_KEY_BYTES)
    throw new KeyError('key_malformed', `an Ed25519 public key is ${ED25519_KEY_BYTES} bytes, not ${x.length}`);
  const key = await importVerifyKey('raw', x.slice(), { name: 'Ed25519' }, 'Ed25519');
  return verifier('EdDSA', SIGNATURE_BYTES_64, webCryptoCheck(key, { name: 'Ed25519' }));
}

/**
 * Verifies `signature` over `signingInput` (a JWS's ASCII(header '.' payload)) with a key from
 * {@link importCustomerKey} or {@link importReceiptKey}. False, never a throw, for a signature of the wrong length, a
 * malformed one (e.g. r or s out of range), or one that does not verify.
 * @throws TypeError if `handle` was not made by this module (a programming error, not a bad signature)
 */
export async function verifySignature(
  handle: SignatureVerifier,
  signingInput: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  const check = checks.get(handle);
  if (!check) throw new TypeError('not a verifier made by importCustomerKey or importReceiptKey');
  if (signature.length !== handle.signatureLength) return false;
  try {
    return await check(signingInput.slice(), signature.slice());
  } catch {
    // WebCrypto may raise on a signature it finds malformed rather than answer false.
    return false;
  }
}

/** SHA-256 of `bytes` (key fingerprints, order and receipt digests). */
export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes.slice()));
}

const PEM_PATTERN = /^-----BEGIN PUBLIC KEY-----\n([A-Za-z0-9+/=\n]+)\n-----END PUBLIC KEY-----\n$/;
const PEM_LINE_CHARS = 64;

/**
 * The DER of a single SPKI "PUBLIC KEY" PEM block in the canonical form the server stores and `openssl pkey -pubout`
 * writes: 64-character lines of padded base64, LF line ends, a final LF, nothing before or after. One key, one text
 * (docs/evidence.md §2): any other spelling is refused, as the server's evidence check refuses it.
 * @throws KeyError `key_malformed`
 */
export function pemToDer(pem: string): Uint8Array {
  const body = PEM_PATTERN.exec(pem)?.[1];
  const base64 = body?.replaceAll('\n', '');
  const der =
    base64 === undefined ? undefined : b64uDecode(base64.replace(/=+$/, '').replaceAll('+', '-').replaceAll('/', '_'));
  if (der === undefined || der.length === 0 || canonicalPem(der) !== pem)
    throw new KeyError(
      'key_malformed',
      'not a canonical SPKI PEM public key (one "PUBLIC KEY" block, 64-character base64 lines, LF line ends)',
    );
  return der;
}

/** The canonical PEM of a DER SPKI, as `openssl pkey -pubout` writes it. */
export function canonicalPem(der: Uint8Array): string {
  const base64 = b64uEncode(der).replaceAll('-', '+').replaceAll('_', '/');
  const padded = base64.padEnd(Math.ceil(base64.length / 4) * 4, '=');
  const lines = padded.match(new RegExp(`.{1,${PEM_LINE_CHARS}}`, 'g')) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`;
}
