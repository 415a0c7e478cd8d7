/**
 * The evidence bundle of an order, assembled from the OPD's answer (`GET /orders/{id}`, `GET /admin/orders/{id}`):
 * the signed order and its receipt and, for a cancelled order, the cancellation receipt and the customer's request.
 * Pure: po (cli/evidence.ts) and the console assemble it alike, each with its own source of receipt keys (po's pins,
 * the console's `GET /receipt-keys`) and its own crypto to read a key's algorithm; both then check it in full. The
 * console, online, also checks the receipt keys against what the OPD publishes and its view against the evidence.
 */
import { EvidenceError } from './errors.js';
import { evidenceBundle, receiptKeyId } from './evidence-format.js';
import type { EvidenceBundle, ReceiptKeyJwk } from './evidence-format.js';
import type { VerifiedEvidence } from './evidence.js';
import type { OrderView } from './orders.js';
import type { SignatureAlg } from './rules.js';

/** A key's algorithm, or `evidence_key_invalid` when the key cannot be read (the bundle's check would say the same). */
async function keyAlgOf(sources: EvidenceSources, publicKeyPem: string): Promise<SignatureAlg> {
  try {
    return await sources.keyAlg(publicKeyPem);
  } catch (error) {
    throw new EvidenceError(
      'evidence_key_invalid',
      `the customer key cannot be used: ${error instanceof Error ? error.message : 'unreadable'}`,
    );
  }
}

/** Where the assembly gets what the OPD's answer does not carry. */
export interface EvidenceSources {
  /** The published receipt key of this ID. */
  receiptKey(kid: string): Promise<ReceiptKeyJwk>;
  /** The signature algorithm of an SPKI PEM public key, read from the key itself. */
  keyAlg(publicKeyPem: string): Promise<SignatureAlg>;
}

/**
 * The bundle of `order`, not yet checked.
 * @throws EvidenceError `receipt_missing` or `evidence_key_invalid` when the OPD's answer lacks a part or a key it
 * gives cannot be read, or what `sources.receiptKey` throws
 */
export async function orderEvidenceBundle(order: OrderView, sources: EvidenceSources): Promise<EvidenceBundle> {
  const id = order.orderId;
  if (!order.receipt)
    throw new EvidenceError('receipt_missing', `order ${id} has no receipt (accepted before the OPD issued receipts)`);
  if (!order.signature.publicKeyPem)
    throw new EvidenceError('evidence_key_invalid', `the OPD did not return the key order ${id} was verified with`);
  const cancellation = order.cancellation;
  let cancellationPart: NonNullable<EvidenceBundle['cancellation']> | undefined;
  if (cancellation) {
    const requestKeyPem = cancellation.publicKeyPem ?? order.signature.publicKeyPem;
    cancellationPart = {
      ...(cancellation.jws
        ? {
            request: {
              jws: cancellation.jws,
              customerKey: {
                kid: cancellation.keyId ?? order.signature.keyId,
                // The algorithm a key is registered for follows from the key itself.
                alg: await keyAlgOf(sources, requestKeyPem),
                publicKeyPem: requestKeyPem,
              },
            },
          }
        : {}),
      receipt: { jws: cancellation.receipt, key: await sources.receiptKey(receiptKeyId(cancellation.receipt)) },
    };
  }
  return evidenceBundle({
    orderJws: order.signature.jws,
    customerKey: { kid: order.signature.keyId, alg: order.signature.alg, publicKeyPem: order.signature.publicKeyPem },
    receiptJws: order.receipt,
    receiptKey: await sources.receiptKey(receiptKeyId(order.receipt)),
    ...(cancellationPart ? { cancellation: cancellationPart } : {}),
  });
}

/** `GET /receipt-keys`: every receipt key the OPD ever signed with (JWKs), the current one, and the revoked ones. */
export interface PublishedReceiptKeys {
  readonly keys: readonly ReceiptKeyJwk[];
  readonly current?: string;
  readonly revoked: ReadonlyArray<{
    readonly kid: string;
    readonly revokedAt: string;
    readonly signsNoMoreAfter: string;
  }>;
}

/**
 * The published receipt key of ID `kid`.
 * @throws EvidenceError `receipt_key_unknown` when the OPD does not publish it
 */
export function publishedReceiptKey(published: PublishedReceiptKeys, kid: string): ReceiptKeyJwk {
  const key = published.keys.find((candidate) => candidate.kid === kid);
  if (!key)
    throw new EvidenceError('receipt_key_unknown', `the OPD does not publish the receipt key ${kid.slice(0, 64)}`);
  return key;
}

/**
 * What an online verifier adds to the offline checks: each receipt of the evidence was signed by a key the OPD
 * publishes, and not after that key's revocation took effect (docs/evidence.md: such a receipt is not the OPD's).
 * @throws EvidenceError `receipt_key_unknown` or `receipt_key_revoked`
 */
export function checkReceiptKeysPublished(verified: VerifiedEvidence, published: PublishedReceiptKeys): void {
  const signatures = [
    { kid: verified.receiptKey.kid, iat: verified.receipt.iat, what: 'receipt' },
    ...(verified.cancellation
      ? [
          {
            kid: verified.cancellation.receiptKey.kid,
            iat: verified.cancellation.receipt.iat,
            what: 'cancellation receipt',
          },
        ]
      : []),
  ];
  for (const { kid, iat, what } of signatures) {
    publishedReceiptKey(published, kid);
    const revoked = published.revoked.find((candidate) => candidate.kid === kid);
    if (revoked && iat * 1000 > Date.parse(revoked.signsNoMoreAfter))
      throw new EvidenceError(
        'receipt_key_revoked',
        `the ${what} is dated after its key ${kid.slice(0, 64)} could sign (revoked ${revoked.revokedAt}): it is not the OPD's`,
      );
  }
}

function viewMismatch(what: string): never {
  throw new EvidenceError('evidence_view_mismatch', `the order as the OPD shows it differs from its evidence: ${what}`);
}

/**
 * That what the OPD's answer says of an order — whose it is, its lines, total, note, and its cancellation — is what
 * its checked evidence proves: a page may show the answer's fields only next to evidence that proves them.
 * @throws EvidenceError `evidence_view_mismatch`
 */
export function checkOrderMatchesEvidence(order: OrderView, verified: VerifiedEvidence): void {
  const signed = verified.order;
  if (signed.jti !== order.orderId) viewMismatch(`order ID ${order.orderId}, signed ${signed.jti}`);
  if (signed.iss !== order.customerId) viewMismatch(`customer ${order.customerId}, signed ${signed.iss}`);
  if (signed.currency !== order.currency || signed.totalCents !== order.totalCents)
    viewMismatch(`total ${order.totalCents} ${order.currency}, signed ${signed.totalCents} ${signed.currency}`);
  const lines = order.lines.map((line) => `${line.qty}×${line.sku}@${line.unitPriceCents}`).join(' ');
  const signedLines = signed.items.map((item) => `${item.qty}×${item.sku}@${item.unitPriceCents}`).join(' ');
  if (lines !== signedLines) viewMismatch(`lines ${lines}, signed ${signedLines}`);
  if ((signed.note ?? undefined) !== order.note) viewMismatch('the note');
  const cancellation = verified.cancellation?.receipt;
  if ((order.status === 'cancelled') !== (cancellation !== undefined))
    viewMismatch(`status ${order.status}, ${cancellation ? 'with' : 'without'} a cancellation receipt`);
  if (cancellation && order.cancellation) {
    if (cancellation.cancelledBy !== order.cancellation.by)
      viewMismatch(`cancelled by ${order.cancellation.by}, the receipt says ${cancellation.cancelledBy}`);
    if ((cancellation.reason ?? undefined) !== order.cancellation.reason) viewMismatch('the cancellation reason');
  }
}
