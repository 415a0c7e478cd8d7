/**
 * Evidence bundles (docs/evidence.md): one JSON document holding a customer's signed order, the customer's public key,
 * the OPD's receipt and the receipt's public key — everything a third party needs to settle "what was ordered, at
 * what price, and did the OPD accept it?" offline, with no access to the OPD.
 *
 * {@link verifyEvidence} runs every check in a fixed order and stops at the first failure with its own code. The CLI
 * runs the same function on every receipt it receives (`po order`), on every export and in `po verify`.
 */
import * as z from 'zod/mini';
import { parseClaims } from './envelope/claims.js';
import { KEY_ID_PATTERN, KEY_ID_RULE, ORDER_LIMITS } from './rules.js';
import type { OrderClaims } from './envelope/claims.js';
import { decodeJsonObject, parseJws, verifyJwsSignature } from './envelope/jws.js';
import { EvidenceError, PoError } from './errors.js';
import { SIGNATURE_ALGS, exportPublicKeyPem, parsePublicKeyPem, spkiFingerprint, verificationKey } from './keys.js';
import type { SignatureAlg, VerificationKey } from './keys.js';
import { CANCEL_TYP, cancellationClaimsSchema } from './cancellations.js';
import { amountPaid } from './orders.js';
import type { CancellationClaims } from './cancellations.js';
import {
  jwsDigest,
  receiptKeyFromJwk,
  receiptKeyJwkSchema,
  verifyCancellationReceipt,
  verifyReceipt,
} from './receipts.js';
import type { CancellationReceiptClaims, ReceiptClaims, ReceiptKeyJwk } from './receipts.js';

export const EVIDENCE_FORMAT = 'po-evidence';
export const EVIDENCE_VERSION = 1;

/** Longest text member: a PEM key (RSA-8192 is ≈ 1.4 KiB) or a JWS (an order is bounded by the envelope). */
const MAX_MEMBER_CHARS = ORDER_LIMITS.maxEnvelopeChars;
const text = (what: string) =>
  z
    .string(`must be ${what}`)
    .check(z.minLength(1, `must be ${what}`), z.maxLength(MAX_MEMBER_CHARS, `is longer than ${what} can be`));

const customerKeySchema = z.strictObject({
  kid: z.string('must be a key ID').check(z.regex(KEY_ID_PATTERN, `must be ${KEY_ID_RULE}`)),
  alg: z.enum(SIGNATURE_ALGS, `must be one of ${SIGNATURE_ALGS.join(', ')}`),
  /** SPKI PEM, as `openssl pkey -pubout` writes it. */
  publicKeyPem: text('an SPKI PEM public key'),
});

const bundleSchema = z.strictObject(
  {
    format: z.literal(EVIDENCE_FORMAT, `must be "${EVIDENCE_FORMAT}"`),
    version: z.literal(EVIDENCE_VERSION, `must be the number ${EVIDENCE_VERSION}`),
    order: z.strictObject({
      /** The customer's signed order: a compact JWS, verbatim. */
      jws: text('a compact JWS'),
      customerKey: customerKeySchema,
    }),
    receipt: z.strictObject({
      /** The OPD's receipt: a compact JWS, verbatim. */
      jws: text('a compact JWS'),
      key: receiptKeyJwkSchema,
    }),
    /** Present when the order was cancelled: the OPD's cancellation receipt and, if the customer asked, their request. */
    cancellation: z.optional(
      z.strictObject({
        request: z.optional(z.strictObject({ jws: text('a compact JWS'), customerKey: customerKeySchema })),
        receipt: z.strictObject({ jws: text('a compact JWS'), key: receiptKeyJwkSchema }),
      }),
    ),
  },
  'must be a JSON object with the members format, version, order and receipt',
);

/** An evidence bundle, shape-checked (nothing verified yet). */
export type EvidenceBundle = z.infer<typeof bundleSchema>;

/** Puts a bundle together (the CLI does this from what the OPD returned). */
export function evidenceBundle(input: {
  orderJws: string;
  customerKey: { kid: string; alg: SignatureAlg; publicKeyPem: string };
  receiptJws: string;
  receiptKey: ReceiptKeyJwk;
  cancellation?: NonNullable<EvidenceBundle['cancellation']>;
}): EvidenceBundle {
  return {
    format: EVIDENCE_FORMAT,
    version: EVIDENCE_VERSION,
    order: { jws: input.orderJws, customerKey: input.customerKey },
    receipt: { jws: input.receiptJws, key: input.receiptKey },
    ...(input.cancellation ? { cancellation: input.cancellation } : {}),
  };
}

/**
 * Checks that a value (parsed JSON) is a bundle of this format and version, with exactly the documented members.
 * @throws EvidenceError `evidence_malformed`
 */
export function parseEvidence(value: unknown): EvidenceBundle {
  const result = bundleSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'the bundle';
  const what =
    issue?.code === 'unrecognized_keys'
      ? `has a member it may not have: ${JSON.stringify(issue.keys[0]?.slice(0, 40))}`
      : (issue?.message ?? 'is invalid');
  throw new EvidenceError(
    'evidence_malformed',
    `not a ${EVIDENCE_FORMAT} v${EVIDENCE_VERSION} bundle: ${where} ${what}`,
  );
}

/** What a valid bundle proves, for people (`po verify`) and programs (`po verify --json`). */
export interface VerifiedEvidence {
  readonly order: OrderClaims;
  readonly receipt: ReceiptClaims;
  readonly customerKey: { readonly kid: string; readonly alg: SignatureAlg; readonly fingerprint: string };
  readonly receiptKey: { readonly kid: string; readonly fingerprint: string };
  /** Present when the bundle holds a cancellation, verified. */
  readonly cancellation?: {
    readonly receipt: CancellationReceiptClaims;
    readonly request?: CancellationClaims;
    readonly receiptKey: { readonly kid: string; readonly fingerprint: string };
  };
}

/** A customer key from the bundle: supported, big enough, in canonical SPKI PEM, of the algorithm stated. */
function customerKeyOf(stated: EvidenceBundle['order']['customerKey']): VerificationKey {
  let key: VerificationKey;
  try {
    key = verificationKey(parsePublicKeyPem(stated.publicKeyPem), stated.kid);
  } catch (error) {
    const reason = error instanceof PoError ? error.message : 'unreadable';
    throw new EvidenceError('evidence_key_invalid', `the customer key cannot be used: ${reason}`);
  }
  // One key, one text: a reformatted PEM would be a second spelling of the same evidence.
  if (exportPublicKeyPem(key.publicKey) !== stated.publicKeyPem)
    throw new EvidenceError(
      'evidence_key_invalid',
      'the customer key is not in canonical SPKI PEM form (openssl pkey -pubout)',
    );
  if (key.alg !== stated.alg)
    throw new EvidenceError(
      'evidence_key_invalid',
      `the customer key is a ${key.alg} key, not ${stated.alg} as stated`,
    );
  return key;
}

/** Verifies the customer's signed order with the bundle's customer key and returns its claims. */
function verifyOrder(bundle: EvidenceBundle, key: VerificationKey): OrderClaims {
  let parsed: ReturnType<typeof parseJws>;
  try {
    parsed = parseJws(bundle.order.jws);
  } catch (error) {
    throw new EvidenceError('order_signature_invalid', `the signed order is malformed: ${(error as Error).message}`);
  }
  if (parsed.kid !== key.kid)
    throw new EvidenceError(
      'key_id_mismatch',
      `the order is signed by key ${parsed.kid}, not by the bundle's ${key.kid}`,
    );
  if (parsed.alg !== key.alg)
    throw new EvidenceError(
      'order_signature_invalid',
      `the order claims alg ${parsed.alg.slice(0, 16)}; the key is ${key.alg}`,
    );
  if (!verifyJwsSignature(parsed, key.alg, key.publicKey))
    throw new EvidenceError('order_signature_invalid', "the order's signature does not verify with the customer key");
  try {
    const payload = decodeJsonObject(parsed.payloadB64);
    if (!payload) throw new Error('the payload is not a JSON object with unique members');
    return parseClaims(payload);
  } catch (error) {
    throw new EvidenceError(
      'order_claims_invalid',
      `the signed order's claims are invalid: ${(error as Error).message}`,
    );
  }
}

function mismatch(what: string): never {
  throw new EvidenceError('receipt_mismatch', `the receipt does not match the signed order: ${what}`);
}

/** The receipt must acknowledge exactly the signed order: same customer, ID, lines, prices, currency and total. */
function checkReceiptMatchesOrder(receipt: ReceiptClaims, order: OrderClaims, skewSeconds: number): void {
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

/**
 * Verifies a bundle, offline. Checks, in order: its shape ({@link parseEvidence}: whoever assembled it, a file or the
 * OPD's answers, every caller gets the same checks); the customer key (usable, canonical, of the stated algorithm);
 * the order's key ID, algorithm and signature; the order's claims; the receipt key (Ed25519, ID = its fingerprint);
 * the receipt's key ID, signature and claims; the order digest; the customer key's fingerprint the receipt names; and
 * that the receipt's customer, order ID, lines, prices, currency, total and time agree with the signed order.
 * @throws EvidenceError with the code of the first check that fails
 */
export function verifyEvidence(candidate: unknown): VerifiedEvidence {
  const bundle = parseEvidence(candidate);
  const customerKey = customerKeyOf(bundle.order.customerKey);
  const order = verifyOrder(bundle, customerKey);
  const receiptKey = receiptKeyFromJwk(bundle.receipt.key);
  const receipt = verifyReceipt(bundle.receipt.jws, receiptKey);
  if (receipt.orderDigest !== jwsDigest(bundle.order.jws))
    throw new EvidenceError(
      'order_digest_mismatch',
      'the receipt acknowledges a different signed order (its digest differs)',
    );
  const fingerprint = spkiFingerprint(customerKey.publicKey);
  if (receipt.customerKeyFingerprint !== fingerprint)
    throw new EvidenceError(
      'key_id_mismatch',
      `the OPD verified the order with key fingerprint ${receipt.customerKeyFingerprint}, not the bundle's ${fingerprint}`,
    );
  checkReceiptMatchesOrder(receipt, order, ORDER_LIMITS.maxClockSkewSeconds);
  return {
    order,
    receipt,
    customerKey: { kid: customerKey.kid, alg: customerKey.alg, fingerprint },
    receiptKey: { kid: receiptKey.kid, fingerprint: spkiFingerprint(receiptKey.publicKey) },
    ...(bundle.cancellation ? { cancellation: verifyCancellationEvidence(bundle, order, receipt) } : {}),
  };
}

function cancellationInvalid(what: string): never {
  throw new EvidenceError('cancellation_invalid', `the cancellation does not hold: ${what}`);
}

/**
 * The cancellation part of a bundle: the OPD's cancellation receipt (signature; it cancels exactly this order, after
 * its acceptance, refunding what was paid) and, when the customer cancelled, their signed request (signature with
 * the key given; it names this customer, this order and this OPD; the receipt carries its digest and key fingerprint).
 */
function verifyCancellationEvidence(
  bundle: EvidenceBundle,
  order: OrderClaims,
  accepted: ReceiptClaims,
): NonNullable<VerifiedEvidence['cancellation']> {
  const part = bundle.cancellation!;
  const receiptKey = receiptKeyFromJwk(part.receipt.key);
  const receipt = verifyCancellationReceipt(part.receipt.jws, receiptKey);
  if (receipt.orderDigest !== jwsDigest(bundle.order.jws))
    throw new EvidenceError('order_digest_mismatch', 'the cancellation receipt cancels a different signed order');
  if (receipt.sub !== order.iss || receipt.orderId !== order.jti || receipt.iss !== accepted.iss)
    cancellationInvalid('it names another customer, order or OPD');
  if (receipt.currency !== order.currency) cancellationInvalid(`currency ${receipt.currency} vs ${order.currency}`);
  const paid = amountPaid({ ledgerEntry: accepted.ledgerEntry, totalCents: order.totalCents });
  if (receipt.refundCents !== paid) cancellationInvalid(`refund ${receipt.refundCents}, paid ${paid}`);
  if (receipt.iat < accepted.iat) cancellationInvalid('it is dated before the order was accepted');
  const verified = { receiptKey: { kid: receiptKey.kid, fingerprint: spkiFingerprint(receiptKey.publicKey) }, receipt };
  if (receipt.cancelledBy === 'opd') {
    if (part.request) cancellationInvalid('the OPD cancelled, yet the bundle holds a customer request');
    return verified;
  }
  if (!part.request) cancellationInvalid('the customer cancelled, but their signed request is missing');
  const key = customerKeyOf(part.request.customerKey);
  let parsed: ReturnType<typeof parseJws>;
  try {
    parsed = parseJws(part.request.jws, CANCEL_TYP);
  } catch (error) {
    cancellationInvalid(`the request is malformed: ${(error as Error).message}`);
  }
  if (parsed.kid !== key.kid || parsed.alg !== key.alg)
    cancellationInvalid(`the request is signed by key ${parsed.kid}, not by the bundle's ${key.kid}`);
  if (!verifyJwsSignature(parsed, key.alg, key.publicKey))
    cancellationInvalid("the request's signature does not verify with the customer key");
  const claims = cancellationClaimsSchema.safeParse(decodeJsonObject(parsed.payloadB64));
  if (!claims.success) cancellationInvalid("the request's claims are invalid");
  const request = claims.data;
  if (request.iss !== order.iss || request.orderId !== order.jti || request.aud !== accepted.iss)
    cancellationInvalid('the request names another customer, order or OPD');
  if (receipt.cancellationDigest !== jwsDigest(part.request.jws))
    cancellationInvalid('the receipt acknowledges a different request (its digest differs)');
  if (receipt.customerKeyFingerprint !== spkiFingerprint(key.publicKey))
    throw new EvidenceError('key_id_mismatch', "the OPD verified the request with another key than the bundle's");
  if (Math.abs(receipt.iat - request.iat) > ORDER_LIMITS.maxClockSkewSeconds)
    cancellationInvalid('the receipt is dated too far from the request');
  return { ...verified, request };
}
