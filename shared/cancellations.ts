/**
 * Signed cancellations (docs/envelope.md §10): a customer asks the OPD to cancel an order with a compact JWS signed by
 * one of their registered keys, `typ` `po-cancel+jwt`, claims exactly `iss` (the customer), `aud` (the OPD, as its
 * receipts name it), `iat`, `jti` (fresh per request) and `orderId`. It is sent signed, not encrypted: it holds
 * nothing confidential (the order ID is already the customer's and the OPD's), TLS protects it in transit, and a
 * third party must be able to read what the customer asked for when it settles a dispute.
 */
import { checkIatWindow, verifyCustomerSignature } from './envelope/index.js';
import type { KeyLookup } from './envelope/index.js';
import { decodeJsonObject, parseJws, signJws } from './envelope/jws.js';
import { EnvelopeError } from './errors.js';
import type { SignatureAlg, SigningKey, VerificationKey } from './keys.js';
import { CANCEL_TYP, cancellationClaimsSchema } from './evidence-format.js';
import type { CancellationClaims } from './evidence-format.js';
import { cancellationClaims, jsonPayload } from './signed-claims.js';
import type { CancellationInput } from './signed-claims.js';

export { CANCEL_TYP, cancellationClaimsSchema } from './evidence-format.js';
export type { CancellationClaims } from './evidence-format.js';

/** Signs a request to cancel `orderId` (the CLI's side; the claims are built as the portal builds them). */
export function signCancellation(input: CancellationInput & { signer: SigningKey }): string {
  return signJws(jsonPayload(cancellationClaims(input)), input.signer, CANCEL_TYP);
}

/** A verified cancellation request. */
export interface VerifiedCancellation {
  readonly claims: CancellationClaims;
  readonly alg: SignatureAlg;
  readonly customerKey: VerificationKey;
}

/** What the OPD knows when it checks a cancellation. */
export interface CancellationContext {
  readonly customerId: string;
  readonly opdId: string;
  readonly orderId: string;
  readonly customerKey: KeyLookup<VerificationKey>;
  readonly now?: number;
}

/**
 * Verifies a cancellation request. Checks, in order: JWS shape and `typ`; customer `kid` registered; `alg` equals the
 * registered algorithm; signature; claims shape; `iss` is the customer; `aud` is this OPD; `orderId` is the order
 * being cancelled; `iat` within the clock-skew window. Codes as for orders (docs/envelope.md §6).
 * @throws EnvelopeError
 */
export async function verifyCancellation(jws: string, context: CancellationContext): Promise<VerifiedCancellation> {
  const parsed = parseJws(jws, CANCEL_TYP);
  const key = await verifyCustomerSignature(parsed, context.customerKey, 'cancellation');
  const result = cancellationClaimsSchema().safeParse(decodeJsonObject(parsed.payloadB64));
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new EnvelopeError(
      'claims_invalid',
      `the cancellation's claims are invalid: ${issue?.message ?? 'not a JSON object'}`,
    );
  }
  const claims = result.data;
  if (claims.iss !== context.customerId)
    throw new EnvelopeError('issuer_mismatch', 'the cancellation is issued by another customer than the one logged in');
  if (claims.aud !== context.opdId)
    throw new EnvelopeError(
      'audience_mismatch',
      `the cancellation is addressed to ${claims.aud}, not to ${context.opdId}`,
    );
  if (claims.orderId !== context.orderId)
    throw new EnvelopeError('claims_invalid', `the cancellation names order ${claims.orderId}, not ${context.orderId}`);
  checkIatWindow(claims.iat, context.now, 'cancellation');
  return { claims, alg: key.alg, customerKey: key };
}
