/**
 * Signing a compact JWS in the page with WebCrypto (docs/envelope.md §3): PS256 (RSA-PSS, SHA-256, 32-byte salt),
 * ES256 (ECDSA P-256, SHA-256, r‖s) and EdDSA (Ed25519). DS256 has no WebCrypto algorithm: a DSA key signs with po.
 *
 * The signing input is built by shared/envelope/jws-format.ts `jwsSigningInput`, the function node:crypto's signer
 * uses, so an Ed25519 key gives the same JWS here as in po, byte for byte.
 */
import { encode as b64u } from '../../shared/base64url.js';
import { jwsSigningInput } from '../../shared/envelope/jws-format.js';
import { KeyError } from '../../shared/errors.js';
import type { SignatureAlg } from '../../shared/rules.js';

/**
 * WebCrypto's key type, named through `crypto.subtle` because the Node types the tests compile with have no global
 * `CryptoKey`.
 */
export type WebCryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
type SignAlgorithm = Parameters<typeof crypto.subtle.sign>[0];

/** The signature algorithms a browser has: all of the project's but DS256. */
export type BrowserSignatureAlg = Exclude<SignatureAlg, 'DS256'>;

/** A customer's private key in the page, ready to sign: `privateKey` is a non-extractable WebCrypto key. */
export interface BrowserSigningKey {
  readonly alg: BrowserSignatureAlg;
  readonly kid: string;
  readonly privateKey: WebCryptoKey;
}

/** WebCrypto's parameters for each algorithm, to sign and to verify. */
export const SIGN_PARAMETERS: Readonly<Record<BrowserSignatureAlg, SignAlgorithm>> = {
  PS256: { name: 'RSA-PSS', saltLength: 32 },
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  EdDSA: { name: 'Ed25519' },
};

/** ES256's r‖s and Ed25519's R‖S: WebCrypto gives both raw, as JWA wants them (never DER). */
const RAW_SIGNATURE_BYTES = 64;

/**
 * Signs bytes with the page's key, as `alg` requires.
 * @throws KeyError `key_wrong_kind` if the key is not one `alg` signs with (or cannot sign)
 */
export async function signBytes(signer: BrowserSigningKey, data: Uint8Array): Promise<Uint8Array> {
  const parameters = SIGN_PARAMETERS[signer.alg];
  let signature: Uint8Array;
  try {
    signature = new Uint8Array(await crypto.subtle.sign(parameters, signer.privateKey, data.slice()));
  } catch {
    throw new KeyError('key_wrong_kind', `this key cannot sign ${signer.alg} signatures`);
  }
  if (signer.alg !== 'PS256' && signature.length !== RAW_SIGNATURE_BYTES)
    throw new KeyError(
      'key_wrong_kind',
      `this key does not make ${signer.alg} signatures of ${RAW_SIGNATURE_BYTES} bytes`,
    );
  return signature;
}

/**
 * Signs `payload` (JSON bytes) into a compact JWS with the header `{alg, kid, typ}`.
 * @throws KeyError `key_wrong_kind` if the key does not sign with its `alg`
 */
export async function signJwsInPage(payload: Uint8Array, signer: BrowserSigningKey, typ: string): Promise<string> {
  const signingInput = jwsSigningInput(payload, signer.alg, signer.kid, typ);
  // The signing input is base64url and a dot: ASCII, so its UTF-8 bytes are its characters.
  const signature = await signBytes(signer, new TextEncoder().encode(signingInput));
  return `${signingInput}.${b64u(signature)}`;
}
