/**
 * DSA public keys and signature verification (FIPS 186-4 §4.7) without Node: the browser's WebCrypto has no DSA. This
 * project's `DS256` is DSA with SHA-256, the signature r‖s with each half ceil(N/8) bytes (IEEE P1363), as
 * shared/envelope/jws.ts signs. Verification only; BigInt arithmetic. The key checks ({@link dsaKeyFromSpki}) are also
 * the OPD's own (shared/keys.ts), so a key the OPD registers is one the console can verify, and no key whose domain
 * parameters would let anyone forge signatures is registered.
 *
 * Constant time is not needed and not attempted: every input here is public (the public key, the signed bytes, the
 * signature), so timing reveals nothing an observer does not already have.
 */
import { KeyError } from './errors.js';
import { DSA_SIZES } from './rules.js';
import { DerReader, readSpki } from './der.js';

/** id-dsa (RFC 3279 §2.3.2). */
const DSA_OID = '1.2.840.10040.4.1';

const DSA_MIN_L = Math.min(...DSA_SIZES.map((size) => size.l));

/** SHA-256's output length in bits: H(m) is its leftmost min(N, 256) bits. */
const SHA256_BITS = 256;

/** A DSA public key whose sizes and ranges are checked ({@link dsaKeyFromSpki}). */
export interface DsaPublicKey {
  readonly p: bigint;
  readonly q: bigint;
  readonly g: bigint;
  readonly y: bigint;
}

/** The bit length of a positive integer. */
function bitLength(value: bigint): number {
  return value.toString(2).length;
}

function toBigInt(bytes: Uint8Array): bigint {
  let hex = '0x0';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return BigInt(hex);
}

/** base^exponent mod modulus, by right-to-left square-and-multiply. */
function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let square = base % modulus;
  for (let rest = exponent; rest > 0n; rest >>= 1n) {
    if (rest & 1n) result = (result * square) % modulus;
    square = (square * square) % modulus;
  }
  return result;
}

/** The inverse of `value` modulo `modulus` (extended Euclid), or `undefined` when they share a factor. */
function modInverse(value: bigint, modulus: bigint): bigint | undefined {
  let [oldRemainder, remainder] = [value % modulus, modulus];
  let [oldCoefficient, coefficient] = [1n, 0n];
  while (remainder !== 0n) {
    const quotient = oldRemainder / remainder;
    [oldRemainder, remainder] = [remainder, oldRemainder - quotient * remainder];
    [oldCoefficient, coefficient] = [coefficient, oldCoefficient - quotient * coefficient];
  }
  if (oldRemainder !== 1n) return undefined;
  return ((oldCoefficient % modulus) + modulus) % modulus;
}

/**
 * Reads a DER SPKI DSA public key (RFC 3279 §2.3.2: `Dss-Parms ::= SEQUENCE { p, q, g }`, the key an INTEGER y) and
 * checks it: L/N one of the accepted sizes, 1 < g < p, 1 < y < p.
 * @throws KeyError `key_malformed` (not DER, not an SPKI, no domain parameters, g or y out of range), `key_wrong_kind`
 * (another algorithm's key), `key_too_small` (L below 2048) or `key_unsupported` (another L/N)
 */
export function dsaKeyFromSpki(spkiDer: Uint8Array): DsaPublicKey {
  const spki = readSpki(spkiDer);
  if (spki.algorithm !== DSA_OID)
    throw new KeyError('key_wrong_kind', `not a DSA key: its algorithm is ${spki.algorithm}, not ${DSA_OID}`);
  if (spki.parameters.done)
    throw new KeyError('key_malformed', 'the DSA key has no domain parameters (p, q, g) of its own');
  const parameters = spki.parameters.sequence();
  spki.parameters.end();
  const [p, q, g] = [parameters.integer(), parameters.integer(), parameters.integer()];
  parameters.end();
  const publicKey = new DerReader(spki.publicKey);
  const y = publicKey.integer();
  publicKey.end();
  if (p <= 0n || q <= 0n) throw new KeyError('key_malformed', 'the DSA key has a p or q that is not positive');
  const [l, n] = [bitLength(p), bitLength(q)];
  if (l < DSA_MIN_L) throw new KeyError('key_too_small', `DSA key is ${l} bits; at least ${DSA_MIN_L} are required`);
  if (!DSA_SIZES.some((size) => size.l === l && size.n === n))
    throw new KeyError('key_unsupported', `DSA key size L=${l}, N=${n} is not one of 2048/224, 2048/256, 3072/256`);
  if (g <= 1n || g >= p) throw new KeyError('key_malformed', 'the DSA generator g is not in the range 1 < g < p');
  if (y <= 1n || y >= p) throw new KeyError('key_malformed', 'the DSA public key y is not in the range 1 < y < p');
  // g and y must lie in the subgroup of order q (FIPS 186-4 §A.2.2, SP 800-89 §5.3.1): with g = p − 1, say, a
  // signature with r = 1 verifies for half of all messages. (p and q are not proven prime here: the sizes, the
  // subgroup and the signer's own interest bound what a customer can do with their own key.)
  if (modPow(g, q, p) !== 1n) throw new KeyError('key_malformed', 'the DSA generator g does not have order q');
  if (modPow(y, q, p) !== 1n)
    throw new KeyError('key_malformed', 'the DSA public key y is not in the subgroup of order q');
  return { p, q, g, y };
}

/** The length in bytes of a DS256 signature by `key`: r‖s, each ceil(N/8) bytes. */
export function ds256SignatureLength(key: DsaPublicKey): number {
  return 2 * Math.ceil(bitLength(key.q) / 8);
}

/**
 * Verifies a DS256 signature (r‖s, IEEE P1363) over `message` (FIPS 186-4 §4.7). Returns false, never throws, for a
 * signature of the wrong length, r or s outside 0 < · < q, or one that does not verify.
 */
export async function verifyDs256(key: DsaPublicKey, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const { p, q, g, y } = key;
  const half = ds256SignatureLength(key) / 2;
  if (signature.length !== 2 * half) return false;
  const r = toBigInt(signature.subarray(0, half));
  const s = toBigInt(signature.subarray(half));
  if (r <= 0n || r >= q || s <= 0n || s >= q) return false;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', message.slice()));
  // z: the leftmost min(N, outlen) bits of the digest, as an integer (FIPS 186-4 §4.6).
  const z = toBigInt(digest) >> BigInt(SHA256_BITS - Math.min(bitLength(q), SHA256_BITS));
  const w = modInverse(s, q);
  if (w === undefined) return false;
  const u1 = (z * w) % q;
  const u2 = (r * w) % q;
  const v = ((modPow(g, u1, p) * modPow(y, u2, p)) % p) % q;
  return v === r;
}
