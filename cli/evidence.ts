/**
 * The evidence bundle of an order, assembled from the OPD's answer and checked exactly as `po verify` checks it:
 * the signed order and its receipt and, for a cancelled order, the cancellation receipt and the customer's request.
 * Receipt keys come through the profile's pins (cli/trust.ts).
 */
import { verifyEvidence } from '../shared/evidence-node.js';
import type { EvidenceBundle, VerifiedEvidence } from '../shared/evidence.js';
import { parsePublicKeyPem, verificationKey } from '../shared/keys.js';
import type { OrderView } from '../shared/orders.js';
import { orderEvidenceBundle } from '../shared/order-evidence.js';
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
  const bundle = await orderEvidenceBundle(order, {
    receiptKey: (kid) => receiptKey(api, profile, kid),
    keyAlg: (publicKeyPem) => Promise.resolve(verificationKey(parsePublicKeyPem(publicKeyPem)).alg),
  });
  return { bundle, verified: await verifyEvidence(bundle) }; // never hand out evidence that does not hold
}
