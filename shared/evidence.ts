/**
 * Evidence bundles (docs/evidence.md): one JSON document holding a customer's signed order, the customer's public key,
 * the OPD's receipt and the receipt's public key — everything a third party needs to settle "what was ordered, at
 * what price, and did the OPD accept it?" offline, with no access to the OPD.
 *
 * {@link checkEvidence} runs every check in a fixed order and stops at the first failure with its own code. It is
 * pure: the cryptography comes through {@link EvidenceCrypto}, node:crypto's for po and the functions
 * (shared/evidence-node.ts: `po order` on every receipt, every export, `po verify`) and WebCrypto's for the console,
 * which checks an order's evidence in the page. One sequence of checks, so the two can never disagree on a verdict.
 */
import type * as z from 'zod/mini';

import { parseClaims } from './envelope/claims.js';
import type { OrderClaims } from './envelope/claims.js';
import { decodeJsonObject, parseJws } from './envelope/jws-format.js';
import type { ParsedJws } from './envelope/jws-format.js';
import { EvidenceError } from './errors.js';
import {
  CANCEL_TYP,
  cancellationClaimsSchema,
  cancellationReceiptClaimsSchema,
  checkReceiptMatchesOrder,
  parseEvidence,
  parseReceiptJws,
  receiptClaimsSchema,
  receiptKeyJwkParts,
  receiptPayload,
} from './evidence-format.js';
import type {
  CancellationClaims,
  CancellationReceiptClaims,
  EvidenceBundle,
  ReceiptClaims,
} from './evidence-format.js';
import { amountPaid } from './orders.js';
import { ORDER_LIMITS } from './rules.js';
import type { SignatureAlg } from './rules.js';

export { EVIDENCE_FORMAT, EVIDENCE_VERSION, evidenceBundle, parseEvidence } from './evidence-format.js';
export type { EvidenceBundle } from './evidence-format.js';

/** A public key read by an {@link EvidenceCrypto}: what the checks need to know of it, and the platform's handle. */
export interface EvidenceKey {
  /** The signature algorithm the key is for, as read from the key itself. */
  readonly alg: SignatureAlg;
  /** base64url SHA-256 of its DER SubjectPublicKeyInfo (shared/keys.ts `spkiFingerprint`). */
  readonly fingerprint: string;
}

/**
 * The cryptography the checks use, as a platform provides it. Every method rejects nothing it can answer: a key it
 * cannot use is an `Error` whose message says why; a signature that does not verify is `false`.
 */
export interface EvidenceCrypto<K extends EvidenceKey = EvidenceKey> {
  /**
   * Reads an SPKI PEM public key of a supported algorithm and size (shared/keys.ts's minimums), and says whether the
   * text is the key's canonical PEM (`openssl pkey -pubout`'s: one spelling per key).
   */
  customerKey(publicKeyPem: string): Promise<K & { readonly canonical: boolean }>;
  /** Reads an Ed25519 public key from its 32 raw bytes (a receipt key's JWK `x`). */
  receiptKey(x: Uint8Array): Promise<K>;
  /** Verifies a JWS signature over `signingInput` (ASCII) with `key`, by the key's algorithm. */
  verify(key: K, signingInput: string, signature: Uint8Array): Promise<boolean>;
  /** base64url(SHA-256(ASCII(text))): {@link jwsDigest}'s digest. */
  sha256(text: string): Promise<string>;
}

/** What a valid bundle proves, for people (`po verify`, the console) and programs (`po verify --json`). */
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

type StatedKey = EvidenceBundle['order']['customerKey'];

/** A customer key from the bundle: supported, big enough, in canonical SPKI PEM, of the algorithm stated. */
async function customerKeyOf<K extends EvidenceKey>(crypto: EvidenceCrypto<K>, stated: StatedKey): Promise<K> {
  let key: K & { readonly canonical: boolean };
  try {
    key = await crypto.customerKey(stated.publicKeyPem);
  } catch (error) {
    throw new EvidenceError(
      'evidence_key_invalid',
      `the customer key cannot be used: ${error instanceof Error ? error.message : 'unreadable'}`,
    );
  }
  // One key, one text: a reformatted PEM would be a second spelling of the same evidence.
  if (!key.canonical)
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

/**
 * A receipt key from its published JWK, whose ID must be its fingerprint.
 * @throws EvidenceError `evidence_key_invalid` (not an Ed25519 public JWK of the documented shape), `key_id_mismatch`
 */
export async function receiptKeyOf<K extends EvidenceKey>(
  crypto: EvidenceCrypto<K>,
  jwk: unknown,
): Promise<K & { readonly kid: string }> {
  const { kid, x } = receiptKeyJwkParts(jwk);
  let key: K;
  try {
    key = await crypto.receiptKey(x);
  } catch {
    throw new EvidenceError('evidence_key_invalid', 'the receipt key is not a valid Ed25519 public key');
  }
  if (key.fingerprint !== kid)
    throw new EvidenceError('key_id_mismatch', `the receipt key ID ${kid} is not the fingerprint of its key`);
  return { ...key, kid };
}

/**
 * Checks a signed receipt (of an acceptance or a cancellation) with a receipt key, and returns its claims. Checks, in
 * order: JWS shape and `typ`; `alg` EdDSA; header `kid` names `key`; signature; payload exactly as the schema.
 * @throws EvidenceError `receipt_malformed`, `key_id_mismatch` or `receipt_signature_invalid`
 */
async function verifySignedReceipt<K extends EvidenceKey, T>(
  crypto: EvidenceCrypto<K>,
  receiptJws: string,
  key: K & { readonly kid: string },
  schema: z.ZodMiniType<T>,
): Promise<T> {
  const parsed = parseReceiptJws(receiptJws, key.kid);
  if (!(await crypto.verify(key, parsed.signingInput, parsed.signature)))
    throw new EvidenceError(
      'receipt_signature_invalid',
      "the receipt's signature does not verify with the receipt key",
    );
  return receiptPayload(parsed, schema);
}

/** Verifies the customer's signed order with the bundle's customer key and returns its claims. */
async function verifyOrder<K extends EvidenceKey>(
  crypto: EvidenceCrypto<K>,
  bundle: EvidenceBundle,
  key: K,
): Promise<OrderClaims> {
  let parsed: ParsedJws;
  try {
    parsed = parseJws(bundle.order.jws);
  } catch (error) {
    throw new EvidenceError('order_signature_invalid', `the signed order is malformed: ${(error as Error).message}`);
  }
  const kid = bundle.order.customerKey.kid;
  if (parsed.kid !== kid)
    throw new EvidenceError('key_id_mismatch', `the order is signed by key ${parsed.kid}, not by the bundle's ${kid}`);
  if (parsed.alg !== key.alg)
    throw new EvidenceError(
      'order_signature_invalid',
      `the order claims alg ${parsed.alg.slice(0, 16)}; the key is ${key.alg}`,
    );
  if (!(await crypto.verify(key, parsed.signingInput, parsed.signature)))
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

/**
 * Verifies a bundle, offline, with `crypto`. Checks, in order: its shape ({@link parseEvidence}: whoever assembled
 * it, a file or the OPD's answers, every caller gets the same checks); the customer key (usable, canonical, of the
 * stated algorithm); the order's key ID, algorithm and signature; the order's claims; the receipt key (Ed25519, ID =
 * its fingerprint); the receipt's key ID, signature and claims; the order digest; the customer key's fingerprint the
 * receipt names; and that the receipt's customer, order ID, lines, prices, currency, total and time agree with the
 * signed order.
 * @throws EvidenceError with the code of the first check that fails
 */
export async function checkEvidence<K extends EvidenceKey>(
  crypto: EvidenceCrypto<K>,
  candidate: unknown,
): Promise<VerifiedEvidence> {
  const bundle = parseEvidence(candidate);
  const customerKey = await customerKeyOf(crypto, bundle.order.customerKey);
  const order = await verifyOrder(crypto, bundle, customerKey);
  const receiptKey = await receiptKeyOf(crypto, bundle.receipt.key);
  const receipt = await verifySignedReceipt(crypto, bundle.receipt.jws, receiptKey, receiptClaimsSchema());
  if (receipt.orderDigest !== (await crypto.sha256(bundle.order.jws)))
    throw new EvidenceError(
      'order_digest_mismatch',
      'the receipt acknowledges a different signed order (its digest differs)',
    );
  if (receipt.customerKeyFingerprint !== customerKey.fingerprint)
    throw new EvidenceError(
      'key_id_mismatch',
      `the OPD verified the order with key fingerprint ${receipt.customerKeyFingerprint}, not the bundle's ${customerKey.fingerprint}`,
    );
  checkReceiptMatchesOrder(receipt, order, ORDER_LIMITS.maxClockSkewSeconds);
  return {
    order,
    receipt,
    customerKey: { kid: bundle.order.customerKey.kid, alg: customerKey.alg, fingerprint: customerKey.fingerprint },
    receiptKey: { kid: receiptKey.kid, fingerprint: receiptKey.fingerprint },
    ...(bundle.cancellation ? { cancellation: await checkCancellation(crypto, bundle, order, receipt) } : {}),
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
async function checkCancellation<K extends EvidenceKey>(
  crypto: EvidenceCrypto<K>,
  bundle: EvidenceBundle,
  order: OrderClaims,
  accepted: ReceiptClaims,
): Promise<NonNullable<VerifiedEvidence['cancellation']>> {
  const part = bundle.cancellation!;
  const receiptKey = await receiptKeyOf(crypto, part.receipt.key);
  const receipt = await verifySignedReceipt(crypto, part.receipt.jws, receiptKey, cancellationReceiptClaimsSchema());
  if (receipt.orderDigest !== (await crypto.sha256(bundle.order.jws)))
    throw new EvidenceError('order_digest_mismatch', 'the cancellation receipt cancels a different signed order');
  if (receipt.sub !== order.iss || receipt.orderId !== order.jti || receipt.iss !== accepted.iss)
    cancellationInvalid('it names another customer, order or OPD');
  if (receipt.currency !== order.currency) cancellationInvalid(`currency ${receipt.currency} vs ${order.currency}`);
  const paid = amountPaid({ ledgerEntry: accepted.ledgerEntry, totalCents: order.totalCents });
  if (receipt.refundCents !== paid) cancellationInvalid(`refund ${receipt.refundCents}, paid ${paid}`);
  if (receipt.iat < accepted.iat) cancellationInvalid('it is dated before the order was accepted');
  const verified = { receiptKey: { kid: receiptKey.kid, fingerprint: receiptKey.fingerprint }, receipt };
  if (receipt.cancelledBy === 'opd') {
    if (part.request) cancellationInvalid('the OPD cancelled, yet the bundle holds a customer request');
    return verified;
  }
  if (!part.request) cancellationInvalid('the customer cancelled, but their signed request is missing');
  const key = await customerKeyOf(crypto, part.request.customerKey);
  let parsed: ParsedJws;
  try {
    parsed = parseJws(part.request.jws, CANCEL_TYP);
  } catch (error) {
    cancellationInvalid(`the request is malformed: ${(error as Error).message}`);
  }
  const kid = part.request.customerKey.kid;
  if (parsed.kid !== kid || parsed.alg !== key.alg)
    cancellationInvalid(`the request is signed by key ${parsed.kid}, not by the bundle's ${kid}`);
  if (!(await crypto.verify(key, parsed.signingInput, parsed.signature)))
    cancellationInvalid("the request's signature does not verify with the customer key");
  const claims = cancellationClaimsSchema().safeParse(decodeJsonObject(parsed.payloadB64));
  if (!claims.success) cancellationInvalid("the request's claims are invalid");
  const request = claims.data;
  if (request.iss !== order.iss || request.orderId !== order.jti || request.aud !== accepted.iss)
    cancellationInvalid('the request names another customer, order or OPD');
  if (receipt.cancellationDigest !== (await crypto.sha256(part.request.jws)))
    cancellationInvalid('the receipt acknowledges a different request (its digest differs)');
  if (receipt.customerKeyFingerprint !== key.fingerprint)
    throw new EvidenceError('key_id_mismatch', "the OPD verified the request with another key than the bundle's");
  if (Math.abs(receipt.iat - request.iat) > ORDER_LIMITS.maxClockSkewSeconds)
    cancellationInvalid('the receipt is dated too far from the request');
  return { ...verified, request };
}
