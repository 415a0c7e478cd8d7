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
import * as z from 'zod/mini';
import { decode as b64uDecode, encode as b64u } from './base64url.js';
import { currencySchema, iatSchema, itemsSchema, totalCentsSchema } from './envelope/claims.js';
import { decodeJsonObject, parseJws, signJws, verifyJwsSignature } from './envelope/jws.js';
import { EvidenceError } from './errors.js';
import { spkiFingerprint } from './keys.js';
import { CUSTOMER_ID_PATTERN, KEY_ID_PATTERN, KEY_ID_RULE, OPD_ID_PATTERN, ORDER_ID_PATTERN } from './rules.js';
import { reasonSchema } from './text.js';

/** The JWS `typ` of a receipt (explicit typing: no order, session token or other JWS can pass for one). */
export const RECEIPT_TYP = 'po-receipt+jwt';
/** Receipts are signed with Ed25519 only. */
export const RECEIPT_ALG = 'EdDSA';
/** Who may sign receipts: the OPD's name (configuration `OPD_ID`). */
/** A SHA-256 digest or SPKI fingerprint: 32 bytes as unpadded base64url. */
const DIGEST_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A ledger entry number (1, 2, 3… per customer). */
export const ledgerEntrySchema = z
  .int('ledgerEntry must be a whole number')
  .check(z.minimum(1, 'ledgerEntry must be at least 1'), z.maximum(Number.MAX_SAFE_INTEGER));

const digest = (what: string) => z.string().check(z.regex(DIGEST_PATTERN, `${what} must be a base64url SHA-256`));

/** The receipt payload, exactly these members. */
export const receiptClaimsSchema = z.strictObject({
  /** The OPD. */
  iss: z.string().check(z.regex(OPD_ID_PATTERN, 'iss must name the OPD')),
  /** The customer whose order it is (the order's `iss`). */
  sub: z.string().check(z.regex(CUSTOMER_ID_PATTERN, 'sub must be a customer ID')),
  /** The order ID (the order's `jti`). */
  orderId: z.string().check(z.regex(ORDER_ID_PATTERN, 'orderId must be an order ID')),
  /** When the OPD accepted the order, in seconds. */
  iat: iatSchema,
  /** base64url(SHA-256(ASCII(the customer's compact JWS))): exactly what was received. */
  orderDigest: digest('orderDigest'),
  /** SPKI fingerprint of the registered key the OPD verified the order's signature with. */
  customerKeyFingerprint: digest('customerKeyFingerprint'),
  lines: itemsSchema,
  currency: currencySchema,
  totalCents: totalCentsSchema,
  /** The ledger entry that debited the total (receipts issued before accounts existed have none). */
  ledgerEntry: z.optional(ledgerEntrySchema),
  status: z.literal('accepted'),
});

export type ReceiptClaims = z.infer<typeof receiptClaimsSchema>;

/**
 * A cancellation receipt's payload: the OPD's signed statement that an order it accepted is cancelled and its total
 * refunded. Cancelled by the customer, it carries the digest of their signed cancellation; by the OPD, the reason.
 */
export const cancellationReceiptClaimsSchema = z
  .strictObject({
    iss: z.string().check(z.regex(OPD_ID_PATTERN, 'iss must name the OPD')),
    sub: z.string().check(z.regex(CUSTOMER_ID_PATTERN, 'sub must be a customer ID')),
    orderId: z.string().check(z.regex(ORDER_ID_PATTERN, 'orderId must be an order ID')),
    /** When the OPD cancelled the order, in seconds. */
    iat: iatSchema,
    /** The digest of the order JWS the cancellation undoes (as in its acceptance receipt). */
    orderDigest: digest('orderDigest'),
    cancelledBy: z.enum(['customer', 'opd'], 'cancelledBy must be "customer" or "opd"'),
    /** base64url(SHA-256(ASCII(the customer's signed cancellation))): present exactly when the customer cancelled. */
    cancellationDigest: z.optional(digest('cancellationDigest')),
    /** SPKI fingerprint of the key the cancellation was verified with: present exactly when the customer cancelled. */
    customerKeyFingerprint: z.optional(digest('customerKeyFingerprint')),
    /** Present exactly when the OPD cancelled. */
    reason: z.optional(reasonSchema),
    refundCents: totalCentsSchema,
    currency: currencySchema,
    /** The ledger entry that refunded the total. */
    ledgerEntry: ledgerEntrySchema,
    status: z.literal('cancelled'),
  })
  .check(
    z.refine(
      (claims) =>
        claims.cancelledBy === 'customer'
          ? claims.cancellationDigest !== undefined &&
            claims.customerKeyFingerprint !== undefined &&
            claims.reason === undefined
          : claims.cancellationDigest === undefined &&
            claims.customerKeyFingerprint === undefined &&
            claims.reason !== undefined,
      'a customer cancellation carries cancellationDigest and customerKeyFingerprint; an OPD one carries reason',
    ),
  );

export type CancellationReceiptClaims = z.infer<typeof cancellationReceiptClaimsSchema>;

/** A receipt public key as published at `GET /receipt-keys` (RFC 8037 OKP JWK), exactly these members. */
export const receiptKeyJwkSchema = z.strictObject({
  kty: z.literal('OKP', 'must be "OKP"'),
  crv: z.literal('Ed25519', 'must be "Ed25519"'),
  x: z.string('must be 32 bytes of base64url').check(z.regex(DIGEST_PATTERN, 'must be 32 bytes of base64url')),
  kid: z.string('must be a key ID').check(z.regex(KEY_ID_PATTERN, `must be ${KEY_ID_RULE}`)),
  alg: z.literal(RECEIPT_ALG, `must be "${RECEIPT_ALG}"`),
  use: z.literal('sig', 'must be "sig"'),
});

export type ReceiptKeyJwk = z.infer<typeof receiptKeyJwkSchema>;

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
  return b64u(createHash('sha256').update(orderJws, 'latin1').digest());
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
  const parsed = receiptKeyJwkSchema.safeParse(jwk);
  const x = parsed.success ? b64uDecode(parsed.data.x) : undefined;
  if (!parsed.success || x?.length !== 32)
    throw new EvidenceError(
      'evidence_key_invalid',
      'the receipt key is not an Ed25519 public JWK {kty, crv, x, kid, alg, use}',
    );
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: parsed.data.x }, format: 'jwk' });
  } catch {
    throw new EvidenceError('evidence_key_invalid', 'the receipt key is not a valid Ed25519 public key');
  }
  if (spkiFingerprint(publicKey) !== parsed.data.kid)
    throw new EvidenceError(
      'key_id_mismatch',
      `the receipt key ID ${parsed.data.kid} is not the fingerprint of its key`,
    );
  return { kid: parsed.data.kid, publicKey };
}

/** The key ID a receipt names in its header, read without verifying anything (to pick the key to verify it with). */
export function receiptKeyId(receiptJws: string): string {
  try {
    return parseJws(receiptJws, RECEIPT_TYP).kid;
  } catch {
    throw new EvidenceError('receipt_malformed', `the receipt is not a compact JWS of type ${RECEIPT_TYP}`);
  }
}

/**
 * Verifies an acceptance receipt's signature with a receipt key and returns its claims. Checks, in order: JWS shape and
 * `typ`; `alg` EdDSA; header `kid` names `key`; signature; payload exactly as {@link receiptClaimsSchema}.
 * @throws EvidenceError `receipt_malformed`, `key_id_mismatch` or `receipt_signature_invalid`
 */
export function verifyReceipt(receiptJws: string, key: ReceiptKey): ReceiptClaims {
  return verifySigned(receiptJws, key, receiptClaimsSchema);
}

/** As {@link verifyReceipt}, for a cancellation receipt ({@link cancellationReceiptClaimsSchema}). */
export function verifyCancellationReceipt(receiptJws: string, key: ReceiptKey): CancellationReceiptClaims {
  return verifySigned(receiptJws, key, cancellationReceiptClaimsSchema);
}

function verifySigned<T>(receiptJws: string, key: ReceiptKey, schema: z.ZodMiniType<T>): T {
  let parsed: ReturnType<typeof parseJws>;
  try {
    parsed = parseJws(receiptJws, RECEIPT_TYP);
  } catch (error) {
    throw new EvidenceError('receipt_malformed', `the receipt is malformed: ${(error as Error).message}`);
  }
  if (parsed.alg !== RECEIPT_ALG)
    throw new EvidenceError('receipt_malformed', `a receipt's alg must be ${RECEIPT_ALG}`);
  if (parsed.kid !== key.kid)
    throw new EvidenceError('key_id_mismatch', `the receipt names key ${parsed.kid}, not the receipt key ${key.kid}`);
  if (!verifyJwsSignature(parsed, RECEIPT_ALG, key.publicKey))
    throw new EvidenceError(
      'receipt_signature_invalid',
      "the receipt's signature does not verify with the receipt key",
    );
  const payload = decodeJsonObject(parsed.payloadB64);
  const claims = schema.safeParse(payload);
  if (!payload || !claims.success) {
    const issue = claims.success ? undefined : claims.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new EvidenceError(
      'receipt_malformed',
      `the receipt's payload is invalid: ${where}${issue?.message ?? 'not a JSON object'}`,
    );
  }
  return claims.data;
}
