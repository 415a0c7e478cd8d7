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
import * as z from 'zod/mini';
import { iatSchema } from './envelope/claims.js';
import { checkIatWindow } from './envelope/index.js';
import { jsonObjectOf, parseJws, signJws, verifyJwsSignature } from './envelope/jws.js';
import { ApiError, EnvelopeError } from './errors.js';
import type { SigningKey, VerificationKey } from './keys.js';
import { CUSTOMER_ID_PATTERN, KEY_ID_PATTERN, KEY_ID_RULE, OPD_ID_PATTERN } from './rules.js';

/** The JWS `typ` of a proof of possession: no order, cancellation, receipt or session token passes for one. */
export const KEY_PROOF_TYP = 'po-key-proof+jws';

/** The claims of a proof of possession, exactly these members (docs/envelope.md §11). */
const keyProofClaimsSchema = z.strictObject({
  sub: z.string('sub must be a customer ID').check(z.regex(CUSTOMER_ID_PATTERN, 'sub must be a customer ID')),
  aud: z.string('aud must name the OPD').check(z.regex(OPD_ID_PATTERN, 'aud must name the OPD')),
  iat: iatSchema,
  kid: z.string('kid must be a key ID').check(z.regex(KEY_ID_PATTERN, `kid must be ${KEY_ID_RULE}`)),
});

/** A proof's claims, as checked. */
export type KeyProofClaims = z.infer<typeof keyProofClaimsSchema>;

/** What a proof states: this customer adds the key `kid` at this OPD, now (milliseconds; default the clock). */
export interface KeyProofStatement {
  readonly customerId: string;
  readonly opdId: string;
  readonly kid: string;
  readonly now?: number;
}

/** The claims of a proof of `statement`. @throws ZodError for a customer, OPD or key ID that is not one */
export function keyProofClaims(statement: KeyProofStatement): KeyProofClaims {
  return keyProofClaimsSchema.parse({
    sub: statement.customerId,
    aud: statement.opdId,
    iat: Math.floor((statement.now ?? Date.now()) / 1000),
    kid: statement.kid,
  });
}

/**
 * Signs a proof that the holder of `signer` (the NEW key, under the ID it is to be registered with: `signer.kid`) adds
 * it to `customerId`'s account at `opdId`.
 */
export function signKeyProof(input: Omit<KeyProofStatement, 'kid'> & { readonly signer: SigningKey }): string {
  const claims = keyProofClaims({ ...input, kid: input.signer.kid });
  return signJws(Buffer.from(JSON.stringify(claims)), input.signer, KEY_PROOF_TYP);
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
  const result = keyProofClaimsSchema.safeParse(jsonObjectOf(parsed.payload));
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
