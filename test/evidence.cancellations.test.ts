/**
 * Evidence bundles of cancelled orders (docs/evidence.md): each check of a cancellation fails for its own reason; and
 * every one-field change of any bundle, accepted or cancelled, fails.
 */
import { sign } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encode as b64u } from '../shared/base64url.js';
import { signJws } from '../shared/envelope/jws.js';
import { EvidenceError } from '../shared/errors.js';
import { parseEvidence } from '../shared/evidence.js';
import { verifyEvidence } from '../shared/evidence-node.js';
import type { EvidenceBundle } from '../shared/evidence.js';
import { spkiFingerprint } from '../shared/keys.js';
import { jwsDigest, receiptKeyJwk, signReceipt } from '../shared/receipts.js';
import type { ReceiptClaims } from '../shared/receipts.js';
import type { cancelledBundle } from './helpers/evidence.js';
import { NOW, makeBundle, receiptKeyPair } from './helpers/evidence.js';
import { SIGNING_ALGORITHMS, keys, makeKeysBeforeAll, server } from './helpers/keys.js';
import { bundle, cancelled, clone, failsWith, receiptSigner } from './helpers/bundles.js';

makeKeysBeforeAll();

describe('evidence bundles: cancellations', () => {
  it.each(SIGNING_ALGORITHMS)(
    'a %s order cancelled by the customer verifies, with their request',
    async (algorithm) => {
      const valid = cancelled(algorithm);
      const verified = await verifyEvidence(parseEvidence(JSON.parse(JSON.stringify(valid))));
      expect(verified.cancellation?.receipt).toMatchObject({
        cancelledBy: 'customer',
        orderId: verified.order.jti,
        refundCents: 4749,
        status: 'cancelled',
        customerKeyFingerprint: spkiFingerprint(keys[algorithm].verifier.publicKey),
      });
      expect(verified.cancellation?.request).toMatchObject({ iss: 'alice', aud: 'opd', orderId: verified.order.jti });
    },
  );

  it('an order cancelled by the OPD verifies, with its reason and no request', async () => {
    const verified = await verifyEvidence(parseEvidence(cancelled('ed25519', { by: 'opd' })));
    expect(verified.cancellation?.receipt).toMatchObject({ cancelledBy: 'opd', reason: 'the warehouse flooded' });
    expect(verified.cancellation?.request).toBeUndefined();
  });

  it('an order accepted before payments existed (no ledger entry) was refunded nothing', async () => {
    const b = cancelled('ed25519', { by: 'opd', cancel: { refundCents: 0 } });
    await expect(verifyEvidence(b)).rejects.toThrow(expect.objectContaining({ code: 'cancellation_invalid' }));
    const receiptClaimsOf = (jws: string) =>
      JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString()) as ReceiptClaims;
    const legacy = makeBundle(keys.ed25519, server, receiptSigner, {
      claims: (claims) => {
        const legacyClaims = { ...claims };
        delete legacyClaims.ledgerEntry;
        return legacyClaims;
      },
    });
    expect(receiptClaimsOf(legacy.receipt.jws).ledgerEntry).toBeUndefined();
    const prepared = JSON.parse(Buffer.from(legacy.order.jws.split('.')[1]!, 'base64url').toString()) as {
      jti: string;
    };
    const refund = (refundCents: number) =>
      signReceipt(
        {
          iss: 'opd',
          sub: 'alice',
          orderId: prepared.jti,
          iat: Math.floor((NOW + 60_000) / 1000),
          orderDigest: jwsDigest(legacy.order.jws),
          cancelledBy: 'opd',
          reason: 'legacy',
          refundCents,
          currency: 'USD',
          ledgerEntry: 1,
          status: 'cancelled',
        },
        receiptSigner,
      );
    const key = receiptKeyJwk(receiptSigner.publicKey);
    expect(
      (await verifyEvidence({ ...legacy, cancellation: { receipt: { jws: refund(0), key } } })).cancellation,
    ).toBeDefined();
    await failsWith({ ...legacy, cancellation: { receipt: { jws: refund(4749), key } } }, 'cancellation_invalid');
  });

  it.each([
    ['it refunds another amount than was paid', { cancel: { refundCents: 4748 } }],
    ['it refunds in another currency', { cancel: { currency: 'EUR' } }],
    ['it is dated before the order was accepted', { cancel: { cancelledAt: NOW } }],
    ['the request names another order', { request: { orderId: 'B'.repeat(22) } }],
    ['the request is addressed to another OPD', { request: { opdId: 'other-opd' } }],
    ['the request is issued by another customer', { request: { customerId: 'mallory' } }],
    ['the receipt is dated too far from the request', { request: { now: NOW - 400_000 } }],
  ] as Array<[string, Parameters<typeof cancelledBundle>[3]]>)('cancellation_invalid: %s', async (_name, change) => {
    await failsWith(cancelled('ed25519', change), 'cancellation_invalid');
  });

  it('cancellation_invalid: the request is signed by another key than the bundle presents', async () => {
    await failsWith(cancelled('ed25519', { request: { signer: keys.ecdsa.signer } }), 'cancellation_invalid');
    const forged = cancelled('ed25519');
    const [header, payload] = forged.cancellation!.request!.jws.split('.');
    const other = cancelled('ed25519').cancellation!.request!.jws.split('.')[2];
    forged.cancellation!.request!.jws = `${header}.${payload}.${other}`;
    await failsWith(forged, 'cancellation_invalid');
  });

  it('cancellation_invalid: the receipt acknowledges another request than the bundle carries', async () => {
    const b = cancelled('ed25519');
    b.cancellation!.request = cancelled('ed25519').cancellation!.request; // a real request, for another order
    await failsWith(b, 'cancellation_invalid');
    const sameOrder = cancelled('ed25519', { request: { jti: 'X'.repeat(22) } });
    const twin = clone(sameOrder);
    // A second genuine request for the same order, not the one the OPD acknowledged.
    const claims = JSON.parse(Buffer.from(twin.cancellation!.request!.jws.split('.')[1]!, 'base64url').toString()) as {
      orderId: string;
      iat: number;
    };
    twin.cancellation!.request!.jws = signJws(
      Buffer.from(
        JSON.stringify({ iss: 'alice', aud: 'opd', iat: claims.iat, jti: 'Y'.repeat(22), orderId: claims.orderId }),
      ),
      keys.ed25519.signer,
      'po-cancel+jwt',
    );
    await expect(verifyEvidence(sameOrder)).resolves.toBeDefined();
    await failsWith(twin, 'cancellation_invalid');
  });

  it('cancellation_invalid: a customer cancellation without its request, or an OPD one with a request', async () => {
    const b = cancelled('ed25519');
    delete b.cancellation!.request;
    await failsWith(b, 'cancellation_invalid');
    const opd = cancelled('ed25519', { by: 'opd' });
    opd.cancellation!.request = cancelled('ed25519').cancellation!.request;
    await failsWith(opd, 'cancellation_invalid');
  });

  it('order_digest_mismatch and cancellation_invalid: a genuine cancellation receipt of another order', async () => {
    const b = cancelled('ed25519');
    const other = cancelled('ed25519');
    await failsWith({ ...b, cancellation: other.cancellation }, 'order_digest_mismatch');
    await failsWith(
      cancelled('ed25519', { claims: (c) => ({ ...c, orderId: 'B'.repeat(22) }) }),
      'cancellation_invalid',
    );
    await failsWith(cancelled('ed25519', { claims: (c) => ({ ...c, sub: 'mallory' }) }), 'cancellation_invalid');
    await failsWith(cancelled('ed25519', { claims: (c) => ({ ...c, iss: 'other-opd' }) }), 'cancellation_invalid');
  });

  it('key_id_mismatch: the OPD verified the request with another key than the bundle presents', async () => {
    await failsWith(
      cancelled('ed25519', {
        claims: (c) => ({ ...c, customerKeyFingerprint: spkiFingerprint(keys.ecdsa.verifier.publicKey) }),
      }),
      'key_id_mismatch',
    );
  });

  it('receipt_malformed and receipt_signature_invalid: the acceptance receipt in its place, or a forged one', async () => {
    const b = cancelled('ed25519');
    await failsWith({ ...b, cancellation: { ...b.cancellation!, receipt: b.receipt } }, 'receipt_malformed');
    await failsWith({ ...b, receipt: b.cancellation!.receipt }, 'receipt_malformed');
    const impostor = receiptKeyPair();
    const forged = cancelled('ed25519');
    const [header, payload] = forged.cancellation!.receipt.jws.split('.');
    const signature = sign(null, Buffer.from(`${header}.${payload}`), impostor.privateKey);
    forged.cancellation!.receipt.jws = `${header}.${payload}.${b64u(signature)}`;
    await failsWith(forged, 'receipt_signature_invalid');
  });
});

describe('evidence bundles: every one-field change fails', () => {
  /** Every leaf of the bundle (a string or number member), as a path. */
  const leaves = (value: unknown, path: string[] = []): string[][] =>
    typeof value === 'object' && value !== null
      ? Object.entries(value).flatMap(([name, child]) => leaves(child, [...path, name]))
      : [path];

  const at = (value: unknown, path: string[]) =>
    path.reduce<unknown>((node, name) => (node as Record<string, unknown>)[name], value);

  function withLeaf(base: EvidenceBundle, path: string[], leaf: unknown): unknown {
    const copy = structuredClone(base) as unknown as Record<string, unknown>;
    const parent = path
      .slice(0, -1)
      .reduce<Record<string, unknown>>((node, name) => node[name] as Record<string, unknown>, copy);
    parent[path.at(-1)!] = leaf;
    return copy;
  }

  /** One change of a string: a character replaced (by a base64url one or any), removed, or added. */
  const changedString = (text: string) =>
    fc
      .oneof(
        fc
          .record({
            index: fc.nat({ max: Math.max(0, text.length - 1) }),
            char: fc.oneof(
              fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=\n '),
              fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
            ),
          })
          .map(({ index, char }) => text.slice(0, index) + char + text.slice(index + 1)),
        fc.nat({ max: Math.max(0, text.length - 1) }).map((index) => text.slice(0, index) + text.slice(index + 1)),
        fc.string({ minLength: 1, maxLength: 3 }).map((extra) => text + extra),
      )
      .filter((changed) => changed !== text);

  const cases = [
    ...SIGNING_ALGORITHMS.map((algorithm) => [algorithm, () => bundle(algorithm)] as const),
    ['cancelled by the customer (ecdsa)', () => cancelled('ecdsa')] as const,
    ['cancelled by the OPD', () => cancelled('ed25519', { by: 'opd' })] as const,
  ];

  it.each(cases)('%s: any change of any field, anywhere, is refused with a typed error', async (_name, make) => {
    const base = make();
    for (const path of leaves(base)) {
      const original = at(base, path);
      const mutation =
        typeof original === 'number' ? fc.integer().filter((n) => n !== original) : changedString(String(original));
      await fc.assert(
        fc.asyncProperty(mutation, async (changed) => {
          let error: unknown;
          try {
            await verifyEvidence(parseEvidence(withLeaf(base, path, changed)));
          } catch (caught) {
            error = caught;
          }
          return error instanceof EvidenceError;
        }),
        { numRuns: 60 },
      );
    }
  });
});
