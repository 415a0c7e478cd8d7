/**
 * Receipts: the OPD's signed acknowledgement of an accepted order — non-repudiation of receipt, as AS2's signed MDN
 * (RFC 4130) gives. A receipt is a compact JWS, `alg` EdDSA (Ed25519), `typ` `po-receipt+jwt`, whose payload carries
 * the SHA-256 digest of exactly the order JWS the OPD received, and the lines, prices, currency and total it accepted.
 * Anyone holding the order JWS, the receipt and the OPD's published receipt key can check both offline
 * (docs/evidence.md).
 *
 * A receipt key's ID is always its SPKI fingerprint, so a verifier can tell from the key alone that an ID names it.
 */
import { createHash, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type * as z from 'zod/mini';
import { encode as b64u } from './base64url.js';
import { signJws, verifyJwsSignature } from './envelope/jws.js';
import { EvidenceError } from './errors.js';
import {
  RECEIPT_ALG,
  RECEIPT_TYP,
  cancellationReceiptClaimsSchema,
  parseReceiptJws,
  receiptClaimsSchema,
  receiptKeyJwkParts,
  receiptPayload,
} from './evidence-format.js';
import type { CancellationReceiptClaims, ReceiptClaims, ReceiptKeyJwk } from './evidence-format.js';
import { spkiFingerprint } from './keys.js';

export {
  RECEIPT_ALG,
  RECEIPT_TYP,
  cancellationReceiptClaimsSchema,
  ledgerEntrySchema,
  receiptClaimsSchema,
  receiptKeyJwkSchema,
  receiptKeyId,
} from './evidence-format.js';
export type { CancellationReceiptClaims, ReceiptClaims, ReceiptKeyJwk } from './evidence-format.js';

/** The OPD's receipt signing key, in memory only (it is stored KMS-wrapped). */
export interface ReceiptSigner {
  readonly kid: string;
  readonly privateKey: KeyObject;
}

/** A receipt public key, checked: its ID is its SPKI fingerprint. */
export interface ReceiptKey {
  readonly kid: string;
  readonly publicKey: KeyObject;
}

/**
 * base64url(SHA-256(ASCII(jws))): the digest of a compact JWS — the one a receipt carries of the order it
 * acknowledges (`orderDigest`), and the one the confirmation email gives of the receipt.
 */
export function jwsDigest(orderJws: string): string {
  return createHash('sha256').update(orderJws, 'latin1').digest('base64url');
}

/** What the OPD acknowledges for an accepted order. */
export interface AcceptedOrder {
  readonly issuer: string;
  readonly customerId: string;
  readonly orderId: string;
  /** Milliseconds since the epoch; the receipt's `iat` is its whole seconds. */
  readonly acceptedAt: number;
  readonly orderJws: string;
  readonly customerKeyFingerprint: string;
  readonly lines: ReadonlyArray<{ readonly sku: string; readonly qty: number; readonly unitPriceCents: number }>;
  readonly currency: string;
  readonly totalCents: number;
  readonly ledgerEntry: number;
}

/** The receipt claims for an accepted order. */
export function receiptClaims(order: AcceptedOrder): ReceiptClaims {
  return {
    iss: order.issuer,
    sub: order.customerId,
    orderId: order.orderId,
    iat: Math.floor(order.acceptedAt / 1000),
    orderDigest: jwsDigest(order.orderJws),
    customerKeyFingerprint: order.customerKeyFingerprint,
    lines: order.lines.map((line) => ({ sku: line.sku, qty: line.qty, unitPriceCents: line.unitPriceCents })),
    currency: order.currency,
    totalCents: order.totalCents,
    ledgerEntry: order.ledgerEntry,
    status: 'accepted',
  };
}

/** What the OPD states when it cancels an order. */
export interface CancelledOrder {
  readonly issuer: string;
  readonly customerId: string;
  readonly orderId: string;
  /** Milliseconds since the epoch. */
  readonly cancelledAt: number;
  readonly orderJws: string;
  /** The customer's signed cancellation and the key it was verified with; absent when the OPD cancels. */
  readonly request?: { readonly jws: string; readonly customerKeyFingerprint: string };
  /** The OPD's reason; required when there is no request. */
  readonly reason?: string;
  readonly refundCents: number;
  readonly currency: string;
  readonly ledgerEntry: number;
}

/** The receipt claims for a cancellation. */
export function cancellationReceiptClaims(order: CancelledOrder): CancellationReceiptClaims {
  return {
    iss: order.issuer,
    sub: order.customerId,
    orderId: order.orderId,
    iat: Math.floor(order.cancelledAt / 1000),
    orderDigest: jwsDigest(order.orderJws),
    ...(order.request
      ? {
          cancelledBy: 'customer' as const,
          cancellationDigest: jwsDigest(order.request.jws),
          customerKeyFingerprint: order.request.customerKeyFingerprint,
        }
      : { cancelledBy: 'opd' as const, reason: order.reason ?? '' }),
    refundCents: order.refundCents,
    currency: order.currency,
    ledgerEntry: order.ledgerEntry,
    status: 'cancelled',
  };
}

/** Signs a receipt (of an acceptance or a cancellation) with the OPD's Ed25519 receipt key; returns the compact JWS. */
export function signReceipt(claims: ReceiptClaims | CancellationReceiptClaims, signer: ReceiptSigner): string {
  return signJws(
    Buffer.from(JSON.stringify(claims)),
    { alg: RECEIPT_ALG, kid: signer.kid, privateKey: signer.privateKey },
    RECEIPT_TYP,
  );
}

/** The public JWK of a receipt key, as `GET /receipt-keys` publishes it. */
export function receiptKeyJwk(publicKey: KeyObject): ReceiptKeyJwk {
  const { x } = publicKey.export({ format: 'jwk' });
  return { kty: 'OKP', crv: 'Ed25519', x: String(x), kid: spkiFingerprint(publicKey), alg: RECEIPT_ALG, use: 'sig' };
}

/**
 * Reads a published receipt key and checks that its ID is its fingerprint.
 * @throws EvidenceError `evidence_key_invalid` (not an Ed25519 public JWK of the documented shape), `key_id_mismatch`
 */
export function receiptKeyFromJwk(jwk: unknown): ReceiptKey {
  const { kid, x } = receiptKeyJwkParts(jwk);
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64u(x) }, format: 'jwk' });
  } catch {
    throw new EvidenceError('evidence_key_invalid', 'the receipt key is not a valid Ed25519 public key');
  }
  if (spkiFingerprint(publicKey) !== kid)
    throw new EvidenceError('key_id_mismatch', `the receipt key ID ${kid} is not the fingerprint of its key`);
  return { kid, publicKey };
}

/**
 * Verifies an acceptance receipt's signature with a receipt key and returns its claims. Checks, in order: JWS shape and
 * `typ`; `alg` EdDSA; header `kid` names `key`; signature; payload exactly as {@link receiptClaimsSchema}.
 * @throws EvidenceError `receipt_malformed`, `key_id_mismatch` or `receipt_signature_invalid`
 */
export function verifyReceipt(receiptJws: string, key: ReceiptKey): ReceiptClaims {
  return verifySigned(receiptJws, key, receiptClaimsSchema());
}

/** As {@link verifyReceipt}, for a cancellation receipt ({@link cancellationReceiptClaimsSchema}). */
export function verifyCancellationReceipt(receiptJws: string, key: ReceiptKey): CancellationReceiptClaims {
  return verifySigned(receiptJws, key, cancellationReceiptClaimsSchema());
}

function verifySigned<T>(receiptJws: string, key: ReceiptKey, schema: z.ZodMiniType<T>): T {
  const parsed = parseReceiptJws(receiptJws, key.kid);
  if (!verifyJwsSignature(parsed, RECEIPT_ALG, key.publicKey))
    throw new EvidenceError(
      'receipt_signature_invalid',
      "the receipt's signature does not verify with the receipt key",
    );
  return receiptPayload(parsed, schema);
}
