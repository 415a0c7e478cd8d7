/**
 * The page's envelope (web/crypto/, WebCrypto) against po's (shared/envelope/, node:crypto) and the published vectors:
 * the same inputs give the same bytes, and what the page makes, the OPD's code opens and verifies.
 */
import { describe, expect, it } from 'vitest';
import { decode as b64uDecode } from '../shared/base64url.js';
import { verifyCancellation } from '../shared/cancellations.js';
import { openOrder, prepareOrder } from '../shared/envelope/index.js';
import { verifyKeyProof } from '../shared/key-proofs.js';
import { parsePublicKeyPem, spkiFingerprint, verificationKey } from '../shared/keys.js';
import { ORDER_LIMITS } from '../shared/rules.js';
import { encryptJweInPage, importServerKey } from '../web/crypto/jwe.js';
import { spkiFingerprintInPage } from '../web/crypto/keys.js';
import { sealOrderInPage, signCancellationInPage, signKeyProofInPage } from '../web/crypto/seal.js';
import { expectEnvelopeError } from './helpers/expect-code.js';
import { makeKeysBeforeAll, keys, openOptions, rawPrivateKey, server } from './helpers/keys.js';
import { serverPrivateKey, vectors } from './helpers/envelope-vectors.js';
import type { Vector } from './helpers/envelope-vectors.js';
import { fixedInputs, labelBytes, pageKey, pageServerKey } from './helpers/page-keys.js';

const vectorServer = () => importServerKey({ kid: vectors.server.kid, publicKeyPem: vectors.server.publicKeyPem });
const vectorInputs = (vector: Vector) => fixedInputs(labelBytes(vector.ephemeralKeyLabel), b64uDecode(vector.iv)!);
/** The vector's order as the page's input: its claims, less what sealing computes (`aud`, `iat`, the total). */
const orderOf = (vector: Vector) => ({
  customerId: vector.claims.iss,
  items: vector.claims.items,
  currency: vector.claims.currency,
  note: vector.claims.note,
  now: vector.claims.iat * 1000,
  jti: vector.claims.jti,
});

function openVector(envelope: string, vector: Vector, verifyKey = vector.customerKey) {
  const key = verificationKey(parsePublicKeyPem(verifyKey.publicKeyPem), verifyKey.kid);
  return openOrder(envelope, {
    customerId: vector.customerId,
    serverKey: (kid) => (kid === vectors.server.kid ? serverPrivateKey : undefined),
    customerKey: (kid) => (kid === key.kid ? key : undefined),
    now: vector.verifyAt * 1000,
  });
}

describe('the page against the envelope test vectors', () => {
  it.each(vectors.valid)('$name: encrypts the vector JWS to the vector envelope, byte for byte', async (vector) => {
    const envelope = await encryptJweInPage(
      new TextEncoder().encode(vector.jws),
      await vectorServer(),
      await vectorInputs(vector),
    );
    expect(envelope).toBe(vector.envelope);
  });

  const eddsa = vectors.valid.find((vector) => vector.customerKey.privateKeyLabel !== undefined)!;
  it('valid EdDSA: seals the vector claims to the vector JWS and envelope, byte for byte', async () => {
    const signer = await pageKey(rawPrivateKey('ed25519', Buffer.from(labelBytes(eddsa.customerKey.privateKeyLabel!))));
    expect(signer.signer.kid).toBe(eddsa.customerKey.kid);
    const prepared = await sealOrderInPage(
      { ...orderOf(eddsa), signer: signer.signer, server: await vectorServer() },
      await vectorInputs(eddsa),
    );
    expect(prepared.jws).toBe(eddsa.jws);
    expect(prepared.envelope).toBe(eddsa.envelope);
    expect(prepared.claims).toEqual(eddsa.claims);
  });

  it.each(vectors.valid.filter((vector) => ['PS256', 'ES256'].includes(vector.customerKey.alg)))(
    '$name: the vector claims sealed with a page key of that algorithm open to the same claims',
    async (vector) => {
      const node = vector.customerKey.alg === 'PS256' ? keys.rsa : keys.ecdsa;
      const page = await pageKey(node.signer.privateKey);
      expect(page.signer.alg).toBe(vector.customerKey.alg);
      const prepared = await sealOrderInPage(
        { ...orderOf(vector), signer: page.signer, server: await vectorServer() },
        await vectorInputs(vector),
      );
      const publicKeyPem = page.publicKeyPem;
      const opened = await openVector(prepared.envelope, vector, {
        ...vector.customerKey,
        kid: page.signer.kid,
        publicKeyPem,
      });
      expect(opened.claims).toEqual(vector.claims);
      expect(opened.jws).toBe(prepared.jws);
    },
  );
});

makeKeysBeforeAll();
const NOW = Date.parse('2026-12-07T10:00:00.000Z');
const ORDER = {
  customerId: 'alice',
  items: [{ sku: 'WIDGET-1', qty: 2, unitPriceCents: 1250 }],
  currency: 'USD',
  note: 'by the back door',
  now: NOW,
};

describe('what the page makes, po and the OPD read', () => {
  it.each(['rsa', 'ecdsa', 'ed25519'] as const)(
    'an order sealed in the page with %s opens with openOrder',
    async (algorithm) => {
      const page = await pageKey(keys[algorithm].signer.privateKey);
      expect(page.signer.kid).toBe(spkiFingerprint(keys[algorithm].verifier.publicKey));
      expect(await spkiFingerprintInPage(page.publicKey)).toBe(page.signer.kid);
      const prepared = await sealOrderInPage({
        ...ORDER,
        signer: page.signer,
        server: await pageServerKey(server.kid, server.publicKey),
      });
      const opened = await openOrder(prepared.envelope, openOptions(server, [keys[algorithm].verifier], { now: NOW }));
      expect(opened.claims).toEqual(prepared.claims);
      expect(opened.claims).toMatchObject({
        iss: 'alice',
        aud: server.kid,
        totalCents: 2500,
        note: 'by the back door',
      });
      expect(opened.claims.jti).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{22}$/);
      expect(opened.alg).toBe(keys[algorithm].signer.alg);
    },
  );

  it('an Ed25519 order gives po prepareOrder’s envelope string exactly, with the same fixed inputs', async () => {
    const raw = labelBytes('page test: ephemeral key');
    const iv = labelBytes('page test: IV').subarray(0, 12);
    const input = { ...ORDER, jti: 'abcdefghijklmnopqrstuvw' };
    const node = prepareOrder(
      { ...input, signer: keys.ed25519.signer, server: { kid: server.kid, publicKey: server.publicKey } },
      { ephemeralPrivateKey: rawPrivateKey('x25519', Buffer.from(raw)), iv },
    );
    const page = await sealOrderInPage(
      {
        ...input,
        signer: (await pageKey(keys.ed25519.signer.privateKey)).signer,
        server: await pageServerKey(server.kid, server.publicKey),
      },
      await fixedInputs(raw, iv),
    );
    expect(page.envelope).toBe(node.envelope);
    expect(page.jws).toBe(node.jws);
    expect(page.claims).toEqual(node.claims);
  });

  it('refuses, as po does, claims that break the contract and an envelope over the bound', async () => {
    const page = await pageKey(keys.ed25519.signer.privateKey);
    const sealed = (order: object) =>
      pageServerKey(server.kid, server.publicKey).then((pageServer) =>
        sealOrderInPage({ ...ORDER, ...order, signer: page.signer, server: pageServer }),
      );
    await expectEnvelopeError(sealed({ items: [{ sku: 'WIDGET-1', qty: 0, unitPriceCents: 1 }] }), 'items_invalid');
    await expectEnvelopeError(sealed({ currency: 'usd' }), 'claims_invalid');
    // No valid order reaches the bound (50 lines at their longest and a full note stay near 15,000 characters with an
    // RSA-8192 signature), so it is lowered for one order to show the check is made after sealing, as po makes it.
    const limits = ORDER_LIMITS as { maxEnvelopeChars: number };
    const bound = limits.maxEnvelopeChars;
    limits.maxEnvelopeChars = 600;
    try {
      await expectEnvelopeError(sealed({ note: 'x'.repeat(200) }), 'envelope_too_large');
    } finally {
      limits.maxEnvelopeChars = bound;
    }
    expect((await sealed({ note: 'x'.repeat(200) })).envelope.length).toBeGreaterThan(600);
  });

  it.each(['rsa', 'ecdsa', 'ed25519'] as const)(
    'a %s key proof from the page verifies with verifyKeyProof',
    async (algorithm) => {
      const page = await pageKey(keys[algorithm].signer.privateKey);
      const proof = await signKeyProofInPage({ customerId: 'alice', opdId: 'opd', signer: page.signer, now: NOW });
      const verified = verifyKeyProof(proof, {
        customerId: 'alice',
        opdId: 'opd',
        key: keys[algorithm].verifier,
        now: NOW,
      });
      expect(verified).toEqual({ sub: 'alice', aud: 'opd', iat: NOW / 1000, kid: page.signer.kid });
    },
  );

  it.each(['rsa', 'ecdsa', 'ed25519'] as const)(
    'a %s cancellation from the page verifies with verifyCancellation',
    async (algorithm) => {
      const page = await pageKey(keys[algorithm].signer.privateKey);
      const orderId = 'abcdefghijklmnopqrstuvw';
      const jws = await signCancellationInPage({
        customerId: 'alice',
        opdId: 'opd',
        orderId,
        signer: page.signer,
        now: NOW,
      });
      const verified = await verifyCancellation(jws, {
        customerId: 'alice',
        opdId: 'opd',
        orderId,
        customerKey: (kid) => (kid === keys[algorithm].verifier.kid ? keys[algorithm].verifier : undefined),
        now: NOW,
      });
      expect(verified.claims).toMatchObject({ iss: 'alice', aud: 'opd', orderId, iat: NOW / 1000 });
      expect(verified.alg).toBe(page.signer.alg);
    },
  );
});
