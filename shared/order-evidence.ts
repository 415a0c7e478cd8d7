/**
 * The evidence bundle of an order, assembled from the OPD's answer (`GET /orders/{id}`, `GET /admin/orders/{id}`):
 * the signed order and its receipt and, for a cancelled order, the cancellation receipt and the customer's request.
 * Pure: po (cli/evidence.ts) and the console assemble it alike, each with its own source of receipt keys (po's pins,
 * the console's `GET /receipt-keys`) and its own crypto to read a key's algorithm; both then check it in full.
 */
import { EvidenceError } from './errors.js';
import { evidenceBundle, receiptKeyId } from './evidence-format.js';
import type { EvidenceBundle, ReceiptKeyJwk } from './evidence-format.js';
import type { OrderView } from './orders.js';
import type { SignatureAlg } from './rules.js';

/** Where the assembly gets what the OPD's answer does not carry. */
export interface EvidenceSources {
  /** The published receipt key of this ID. */
  receiptKey(kid: string): Promise<ReceiptKeyJwk>;
  /** The signature algorithm of an SPKI PEM public key, read from the key itself. */
  keyAlg(publicKeyPem: string): Promise<SignatureAlg>;
}

/**
 * The bundle of `order`, not yet checked.
 * @throws EvidenceError `receipt_missing` or `evidence_key_invalid` when the OPD's answer lacks a part
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
                alg: await sources.keyAlg(requestKeyPem),
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
