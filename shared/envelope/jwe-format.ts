/**
 * The bytes of a JWE that do not depend on the cryptography library: the protected header (its members in one order),
 * the Concat KDF's input and the compact serialization. Pure, so that po and the OPD (node:crypto,
 * shared/envelope/jwe.ts) and the customer portal (WebCrypto, web/crypto/jwe.ts) encrypt the same bytes alike.
 */
import { encode as b64u } from '../base64url.js';

/** The JWE `cty`: the content is an order JWS. */
export const ORDER_JWE_CTY = 'po-order+jws';
export const JWE_ALG = 'ECDH-ES';
export const JWE_ENC = 'A256GCM';
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
export const X25519_BYTES = 32;

/**
 * BASE64URL of the protected header `{alg, enc, kid, cty, epk: {kty, crv, x}}`, members in that order: the header is
 * the GCM additional data, so its exact bytes are part of the envelope.
 */
export function jweProtectedHeader(kid: string, epkX: string): string {
  return b64u(
    JSON.stringify({
      alg: JWE_ALG,
      enc: JWE_ENC,
      kid,
      cty: ORDER_JWE_CTY,
      epk: { kty: 'OKP', crv: 'X25519', x: epkX },
    }),
  );
}

/** The KDF's AlgorithmID: the `enc`, as bytes. */
const ALGORITHM_ID = new TextEncoder().encode(JWE_ENC);

/**
 * The one SHA-256 input of the Concat KDF (NIST SP 800-56A) as RFC 7518 §4.6.2 uses it for direct ECDH-ES with
 * A256GCM: round 1 ‖ Z ‖ AlgorithmID (the `enc`, length-prefixed) ‖ PartyUInfo ‖ PartyVInfo ‖ 256, every length and
 * number a 32-bit big-endian integer. Its SHA-256 is the content key. Written into one buffer: it is built per envelope.
 */
export function concatKdfInput(sharedSecret: Uint8Array, apu: Uint8Array, apv: Uint8Array): Uint8Array {
  const out = new Uint8Array(20 + sharedSecret.length + ALGORITHM_ID.length + apu.length + apv.length);
  let offset = 0;
  const put = (bytes: Uint8Array) => {
    out.set(bytes, offset);
    offset += bytes.length;
  };
  const putUint32 = (value: number) => {
    out[offset] = value >>> 24;
    out[offset + 1] = value >>> 16;
    out[offset + 2] = value >>> 8;
    out[offset + 3] = value;
    offset += 4;
  };
  putUint32(1);
  put(sharedSecret);
  for (const part of [ALGORITHM_ID, apu, apv]) {
    putUint32(part.length);
    put(part);
  }
  putUint32(256);
  return out;
}

/** The compact serialization of a direct-agreement JWE: its encrypted-key part is empty. */
export function compactJwe(protectedB64: string, iv: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): string {
  return `${protectedB64}..${b64u(iv)}.${b64u(ciphertext)}.${b64u(tag)}`;
}
