/**
 * What the customer portal signs, with the customer's key in the page: the order envelope (sign, then encrypt), a key
 * proof (docs/envelope.md §11) and a signed cancellation (§10). Each is built as po builds it — the same claims
 * builders (shared/signed-claims.ts), the same JWS signing input, the same JWE header and KDF — so that the OPD cannot
 * tell which client made it, and an Ed25519 key with a fixed ephemeral key and IV gives po's bytes exactly.
 */
import type { OrderClaims, OrderItem } from '../../shared/envelope/claims.js';
import { ORDER_JWS_TYP } from '../../shared/envelope/jws-format.js';
import { EnvelopeError } from '../../shared/errors.js';
import { CANCEL_TYP } from '../../shared/evidence-format.js';
import { ORDER_LIMITS } from '../../shared/rules.js';
import {
  KEY_PROOF_TYP,
  cancellationClaims,
  jsonPayload,
  keyProofClaims,
  orderClaims,
  orderPayload,
} from '../../shared/signed-claims.js';
import type { CancellationInput } from '../../shared/signed-claims.js';
import { encryptJweInPage } from './jwe.js';
import type { BrowserServerKey, PageDeterministicInputs } from './jwe.js';
import { signJwsInPage } from './sign.js';
import type { BrowserSigningKey } from './sign.js';

/**
 * An order as the page seals it: the lines with the unit prices agreed to (the OPD's quote) and their currency; the
 * total is computed. `now` and `jti` default to the clock and a fresh order ID.
 */
export interface SealOrderInPageInput {
  readonly customerId: string;
  readonly items: readonly OrderItem[];
  readonly currency: string;
  readonly note?: string;
  readonly signer: BrowserSigningKey;
  readonly server: BrowserServerKey;
  /** Milliseconds since the epoch; `iat` is its whole seconds. */
  readonly now?: number;
  readonly jti?: string;
}

/** A sealed order with what the customer keeps: the signed claims and the JWS (to check the OPD's receipt). */
export interface PreparedOrderInPage {
  readonly claims: OrderClaims;
  readonly jws: string;
  readonly envelope: string;
}

/**
 * Signs an order with the customer's key, then encrypts it to the server key: shared/envelope/index.ts
 * `prepareOrder`, in the page. The claims are validated before anything is signed.
 * @throws EnvelopeError `claims_invalid`, `items_invalid`, `too_many_items`, or `envelope_too_large` if the result
 * exceeds the bound; KeyError `key_wrong_kind` (a key that does not sign with its alg), `key_unsupported_in_browser`
 */
export async function sealOrderInPage(
  input: SealOrderInPageInput,
  fixed?: PageDeterministicInputs,
): Promise<PreparedOrderInPage> {
  const claims = orderClaims({ ...input, serverKid: input.server.kid });
  const jws = await signJwsInPage(orderPayload(claims), input.signer, ORDER_JWS_TYP);
  const envelope = await encryptJweInPage(new TextEncoder().encode(jws), input.server, fixed);
  if (envelope.length > ORDER_LIMITS.maxEnvelopeChars)
    throw new EnvelopeError('envelope_too_large', `the envelope exceeds ${ORDER_LIMITS.maxEnvelopeChars} characters`);
  return { claims, jws, envelope };
}

/**
 * Signs a proof that the holder of `signer` (the NEW key, under the ID it is to be registered with: `signer.kid`) adds
 * it to `customerId`'s account at `opdId` (`POST /account/keys`): shared/key-proofs.ts `signKeyProof`, in the page.
 * @throws ZodError for a customer, OPD or key ID that is not one; KeyError `key_wrong_kind`
 */
export async function signKeyProofInPage(input: {
  readonly customerId: string;
  readonly opdId: string;
  readonly signer: BrowserSigningKey;
  readonly now?: number;
}): Promise<string> {
  const claims = keyProofClaims({ ...input, kid: input.signer.kid });
  return signJwsInPage(jsonPayload(claims), input.signer, KEY_PROOF_TYP);
}

/**
 * Signs a request to cancel `orderId` (`POST /orders/{id}/cancel`): shared/cancellations.ts `signCancellation`, in the
 * page.
 * @throws ZodError for a customer, OPD or order ID that is not one; KeyError `key_wrong_kind`
 */
export async function signCancellationInPage(
  input: CancellationInput & { readonly signer: BrowserSigningKey },
): Promise<string> {
  return signJwsInPage(jsonPayload(cancellationClaims(input)), input.signer, CANCEL_TYP);
}
