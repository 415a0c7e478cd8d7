/**
 * The evidence bundle of an order, assembled from the OPD's answer and checked exactly as `po verify` checks it:
 * the signed order and its receipt and, for a cancelled order, the cancellation receipt and the customer's request.
 * Receipt keys come through the profile's pins (cli/trust.ts).
 */
import { EvidenceError } from '../shared/errors.js';
import { evidenceBundle } from '../shared/evidence.js';
import { verifyEvidence } from '../shared/evidence-node.js';
import type { EvidenceBundle, VerifiedEvidence } from '../shared/evidence.js';
import { parsePublicKeyPem, verificationKey } from '../shared/keys.js';
import type { OrderView } from '../shared/orders.js';
import { receiptKeyId } from '../shared/receipts.js';
import type { OpdClient } from './client.js';
import { receiptKey } from './trust.js';

/**
 * The evidence bundle of `order`, checked, with what it proves.
 * @throws EvidenceError when the OPD's answer lacks a part, or any check fails
 */
export async function orderEvidence(
  api: OpdClient,
  profile: string,
  order: OrderView,
): Promise<{ bundle: EvidenceBundle; verified: VerifiedEvidence }> {
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
                alg: verificationKey(parsePublicKeyPem(requestKeyPem)).alg,
                publicKeyPem: requestKeyPem,
              },
            },
          }
        : {}),
      receipt: {
        jws: cancellation.receipt,
        key: await receiptKey(api, profile, receiptKeyId(cancellation.receipt)),
      },
    };
  }
  const bundle = evidenceBundle({
    orderJws: order.signature.jws,
    customerKey: {
      kid: order.signature.keyId,
      alg: order.signature.alg,
      publicKeyPem: order.signature.publicKeyPem,
    },
    receiptJws: order.receipt,
    receiptKey: await receiptKey(api, profile, receiptKeyId(order.receipt)),
    ...(cancellationPart ? { cancellation: cancellationPart } : {}),
  });
  return { bundle, verified: await verifyEvidence(bundle) }; // never hand out evidence that does not hold
}
