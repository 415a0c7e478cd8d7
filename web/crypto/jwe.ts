/**
 * The envelope's outer layer in the page (docs/envelope.md §2): a compact JWE, `ECDH-ES` on X25519, the Concat KDF,
 * `A256GCM` — with WebCrypto. The header, the KDF's input and the serialization are shared/envelope/jwe-format.ts's,
 * the code node:crypto's encrypter uses: the same ephemeral key and IV give the same envelope here as in po.
 */
import { decode as b64uDecode, encode as b64u } from '../../shared/base64url.js';
import { readSpki } from '../../shared/der.js';
import {
  IV_BYTES,
  TAG_BYTES,
  X25519_BYTES,
  compactJwe,
  concatKdfInput,
  jweProtectedHeader,
} from '../../shared/envelope/jwe-format.js';
import { KeyError } from '../../shared/errors.js';
import { KEY_ID_PATTERN, KEY_ID_RULE } from '../../shared/rules.js';
import type { WebCryptoKey } from './sign.js';
import { pemToDer, sha256 } from './signatures.js';

/** The OPD's server key as the page encrypts to it. `fingerprint` is its SPKI fingerprint, for pinning. */
export interface BrowserServerKey {
  readonly kid: string;
  readonly publicKey: WebCryptoKey;
  readonly fingerprint: string;
}

/** An X25519 key pair in the page (the envelope's ephemeral key). */
export interface X25519KeyPair {
  readonly privateKey: WebCryptoKey;
  readonly publicKey: WebCryptoKey;
}

/** Test-vector hooks: a fixed ephemeral key pair and IV make the output reproducible. Never set them otherwise. */
export interface PageDeterministicInputs {
  readonly ephemeral: X25519KeyPair;
  readonly iv: Uint8Array;
}

const X25519_OID = '1.3.101.110';
/** The DER SubjectPublicKeyInfo prefix of an X25519 key (RFC 8410): the key's SPKI is prefix ‖ x. */
const X25519_SPKI_PREFIX = Uint8Array.of(0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00);

const malformed = (why: string) => new KeyError('key_malformed', `the server key is not usable: ${why}`);

/** The raw X25519 key of a published JWK, if it is one (`kty` OKP, `crv` X25519, a 32-byte `x`). */
function rawFromJwk(jwk: unknown): Uint8Array {
  const { kty, crv, x } = (typeof jwk === 'object' && jwk !== null ? jwk : {}) as Record<string, unknown>;
  if (kty !== 'OKP' || crv !== 'X25519') throw new KeyError('key_wrong_kind', 'the server key is not an X25519 JWK');
  const raw = typeof x === 'string' ? b64uDecode(x) : undefined;
  if (raw?.length !== X25519_BYTES) throw malformed(`its JWK x is not ${X25519_BYTES} bytes of base64url`);
  return raw;
}

/** The raw X25519 key of a published SPKI PEM. */
function rawFromPem(pem: string): Uint8Array {
  const spki = readSpki(pemToDer(pem));
  if (spki.algorithm !== X25519_OID) throw new KeyError('key_wrong_kind', 'the server key PEM is not an X25519 key');
  spki.parameters.end();
  if (spki.publicKey.length !== X25519_BYTES) throw malformed(`its PEM key is not ${X25519_BYTES} bytes`);
  return spki.publicKey;
}

/**
 * Reads the answer of `GET /server-key` (`{kid, jwk, publicKeyPem, fingerprint, …}`, functions/read): the key from its
 * JWK or its SPKI PEM (either will do; when both are given they must be the same key, and a stated fingerprint must
 * be the key's).
 * @throws KeyError `key_id_invalid`, `key_wrong_kind` (not X25519), `key_malformed`, or `key_unsupported_in_browser`
 * (a browser without X25519)
 */
export async function importServerKey(published: unknown): Promise<BrowserServerKey> {
  const answer = (typeof published === 'object' && published !== null ? published : {}) as Record<string, unknown>;
  const { kid, jwk, publicKeyPem, fingerprint } = answer;
  if (typeof kid !== 'string' || !KEY_ID_PATTERN.test(kid))
    throw new KeyError('key_id_invalid', `the server key ID must be ${KEY_ID_RULE}`);
  const fromJwk = jwk === undefined ? undefined : rawFromJwk(jwk);
  const fromPem = typeof publicKeyPem === 'string' ? rawFromPem(publicKeyPem) : undefined;
  const raw = fromJwk ?? fromPem;
  if (!raw) throw malformed('the answer has neither a jwk nor a publicKeyPem');
  if (fromJwk && fromPem && b64u(fromJwk) !== b64u(fromPem)) throw malformed('its JWK and its PEM are different keys');
  const spki = new Uint8Array(X25519_SPKI_PREFIX.length + raw.length);
  spki.set(X25519_SPKI_PREFIX);
  spki.set(raw, X25519_SPKI_PREFIX.length);
  const computed = b64u(await sha256(spki));
  if (fingerprint !== undefined && fingerprint !== computed) throw malformed('its stated fingerprint is not its own');
  let publicKey: WebCryptoKey;
  try {
    publicKey = await crypto.subtle.importKey('raw', raw.slice(), { name: 'X25519' }, true, []);
  } catch (error) {
    if (error instanceof Error && error.name === 'NotSupportedError')
      throw new KeyError('key_unsupported_in_browser', 'this browser has no X25519: use a current browser, or po');
    throw malformed('WebCrypto refuses it');
  }
  return { kid, publicKey, fingerprint: computed };
}

/**
 * Encrypts `plaintext` (the order JWS) to the server key and returns the compact JWE. A fresh ephemeral key and IV
 * each time, unless a test vector fixes them.
 * @throws KeyError `key_unsupported_in_browser` if the browser cannot make X25519 keys
 */
export async function encryptJweInPage(
  plaintext: Uint8Array,
  recipient: BrowserServerKey,
  fixed?: PageDeterministicInputs,
): Promise<string> {
  const ephemeral = fixed?.ephemeral ?? (await ephemeralKeyPair());
  const iv = fixed?.iv.slice() ?? crypto.getRandomValues(new Uint8Array(IV_BYTES));
  if (iv.length !== IV_BYTES) throw new RangeError(`the IV is ${IV_BYTES} bytes`);
  const epkX = b64u(new Uint8Array(await crypto.subtle.exportKey('raw', ephemeral.publicKey)));
  const protectedB64 = jweProtectedHeader(recipient.kid, epkX);
  const sharedSecret = new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: 'X25519', public: recipient.publicKey },
      ephemeral.privateKey,
      8 * X25519_BYTES,
    ),
  );
  const kdfInput = concatKdfInput(sharedSecret, new Uint8Array(), new Uint8Array());
  const cek = await sha256(kdfInput);
  const key = await crypto.subtle.importKey('raw', cek.slice(), { name: 'AES-GCM' }, false, ['encrypt']);
  // The content key and what it was made from are not needed any more: leave no copy in memory.
  for (const secret of [sharedSecret, kdfInput, cek]) secret.fill(0);
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(protectedB64), tagLength: 8 * TAG_BYTES },
      key,
      plaintext.slice(),
    ),
  );
  // WebCrypto appends the tag to the ciphertext; the JWE carries them as two parts.
  const ciphertext = sealed.subarray(0, sealed.length - TAG_BYTES);
  return compactJwe(protectedB64, iv, ciphertext, sealed.subarray(sealed.length - TAG_BYTES));
}

async function ephemeralKeyPair(): Promise<X25519KeyPair> {
  try {
    return (await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits'])) as X25519KeyPair;
  } catch (error) {
    if (error instanceof Error && error.name === 'NotSupportedError')
      throw new KeyError('key_unsupported_in_browser', 'this browser has no X25519: use a current browser, or po');
    throw error;
  }
}
