/**
 * What a customer's client signs, built by one piece of code wherever it runs: `po` (node:crypto) and the customer
 * portal (WebCrypto, web/crypto/) make the same claims, their members in the same order, so that the same inputs give
 * the same JWS bytes (docs/envelope.md §3, §10, §11). Pure: no Node module; randomness from `crypto.getRandomValues`,
 * which Node (20 and later) and every browser have.
 */
import * as z from 'zod/mini';
import { onFirstUse } from './lazy.js';
import { encode as b64u } from './base64url.js';
import { iatSchema, parseClaims } from './envelope/claims.js';
import type { OrderClaims, OrderItem } from './envelope/claims.js';
import { cancellationClaimsSchema } from './evidence-format.js';
import type { CancellationClaims } from './evidence-format.js';
import { linesTotalCents } from './money.js';
import { CUSTOMER_ID_PATTERN, KEY_ID_PATTERN, KEY_ID_RULE, OPD_ID_PATTERN } from './rules.js';

/**
 * A fresh order ID: 17 random bytes, base64url (23 characters), re-drawn when it would start with "-" so that no ID is
 * ever taken for a command-line option (`po orders show <id>`). That leaves ≥ 135.9 bits of entropy (the spec asks ≥ 128).
 */
export function newOrderId(): string {
  for (;;) {
    const id = b64u(globalThis.crypto.getRandomValues(new Uint8Array(17)));
    if (!id.startsWith('-')) return id;
  }
}

/** Whole seconds since the epoch of `now` (milliseconds; default the clock): every signed object's `iat`. */
const iatOf = (now: number | undefined) => Math.floor((now ?? Date.now()) / 1000);

/** The UTF-8 bytes of a JSON value: the payload a JWS signs. */
export const jsonPayload = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

/**
 * What an order's claims are made of: the lines with the unit prices agreed to (from the OPD's quote) and their
 * currency; the total is computed. `now` and `jti` default to the clock and a fresh order ID.
 */
export interface OrderClaimsInput {
  readonly customerId: string;
  /** The server key the order is encrypted to: the claims' `aud`. */
  readonly serverKid: string;
  readonly items: readonly OrderItem[];
  readonly currency: string;
  readonly note?: string;
  /** Milliseconds since the epoch; `iat` is its whole seconds. */
  readonly now?: number;
  readonly jti?: string;
}

/** An order's claims, not yet validated (see {@link orderPayload}); each line keeps exactly its three members. */
export function orderClaims(input: OrderClaimsInput): OrderClaims {
  const items = input.items.map((item) => ({ sku: item.sku, qty: item.qty, unitPriceCents: item.unitPriceCents }));
  return {
    iss: input.customerId,
    aud: input.serverKid,
    iat: iatOf(input.now),
    jti: input.jti ?? newOrderId(),
    items,
    currency: input.currency,
    totalCents: linesTotalCents(items),
    ...(input.note === undefined ? {} : { note: input.note }),
  };
}

/**
 * The bytes an order's JWS signs: the claims validated first (a client learns about a bad line before sending), then
 * as JSON.
 * @throws EnvelopeError `claims_invalid`, `items_invalid` or `too_many_items`
 */
export function orderPayload(claims: OrderClaims): Uint8Array {
  return jsonPayload(parseClaims(claims));
}

/** What a signed cancellation states (docs/envelope.md §10). */
export interface CancellationInput {
  readonly customerId: string;
  readonly opdId: string;
  readonly orderId: string;
  readonly now?: number;
  readonly jti?: string;
}

/** A cancellation's claims, checked. @throws ZodError for an ID that is not one */
export function cancellationClaims(input: CancellationInput): CancellationClaims {
  return cancellationClaimsSchema().parse({
    iss: input.customerId,
    aud: input.opdId,
    iat: iatOf(input.now),
    jti: input.jti ?? newOrderId(),
    orderId: input.orderId,
  });
}

/** The JWS `typ` of a proof of possession: no order, cancellation, receipt or session token passes for one. */
export const KEY_PROOF_TYP = 'po-key-proof+jws';

// Schemas here are built on first use (shared/lazy.ts), as the request bodies are (shared/requests.ts): a function that
// imports this module for other reasons does not pay for building them at every cold start.
/** The claims of a proof of possession, exactly these members (docs/envelope.md §11). */
export const keyProofClaimsSchema = onFirstUse(() =>
  z.strictObject({
    sub: z.string('sub must be a customer ID').check(z.regex(CUSTOMER_ID_PATTERN, 'sub must be a customer ID')),
    aud: z.string('aud must name the OPD').check(z.regex(OPD_ID_PATTERN, 'aud must name the OPD')),
    iat: iatSchema(),
    kid: z.string('kid must be a key ID').check(z.regex(KEY_ID_PATTERN, `kid must be ${KEY_ID_RULE}`)),
  }),
);

/** A proof's claims, as checked. */
export type KeyProofClaims = z.infer<ReturnType<typeof keyProofClaimsSchema>>;

/** What a proof states: this customer adds the key `kid` at this OPD, now (milliseconds; default the clock). */
export interface KeyProofStatement {
  readonly customerId: string;
  readonly opdId: string;
  readonly kid: string;
  readonly now?: number;
}

/** The claims of a proof of `statement`. @throws ZodError for a customer, OPD or key ID that is not one */
export function keyProofClaims(statement: KeyProofStatement): KeyProofClaims {
  return keyProofClaimsSchema().parse({
    sub: statement.customerId,
    aud: statement.opdId,
    iat: iatOf(statement.now),
    kid: statement.kid,
  });
}
