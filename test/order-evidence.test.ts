/**
 * What the console adds to the offline evidence checks (shared/order-evidence.ts): the receipt keys must be ones the
 * OPD publishes and not revoked before they signed, and what a page shows of an order must be what its evidence
 * proves. Each refusal for its own reason.
 */
import { describe, expect, it } from 'vitest';
import { verifyEvidence } from '../shared/evidence-node.js';
import type { VerifiedEvidence } from '../shared/evidence.js';
import { checkOrderMatchesEvidence, checkReceiptKeysPublished, publishedReceiptKey } from '../shared/order-evidence.js';
import type { PublishedReceiptKeys } from '../shared/order-evidence.js';
import type { OrderView } from '../shared/orders.js';
import { bundle, cancelled } from './helpers/bundles.js';
import { makeKeysBeforeAll } from './helpers/keys.js';

makeKeysBeforeAll();

/** The order as the OPD's answer would show it: exactly what `verified` proves. */
function viewOf(verified: VerifiedEvidence): OrderView {
  const { order } = verified;
  const cancellation = verified.cancellation?.receipt;
  return {
    orderId: order.jti,
    customerId: order.iss,
    status: cancellation ? 'cancelled' : 'accepted',
    lines: order.items.map((item) => ({ ...item, name: item.sku, lineTotalCents: item.qty * item.unitPriceCents })),
    totalCents: order.totalCents,
    currency: order.currency,
    acceptedAt: new Date(verified.receipt.iat * 1000).toISOString(),
    signedAt: new Date(order.iat * 1000).toISOString(),
    ...(order.note === undefined ? {} : { note: order.note }),
    ...(cancellation
      ? {
          cancellation: {
            by: cancellation.cancelledBy,
            actor: 'someone',
            ...(cancellation.reason === undefined ? {} : { reason: cancellation.reason }),
          },
        }
      : {}),
  } as unknown as OrderView;
}

const published = (verified: VerifiedEvidence, revoked: PublishedReceiptKeys['revoked'] = []) =>
  ({
    keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'x', kid: verified.receiptKey.kid, alg: 'EdDSA', use: 'sig' }],
    current: verified.receiptKey.kid,
    revoked,
  }) as PublishedReceiptKeys;

const refusedWith = (code: string, check: () => void) => expect(check).toThrow(expect.objectContaining({ code }));

describe('the order a page shows, against its evidence', () => {
  it('passes when every shown field is what the evidence proves (accepted, and cancelled by the OPD)', async () => {
    for (const candidate of [bundle('ed25519'), cancelled('ed25519', { by: 'opd' })]) {
      const verified = await verifyEvidence(candidate);
      expect(() => checkOrderMatchesEvidence(viewOf(verified), verified)).not.toThrow();
    }
  });

  it.each<[string, (view: OrderView) => object]>([
    ['another order ID', (view) => ({ ...view, orderId: 'B'.repeat(22) })],
    ['another customer', (view) => ({ ...view, customerId: 'mallory' })],
    ['another total', (view) => ({ ...view, totalCents: view.totalCents + 1 })],
    ['another currency', (view) => ({ ...view, currency: 'EUR' })],
    [
      'another quantity',
      (view) => ({ ...view, lines: view.lines.map((line, i) => (i === 0 ? { ...line, qty: 99 } : line)) }),
    ],
    ['a line less', (view) => ({ ...view, lines: view.lines.slice(1) })],
    ['a note added', (view) => ({ ...view, note: 'Leave at the back door' })],
    ['shown as cancelled', (view) => ({ ...view, status: 'cancelled' })],
  ])('evidence_view_mismatch: %s', async (_name, change) => {
    const verified = await verifyEvidence(bundle('ecdsa'));
    refusedWith('evidence_view_mismatch', () =>
      checkOrderMatchesEvidence(change(viewOf(verified)) as OrderView, verified),
    );
  });

  it('evidence_view_mismatch: a cancellation shown with another reason, or by another party', async () => {
    const verified = await verifyEvidence(cancelled('ed25519', { by: 'opd' }));
    const view = viewOf(verified);
    const reason = { ...view, cancellation: { ...view.cancellation!, reason: 'a kinder reason' } } as OrderView;
    refusedWith('evidence_view_mismatch', () => checkOrderMatchesEvidence(reason, verified));
    const by = { ...view, cancellation: { ...view.cancellation!, by: 'customer' } } as OrderView;
    refusedWith('evidence_view_mismatch', () => checkOrderMatchesEvidence(by, verified));
    refusedWith('evidence_view_mismatch', () => checkOrderMatchesEvidence({ ...view, status: 'accepted' }, verified));
  });
});

describe('receipt keys, against the ones the OPD publishes', () => {
  it('passes for a published key, and for a revoked one that signed before its revocation took effect', async () => {
    const verified = await verifyEvidence(bundle('ed25519'));
    expect(() => checkReceiptKeysPublished(verified, published(verified))).not.toThrow();
    const later = new Date((verified.receipt.iat + 60) * 1000).toISOString();
    const revoked = [{ kid: verified.receiptKey.kid, revokedAt: later, signsNoMoreAfter: later }];
    expect(() => checkReceiptKeysPublished(verified, published(verified, revoked))).not.toThrow();
  });

  it('receipt_key_unknown: a key the OPD does not publish (the cancellation receipt’s too)', async () => {
    const verified = await verifyEvidence(cancelled('ed25519', { by: 'opd' }));
    refusedWith('receipt_key_unknown', () => checkReceiptKeysPublished(verified, { keys: [], revoked: [] }));
    refusedWith('receipt_key_unknown', () => publishedReceiptKey({ keys: [], revoked: [] }, verified.receiptKey.kid));
  });

  it('receipt_key_revoked: a receipt dated after its key could sign', async () => {
    const verified = await verifyEvidence(bundle('ed25519'));
    const earlier = new Date((verified.receipt.iat - 1) * 1000).toISOString();
    const revoked = [{ kid: verified.receiptKey.kid, revokedAt: earlier, signsNoMoreAfter: earlier }];
    refusedWith('receipt_key_revoked', () => checkReceiptKeysPublished(verified, published(verified, revoked)));
  });
});
