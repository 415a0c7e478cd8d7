/**
 * Proofs of possession (docs/envelope.md §11). A customer who adds a key to their account (`POST /account/keys`)
 * sends, with the public key and their password, a statement signed with the NEW key's private key: a compact JWS as
 * in §3 (same algorithms, same header members), `typ` `po-key-proof+jws`, the header's `kid` the ID the key is to be
 * registered under, and claims exactly `sub` (the customer), `aud` (the OPD, configuration `OPD_ID`), `iat` and `kid`
 * (that key ID again). It proves that whoever adds the key holds its private key — nobody registers a key they cannot
 * sign with, or someone else's public key as theirs — for this customer, at this OPD, now.
 *
 * Signing is here rather than in the CLI so that any client (`po keys add`, a portal) makes the same proof.
 */
import { checkIatWindow } from './envelope/index.js';
import { jsonObjectOf, parseJws, signJws, verifyJwsSignature } from './envelope/jws.js';
import { ApiError, EnvelopeError } from './errors.js';
import type { SigningKey, VerificationKey } from './keys.js';
import { KEY_PROOF_TYP, jsonPayload, keyProofClaims, keyProofClaimsSchema } from './signed-claims.js';
import type { KeyProofClaims, KeyProofStatement } from './signed-claims.js';

// The proof's typ, claims and their schema are pure (shared/signed-claims.ts): the portal builds them with this code.
export { KEY_PROOF_TYP, keyProofClaims } from './signed-claims.js';
export type { KeyProofClaims, KeyProofStatement } from './signed-claims.js';

/**
 * Signs a proof that the holder of `signer` (the NEW key, under the ID it is to be registered with: `signer.kid`) adds
 * it to `customerId`'s account at `opdId`.
 */
export function signKeyProof(input: Omit<KeyProofStatement, 'kid'> & { readonly signer: SigningKey }): string {
  const claims = keyProofClaims({ ...input, kid: input.signer.kid });
  return signJws(jsonPayload(claims), input.signer, KEY_PROOF_TYP);
}

/** What the OPD expects of a proof: the logged-in customer, itself, the key being added (as it will be registered). */
export interface KeyProofContext {
  readonly customerId: string;
  readonly opdId: string;
  /** The key being added, its algorithm taken from the key itself (never from the proof's header), and its ID. */
  readonly key: VerificationKey;
  readonly now?: number;
}

const invalid = (check: string) => new ApiError('key_proof_invalid', `the key proof is refused: ${check}`);

/**
 * Checks a proof of possession against the key being added. In order: JWS shape and `typ`; the header's `kid` is the
 * key's ID; the header's `alg` is the key's own algorithm; the signature verifies with the key; the claims' shape;
 * `sub` is the customer; `aud` is this OPD; the `kid` claim is the key's ID; `iat` within the clock-skew window.
 * @throws ApiError `key_proof_invalid`, its message naming the check that failed
 */
export function verifyKeyProof(proof: string, context: KeyProofContext): KeyProofClaims {
  const { key } = context;
  let parsed: ReturnType<typeof parseJws>;
  try {
    parsed = parseJws(proof, KEY_PROOF_TYP);
  } catch (error) {
    if (error instanceof EnvelopeError) throw invalid(`${error.message} (a compact JWS of typ ${KEY_PROOF_TYP})`);
    throw error;
  }
  if (parsed.kid !== key.kid) throw invalid('its header kid is not the ID of the key being added');
  // The key decides the algorithm: a header saying anything else (none, HS256, another key type's) is refused.
  if (parsed.alg !== key.alg) throw invalid(`its alg is not ${key.alg}, the algorithm of the key being added`);
  if (!verifyJwsSignature(parsed, key.alg, key.publicKey))
    throw invalid('its signature does not verify with the key being added (sign it with that key’s private key)');
  const result = keyProofClaimsSchema().safeParse(jsonObjectOf(parsed.payload));
  if (!result.success)
    throw invalid(`its claims are invalid: ${result.error.issues[0]?.message ?? 'not a JSON object'}`);
  const claims = result.data;
  if (claims.sub !== context.customerId) throw invalid('it is for another customer (sub)');
  if (claims.aud !== context.opdId) throw invalid(`it is addressed to another OPD (aud), not to ${context.opdId}`);
  if (claims.kid !== key.kid) throw invalid('its kid claim is not the ID of the key being added');
  try {
    checkIatWindow(claims.iat, context.now, 'key proof');
  } catch (error) {
    if (error instanceof EnvelopeError) throw invalid(`${error.message} (iat)`);
    throw error;
  }
  return claims;
}
