/**
 * The inner layer: a JWS compact serialization (RFC 7515) signed with PS256, DS256, ES256 or EdDSA.
 * Signatures are raw (r‖s for DSA and ECDSA, as JWA requires for ECDSA), never DER.
 */
import { constants, sign, verify } from 'node:crypto';
import type { KeyObject, SignKeyObjectInput, VerifyKeyObjectInput } from 'node:crypto';
import { encode as b64u } from '../base64url.js';
import type { SignatureAlg, SigningKey } from '../keys.js';
import { ORDER_JWS_TYP, jwsSigningInput } from './jws-format.js';
import type { ParsedJws } from './jws-format.js';

export {
  ORDER_JWS_TYP,
  decodeJsonObject,
  isSignatureAlg,
  jsonObjectOf,
  jwsSigningInput,
  parseJws,
} from './jws-format.js';
export type { ParsedJws } from './jws-format.js';

function keyInput(alg: SignatureAlg, key: KeyObject): SignKeyObjectInput & VerifyKeyObjectInput {
  switch (alg) {
    case 'PS256':
      return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
    case 'DS256':
    case 'ES256':
      return { key, dsaEncoding: 'ieee-p1363' };
    case 'EdDSA':
      return { key };
  }
}

function digestFor(alg: SignatureAlg): string | null {
  return alg === 'EdDSA' ? null : 'sha256';
}

/** Signature length in bytes that `alg` produces with `key`; any other length is malformed. */
function signatureLength(alg: SignatureAlg, key: KeyObject): number {
  const details = key.asymmetricKeyDetails ?? {};
  switch (alg) {
    case 'PS256':
      return Math.ceil((details.modulusLength ?? 0) / 8);
    case 'DS256':
      return 2 * Math.ceil((details.divisorLength ?? 0) / 8);
    case 'ES256':
    case 'EdDSA':
      return 64;
  }
}

/**
 * Signs `payload` (the claims' JSON bytes) and returns the compact JWS. `typ` says what it is: an order (the default)
 * or, for the OPD's receipts, `po-receipt+jwt`.
 */
export function signJws(payload: Uint8Array, signer: SigningKey, typ: string = ORDER_JWS_TYP): string {
  const signingInput = jwsSigningInput(payload, signer.alg, signer.kid, typ);
  const signature = sign(digestFor(signer.alg), Buffer.from(signingInput), keyInput(signer.alg, signer.privateKey));
  return `${signingInput}.${b64u(signature)}`;
}

/** Verifies a parsed JWS's signature with `alg` (the registered algorithm) and the public key. */
export function verifyJwsSignature(
  parsed: Pick<ParsedJws, 'signingInput' | 'signature'>,
  alg: SignatureAlg,
  publicKey: KeyObject,
): boolean {
  if (parsed.signature.length !== signatureLength(alg, publicKey)) return false;
  try {
    return verify(digestFor(alg), Buffer.from(parsed.signingInput), keyInput(alg, publicKey), parsed.signature);
  } catch {
    // OpenSSL rejects some malformed signatures (e.g. an RSA value ≥ the modulus) by raising instead of returning false.
    return false;
  }
}
