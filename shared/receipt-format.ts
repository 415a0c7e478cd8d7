/**
 * The OPD's receipts as data (docs/evidence.md §1): their JWS type and algorithm, their claims, the published receipt
 * key's JWK, and the checks of a receipt that need no cryptography. Pure: po, the functions and the console in a
 * browser read receipts alike (shared/receipts.ts signs and verifies them with node:crypto).
 */
import * as z from 'zod/mini';
import { onFirstUse } from './lazy.js';
import { decode as b64uDecode } from './base64url.js';
import { currencySchema, iatSchema, itemsSchema, totalCentsSchema } from './envelope/claims.js';
import type { OrderClaims } from './envelope/claims.js';
import { decodeJsonObject, parseJws } from './envelope/jws-format.js';
import type { ParsedJws } from './envelope/jws-format.js';
import { EvidenceError } from './errors.js';
import { CUSTOMER_ID_PATTERN, KEY_ID_PATTERN, KEY_ID_RULE, OPD_ID_PATTERN, ORDER_ID_PATTERN } from './rules.js';
import { reasonSchema } from './text.js';

/** The JWS `typ` of a receipt (explicit typing: no order, session token or other JWS can pass for one). */
export const RECEIPT_TYP = 'po-receipt+jwt';
/** Receipts are signed with Ed25519 only. */
export const RECEIPT_ALG = 'EdDSA';
/** A SHA-256 digest or SPKI fingerprint: 32 bytes as unpadded base64url. */
const DIGEST_PATTERN = /^[A-Za-z0-9_-]{43}$/;

// Schemas here are built on first use (shared/lazy.ts), as the request bodies are (shared/requests.ts): a function that
// imports this module for other reasons does not pay for building them at every cold start.
/** A ledger entry number (1, 2, 3… per customer). */
export const ledgerEntrySchema = onFirstUse(() =>
  z
    .int('ledgerEntry must be a whole number')
    .check(z.minimum(1, 'ledgerEntry must be at least 1'), z.maximum(Number.MAX_SAFE_INTEGER)),
);

const digest = (what: string) => z.string().check(z.regex(DIGEST_PATTERN, `${what} must be a base64url SHA-256`));

/** The receipt payload, exactly these members. */
export const receiptClaimsSchema = onFirstUse(() =>
  z.strictObject({
    /** The OPD. */
    iss: z.string().check(z.regex(OPD_ID_PATTERN, 'iss must name the OPD')),
    /** The customer whose order it is (the order's `iss`). */
    sub: z.string().check(z.regex(CUSTOMER_ID_PATTERN, 'sub must be a customer ID')),
    /** The order ID (the order's `jti`). */
    orderId: z.string().check(z.regex(ORDER_ID_PATTERN, 'orderId must be an order ID')),
    /** When the OPD accepted the order, in seconds. */
    iat: iatSchema(),
    /** base64url(SHA-256(ASCII(the customer's compact JWS))): exactly what was received. */
    orderDigest: digest('orderDigest'),
    /** SPKI fingerprint of the registered key the OPD verified the order's signature with. */
    customerKeyFingerprint: digest('customerKeyFingerprint'),
    lines: itemsSchema(),
    currency: currencySchema(),
    totalCents: totalCentsSchema(),
    /** The ledger entry that debited the total (receipts issued before accounts existed have none). */
    ledgerEntry: z.optional(ledgerEntrySchema()),
    status: z.literal('accepted'),
  }),
);

export type ReceiptClaims = z.infer<ReturnType<typeof receiptClaimsSchema>>;

/**
 * A cancellation receipt's payload: the OPD's signed statement that an order it accepted is cancelled and its total
 * refunded. Cancelled by the customer, it carries the digest of their signed cancellation; by the OPD, the reason.
 */
export const cancellationReceiptClaimsSchema = onFirstUse(() =>
  z
    .strictObject({
      iss: z.string().check(z.regex(OPD_ID_PATTERN, 'iss must name the OPD')),
      sub: z.string().check(z.regex(CUSTOMER_ID_PATTERN, 'sub must be a customer ID')),
      orderId: z.string().check(z.regex(ORDER_ID_PATTERN, 'orderId must be an order ID')),
      /** When the OPD cancelled the order, in seconds. */
      iat: iatSchema(),
      /** The digest of the order JWS the cancellation undoes (as in its acceptance receipt). */
      orderDigest: digest('orderDigest'),
      cancelledBy: z.enum(['customer', 'opd'], 'cancelledBy must be "customer" or "opd"'),
      /** base64url(SHA-256(ASCII(the customer's signed cancellation))): present exactly when the customer cancelled. */
      cancellationDigest: z.optional(digest('cancellationDigest')),
      /** SPKI fingerprint of the key the cancellation was verified with: present exactly when the customer cancelled. */
      customerKeyFingerprint: z.optional(digest('customerKeyFingerprint')),
      /** Present exactly when the OPD cancelled. */
      reason: z.optional(reasonSchema()),
      refundCents: totalCentsSchema(),
      currency: currencySchema(),
      /** The ledger entry that refunded the total. */
      ledgerEntry: ledgerEntrySchema(),
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
    ),
);

export type CancellationReceiptClaims = z.infer<ReturnType<typeof cancellationReceiptClaimsSchema>>;

/** A receipt public key as published at `GET /receipt-keys` (RFC 8037 OKP JWK), exactly these members. */
export const receiptKeyJwkSchema = onFirstUse(() =>
  z.strictObject({
    kty: z.literal('OKP', 'must be "OKP"'),
    crv: z.literal('Ed25519', 'must be "Ed25519"'),
    x: z.string('must be 32 bytes of base64url').check(z.regex(DIGEST_PATTERN, 'must be 32 bytes of base64url')),
    kid: z.string('must be a key ID').check(z.regex(KEY_ID_PATTERN, `must be ${KEY_ID_RULE}`)),
    alg: z.literal(RECEIPT_ALG, `must be "${RECEIPT_ALG}"`),
    use: z.literal('sig', 'must be "sig"'),
  }),
);

export type ReceiptKeyJwk = z.infer<ReturnType<typeof receiptKeyJwkSchema>>;

/**
 * The first checks of a receipt, before its signature: JWS shape and `typ`, `alg` EdDSA, header `kid` = `kid`.
 * @throws EvidenceError `receipt_malformed` or `key_id_mismatch`
 */
export function parseReceiptJws(receiptJws: string, kid: string): ParsedJws {
  let parsed: ParsedJws;
  try {
    parsed = parseJws(receiptJws, RECEIPT_TYP);
  } catch (error) {
    throw new EvidenceError('receipt_malformed', `the receipt is malformed: ${(error as Error).message}`);
  }
  if (parsed.alg !== RECEIPT_ALG)
    throw new EvidenceError('receipt_malformed', `a receipt's alg must be ${RECEIPT_ALG}`);
  if (parsed.kid !== kid)
    throw new EvidenceError('key_id_mismatch', `the receipt names key ${parsed.kid}, not the receipt key ${kid}`);
  return parsed;
}

/**
 * The last check of a receipt, once its signature holds: its payload, exactly as `schema`.
 * @throws EvidenceError `receipt_malformed`
 */
export function receiptPayload<T>(parsed: ParsedJws, schema: z.ZodMiniType<T>): T {
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

function mismatch(what: string): never {
  throw new EvidenceError('receipt_mismatch', `the receipt does not match the signed order: ${what}`);
}

/** The receipt must acknowledge exactly the signed order: same customer, ID, lines, prices, currency and total. */
export function checkReceiptMatchesOrder(receipt: ReceiptClaims, order: OrderClaims, skewSeconds: number): void {
  if (receipt.sub !== order.iss) mismatch(`customer ${receipt.sub} vs ${order.iss}`);
  if (receipt.orderId !== order.jti) mismatch(`order ID ${receipt.orderId} vs ${order.jti}`);
  if (receipt.lines.length !== order.items.length) mismatch(`${receipt.lines.length} lines vs ${order.items.length}`);
  receipt.lines.forEach((line, index) => {
    const item = order.items[index]!;
    if (line.sku !== item.sku || line.qty !== item.qty || line.unitPriceCents !== item.unitPriceCents)
      mismatch(
        `line ${index + 1} is ${line.qty} × ${line.sku} at ${line.unitPriceCents}, signed ${item.qty} × ${item.sku} at ${item.unitPriceCents}`,
      );
  });
  if (receipt.currency !== order.currency) mismatch(`currency ${receipt.currency} vs ${order.currency}`);
  if (receipt.totalCents !== order.totalCents) mismatch(`total ${receipt.totalCents} vs ${order.totalCents}`);
  // The OPD accepts an order only within the clock-skew window of its signing time.
  if (Math.abs(receipt.iat - order.iat) > skewSeconds)
    mismatch(`accepted at ${receipt.iat}, more than ${skewSeconds} s from the signing time ${order.iat}`);
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
 * A published receipt key's JWK, shape-checked: its ID and its 32 raw Ed25519 bytes (nothing about the key verified).
 * @throws EvidenceError `evidence_key_invalid` (not an Ed25519 public JWK of the documented shape)
 */
export function receiptKeyJwkParts(jwk: unknown): { readonly kid: string; readonly x: Uint8Array } {
  const parsed = receiptKeyJwkSchema().safeParse(jwk);
  const x = parsed.success ? b64uDecode(parsed.data.x) : undefined;
  if (!parsed.success || x?.length !== 32)
    throw new EvidenceError(
      'evidence_key_invalid',
      'the receipt key is not an Ed25519 public JWK {kty, crv, x, kid, alg, use}',
    );
  return { kid: parsed.data.kid, x };
}
