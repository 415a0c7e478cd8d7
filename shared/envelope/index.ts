/**
 * The order envelope (docs/envelope.md): sign, then encrypt.
 *
 * - {@link sealOrder}: what the customer's client does: claims → JWS (customer key) → JWE (server key).
 * - {@link openOrder}: what the OPD does: every check of docs/envelope.md §4, in a fixed order, each failure a typed
 *   {@link EnvelopeError}. The replay check needs storage, so it is the caller's: `claims.jti` is returned for a
 *   conditional write.
 */
import type { KeyObject } from 'node:crypto';
import { EnvelopeError } from '../errors.js';
import type { SignatureAlg, SigningKey, VerificationKey } from '../keys.js';
import { ORDER_LIMITS } from '../rules.js';
import { orderClaims, orderPayload } from '../signed-claims.js';
import { parseClaims } from './claims.js';
import type { OrderClaims, OrderItem } from './claims.js';
import { decryptJwe, encryptJwe, parseJwe } from './jwe.js';
import type { DeterministicInputs, ServerPublicKey } from './jwe.js';
import { jsonObjectOf, parseJws, signJws, verifyJwsSignature } from './jws.js';

export { checkItems, parseClaims } from './claims.js';
export type { OrderClaims, OrderItem } from './claims.js';
export type { ServerPublicKey } from './jwe.js';
export { ORDER_JWS_TYP } from './jws.js';
export { ORDER_JWE_CTY } from './jwe.js';
export { newOrderId, orderClaims } from '../signed-claims.js';
export type { OrderClaimsInput } from '../signed-claims.js';

/**
 * What a customer seals: the lines with the unit prices agreed to (from the OPD's quote) and their currency; the total
 * is computed. `now` and `jti` default to the clock and a fresh order ID.
 */
export interface SealOrderInput {
  readonly customerId: string;
  readonly items: readonly OrderItem[];
  readonly currency: string;
  readonly note?: string;
  readonly signer: SigningKey;
  readonly server: ServerPublicKey;
  /** Milliseconds since the epoch; `iat` is its whole seconds. */
  readonly now?: number;
  readonly jti?: string;
}

/**
 * Signs the claims into a compact JWS. Claims are validated first, so a client learns about a bad line before sending.
 * @throws EnvelopeError `claims_invalid`, `items_invalid` or `too_many_items`
 */
export function signOrder(claims: OrderClaims, signer: SigningKey): string {
  return signJws(orderPayload(claims), signer);
}

/** A sealed order with what the customer keeps: the signed claims and the JWS (to check the OPD's receipt). */
export interface PreparedOrder {
  readonly claims: OrderClaims;
  readonly jws: string;
  readonly envelope: string;
}

/**
 * Signs an order with the customer's key, then encrypts it to the server key.
 * @throws EnvelopeError for claims that break the contract, `envelope_too_large` if the result exceeds the bound
 */
export function prepareOrder(input: SealOrderInput, fixed?: DeterministicInputs): PreparedOrder {
  // The claims are built by the code the portal builds them with (shared/signed-claims.ts): same inputs, same bytes.
  const claims = orderClaims({ ...input, serverKid: input.server.kid });
  const jws = signOrder(claims, input.signer);
  const envelope = encryptJwe(Buffer.from(jws), input.server, fixed);
  if (envelope.length > ORDER_LIMITS.maxEnvelopeChars)
    throw new EnvelopeError('envelope_too_large', `the envelope exceeds ${ORDER_LIMITS.maxEnvelopeChars} characters`);
  return { claims, jws, envelope };
}

/** Seals an order (see {@link prepareOrder}) and returns the compact JWE only. */
export function sealOrder(input: SealOrderInput, fixed?: DeterministicInputs): string {
  return prepareOrder(input, fixed).envelope;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Looks a key up by ID; may be asynchronous (a database read) and returns `undefined` for an unknown ID. */
export type KeyLookup<T> = (kid: string) => T | undefined | Promise<T | undefined>;

/** What the OPD knows when it opens an envelope. */
export interface OpenOrderOptions {
  /** The authenticated customer: the claims' `iss` must name them and the key must be theirs. */
  readonly customerId: string;
  /** The server's X25519 private keys by key ID (current and still-accepted ones). */
  readonly serverKey: KeyLookup<KeyObject>;
  /** The customer's registered public keys by key ID. Only keys of `customerId` must be returned. */
  readonly customerKey: KeyLookup<VerificationKey>;
  /** Milliseconds since the epoch (default: the clock). */
  readonly now?: number;
}

/** A verified order. `jws` is the signed evidence, byte for byte as the customer signed it. */
export interface OpenedOrder {
  readonly claims: OrderClaims;
  readonly jws: string;
  readonly alg: SignatureAlg;
  readonly customerKeyId: string;
  /** The registered key the signature was verified with. */
  readonly customerKey: VerificationKey;
  readonly serverKeyId: string;
}

/**
 * Opens and verifies an envelope. Checks, in order: size; JWE shape; server `kid` known; decryption; JWS shape;
 * customer `kid` registered; `alg` equals the registered algorithm; signature; claims shape; `iss`; `aud`; `iat` window.
 * @throws EnvelopeError with the `code` of the first check that fails (docs/envelope.md §6)
 */
export async function openOrder(envelope: string, options: OpenOrderOptions): Promise<OpenedOrder> {
  if (typeof envelope !== 'string' || envelope.length > ORDER_LIMITS.maxEnvelopeChars)
    throw new EnvelopeError('envelope_too_large', `an envelope is at most ${ORDER_LIMITS.maxEnvelopeChars} characters`);
  const jwe = parseJwe(envelope);
  const serverPrivateKey = await options.serverKey(jwe.kid);
  if (!serverPrivateKey)
    throw new EnvelopeError('server_key_unknown', 'the envelope is encrypted to an unknown server key');

  let jws: string;
  try {
    jws = utf8.decode(decryptJwe(jwe, serverPrivateKey));
  } catch (error) {
    if (error instanceof EnvelopeError) throw error;
    throw new EnvelopeError('signature_malformed', 'the decrypted content is not UTF-8 text');
  }
  const parsed = parseJws(jws);
  const key = await verifyCustomerSignature(parsed, options.customerKey, 'order');

  const payload = jsonObjectOf(parsed.payload);
  if (!payload)
    throw new EnvelopeError('claims_invalid', 'the signed payload is not a JSON object with unique members');
  const claims = parseClaims(payload);
  if (claims.iss !== options.customerId)
    throw new EnvelopeError('issuer_mismatch', 'the order is issued by another customer than the one logged in');
  if (claims.aud !== jwe.kid)
    throw new EnvelopeError('audience_mismatch', 'the order was signed for another server key than it is encrypted to');
  checkIatWindow(claims.iat, options.now, 'order');
  return { claims, jws, alg: key.alg, customerKeyId: key.kid, customerKey: key, serverKeyId: jwe.kid };
}

/**
 * Finds the customer's registered key a JWS names and checks the JWS with it: the key is registered, the JWS `alg` is
 * the one it is registered for, and the signature verifies. Shared by orders and cancellations.
 * @throws EnvelopeError `customer_key_unknown`, `algorithm_mismatch`, `signature_invalid`
 */
export async function verifyCustomerSignature(
  parsed: ReturnType<typeof parseJws>,
  customerKey: KeyLookup<VerificationKey>,
  what: 'order' | 'cancellation',
): Promise<VerificationKey> {
  const key = await customerKey(parsed.kid);
  if (!key)
    throw new EnvelopeError('customer_key_unknown', `the ${what} is signed with a key not registered to this customer`);
  if (parsed.alg !== key.alg)
    throw new EnvelopeError(
      'algorithm_mismatch',
      `the key ${key.kid} is registered for ${key.alg}, not for the JWS alg`,
    );
  if (!verifyJwsSignature(parsed, key.alg, key.publicKey))
    throw new EnvelopeError('signature_invalid', `the ${what} signature does not verify`);
  return key;
}

/**
 * A signing time within the clock-skew window of `now` (milliseconds; default the clock).
 * @throws EnvelopeError `iat_too_old`, `iat_in_future`
 */
export function checkIatWindow(
  iat: number,
  now: number | undefined,
  what: 'order' | 'cancellation' | 'key proof',
): void {
  const nowSeconds = Math.floor((now ?? Date.now()) / 1000);
  if (nowSeconds - iat > ORDER_LIMITS.maxClockSkewSeconds)
    throw new EnvelopeError(
      'iat_too_old',
      `the ${what} was signed more than ${ORDER_LIMITS.maxClockSkewSeconds} s ago`,
    );
  if (iat - nowSeconds > ORDER_LIMITS.maxClockSkewSeconds)
    throw new EnvelopeError(
      'iat_in_future',
      `the ${what} is dated more than ${ORDER_LIMITS.maxClockSkewSeconds} s in the future`,
    );
}
