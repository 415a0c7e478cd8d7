/**
 * Receipts and evidence bundles (docs/evidence.md): a valid bundle verifies for every signature algorithm; each check
 * fails with its own code for its own reason; jose verifies receipts.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { compactVerify, importJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { encode as b64u } from '../shared/base64url.js';
import { prepareOrder } from '../shared/envelope/index.js';
import { signJws } from '../shared/envelope/jws.js';
import { evidenceBundle, parseEvidence } from '../shared/evidence.js';
import { verifyEvidence } from '../shared/evidence-node.js';
import { exportPublicKeyPem, spkiFingerprint } from '../shared/keys.js';
import {
  RECEIPT_TYP,
  jwsDigest,
  receiptClaims,
  receiptKeyFromJwk,
  receiptKeyJwk,
  signReceipt,
  verifyReceipt,
} from '../shared/receipts.js';
import type { AcceptedOrder, ReceiptClaims } from '../shared/receipts.js';
import { ITEMS, NOW } from './helpers/evidence.js';
import { SIGNING_ALGORITHMS, keys, makeKeysBeforeAll, server } from './helpers/keys.js';
import { accepted, bundle, clone, failsWith, order, receiptSigner } from './helpers/bundles.js';

makeKeysBeforeAll();

describe('receipts', () => {
  it('sign and verify: the claims come back exactly, naming the digest of the order JWS', () => {
    const prepared = order();
    const claims = receiptClaims(accepted(prepared, 'ed25519'));
    const receipt = signReceipt(claims, receiptSigner);
    expect(JSON.parse(Buffer.from(receipt.split('.')[0]!, 'base64url').toString())).toEqual({
      alg: 'EdDSA',
      kid: receiptSigner.kid,
      typ: RECEIPT_TYP,
    });
    expect(verifyReceipt(receipt, receiptKeyFromJwk(receiptKeyJwk(receiptSigner.publicKey)))).toEqual(claims);
    expect(claims.orderDigest).toBe(jwsDigest(prepared.jws));
    expect(claims).toMatchObject({ iat: Math.floor((NOW + 1500) / 1000), status: 'accepted', totalCents: 4749 });
  });

  it('verify with jose, the stock JOSE library, from the published JWK alone', async () => {
    const receipt = signReceipt(receiptClaims(accepted(order(), 'ed25519')), receiptSigner);
    const { payload, protectedHeader } = await compactVerify(
      receipt,
      await importJWK(receiptKeyJwk(receiptSigner.publicKey), 'EdDSA'),
    );
    expect(protectedHeader.typ).toBe('po-receipt+jwt');
    expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({ sub: 'alice', currency: 'USD' });
  });

  it('a published key whose ID is not its fingerprint is refused', () => {
    const jwk = { ...receiptKeyJwk(receiptSigner.publicKey), kid: 'receipt-1' };
    expect(() => receiptKeyFromJwk(jwk)).toThrow(expect.objectContaining({ code: 'key_id_mismatch' }));
  });
});

describe('evidence bundles: valid', () => {
  it.each(SIGNING_ALGORITHMS)('a %s order with its receipt verifies and says what it proves', async (algorithm) => {
    const valid = bundle(algorithm);
    const verified = await verifyEvidence(parseEvidence(JSON.parse(JSON.stringify(valid))));
    expect(verified.order).toMatchObject({ iss: 'alice', items: ITEMS, currency: 'USD', totalCents: 4749 });
    expect(verified.receipt.orderId).toBe(verified.order.jti);
    expect(verified.customerKey).toEqual({
      kid: keys[algorithm].signer.kid,
      alg: keys[algorithm].signer.alg,
      fingerprint: spkiFingerprint(keys[algorithm].verifier.publicKey),
    });
    expect(verified.receiptKey).toEqual({ kid: receiptSigner.kid, fingerprint: receiptSigner.kid });
  });

  it('a customer key registered under a name of its own verifies: the receipt binds the name to the key', async () => {
    const pair = generateKeyPairSync('ed25519');
    const signer = { alg: 'EdDSA' as const, kid: 'alice-laptop', privateKey: pair.privateKey };
    const prepared = prepareOrder({ customerId: 'alice', items: ITEMS, currency: 'USD', signer, server, now: NOW });
    const receipt = signReceipt(
      receiptClaims({ ...accepted(prepared, 'ed25519'), customerKeyFingerprint: spkiFingerprint(pair.publicKey) }),
      receiptSigner,
    );
    const custom = evidenceBundle({
      orderJws: prepared.jws,
      customerKey: { kid: 'alice-laptop', alg: 'EdDSA', publicKeyPem: exportPublicKeyPem(pair.publicKey) },
      receiptJws: receipt,
      receiptKey: receiptKeyJwk(receiptSigner.publicKey),
    });
    expect((await verifyEvidence(custom)).customerKey.kid).toBe('alice-laptop');
  });
});

describe('evidence bundles: each check, for its own reason', () => {
  it('checks the shape itself, whoever assembled the bundle (a file, or the OPD’s answers in po)', async () => {
    const extra = { ...bundle(), comment: 'added' };
    await expect(verifyEvidence(extra)).rejects.toThrow(expect.objectContaining({ code: 'evidence_malformed' }));
    const oddAlg = clone(bundle());
    (oddAlg.order.customerKey as Record<string, unknown>).alg = 'none';
    await expect(verifyEvidence(oddAlg)).rejects.toThrow(expect.objectContaining({ code: 'evidence_malformed' }));
  });

  it.each([
    ['not an object', () => 'a bundle'],
    ['another format', () => ({ ...bundle(), format: 'po-evidence-2' })],
    ['version 2', () => ({ ...bundle(), version: 2 })],
    ['an extra member', () => ({ ...bundle(), comment: 'hi' })],
    ['the receipt missing', () => ({ ...bundle(), receipt: undefined })],
    [
      'an extra JWK member (a private part)',
      () => {
        const b = clone(bundle());
        (b.receipt.key as Record<string, unknown>).d = 'AAAA';
        return b;
      },
    ],
    [
      'an unknown signature algorithm',
      () => {
        const b = clone(bundle());
        (b.order.customerKey as Record<string, unknown>).alg = 'RS256';
        return b;
      },
    ],
  ])('evidence_malformed: %s', async (_name, make) => {
    await failsWith(make(), 'evidence_malformed');
  });

  it('evidence_key_invalid: the customer key is unusable, too small, reformatted or not of the stated algorithm', async () => {
    const b = clone(bundle());
    b.order.customerKey.publicKeyPem = '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n';
    await failsWith(b, 'evidence_key_invalid');

    const small = clone(bundle());
    small.order.customerKey.publicKeyPem = exportPublicKeyPem(
      generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey,
    );
    expect((await failsWith(small, 'evidence_key_invalid')).message).toMatch(/at least 2048/);

    const crlf = clone(bundle());
    crlf.order.customerKey.publicKeyPem = crlf.order.customerKey.publicKeyPem.replace(/\n/g, '\r\n');
    expect((await failsWith(crlf, 'evidence_key_invalid')).message).toMatch(/canonical/);

    const stated = clone(bundle('ed25519'));
    stated.order.customerKey.alg = 'ES256';
    await failsWith(stated, 'evidence_key_invalid');
  });

  it('evidence_key_invalid: the receipt key is not a valid Ed25519 key', async () => {
    const b = clone(bundle());
    b.receipt.key.x = `${b.receipt.key.x.slice(0, 42)}_`; // 43 characters, but not canonical base64url of 32 bytes
    await failsWith(b, 'evidence_key_invalid');
  });

  it('key_id_mismatch: the order names another key ID than the bundle', async () => {
    const b = clone(bundle());
    b.order.customerKey.kid = 'someone-else';
    await failsWith(b, 'key_id_mismatch');
  });

  it('key_id_mismatch: the receipt key ID is not its fingerprint', async () => {
    const b = clone(bundle());
    b.receipt.key.kid = spkiFingerprint(generateKeyPairSync('ed25519').publicKey);
    await failsWith(b, 'key_id_mismatch');
  });

  it('key_id_mismatch: the OPD verified the order with another key than the bundle presents', async () => {
    const other = spkiFingerprint(generateKeyPairSync('ed25519').publicKey);
    await failsWith(bundle('ed25519', { order: { customerKeyFingerprint: other } }), 'key_id_mismatch');
  });

  it('key_id_mismatch: the receipt names another receipt key than the bundle carries', async () => {
    const b = clone(bundle());
    const [, payload, signature] = b.receipt.jws.split('.');
    const header = b64u(JSON.stringify({ alg: 'EdDSA', kid: 'other-receipt-key', typ: RECEIPT_TYP }));
    b.receipt.jws = `${header}.${payload}.${signature}`;
    await failsWith(b, 'key_id_mismatch');
  });

  it('order_signature_invalid: a signature over other content, or an alg that is not the key’s', async () => {
    const b = clone(bundle());
    const [header, payload] = b.order.jws.split('.');
    const other = order().jws.split('.')[2]; // a real signature of the same key over another order (new jti)
    b.order.jws = `${header}.${payload}.${other}`;
    await failsWith(b, 'order_signature_invalid');

    const lying = clone(bundle('ed25519'));
    const signer = keys.ed25519.signer;
    const input = `${b64u(JSON.stringify({ alg: 'PS256', kid: signer.kid, typ: 'po-order+jws' }))}.${lying.order.jws.split('.')[1]}`;
    lying.order.jws = `${input}.${b64u(sign(null, Buffer.from(input), signer.privateKey))}`;
    expect((await failsWith(lying, 'order_signature_invalid')).message).toMatch(/alg PS256/);
  });

  it('order_claims_invalid: a properly signed order without a total', async () => {
    const b = clone(bundle());
    const claims = { ...order().claims } as Record<string, unknown>;
    delete claims.totalCents;
    b.order.jws = signJws(Buffer.from(JSON.stringify(claims)), keys.ed25519.signer);
    await failsWith(b, 'order_claims_invalid');
  });

  it('receipt_malformed: not a receipt JWS, another typ, or a payload missing a member', async () => {
    const b = clone(bundle());
    b.receipt.jws = 'not.a.receipt';
    await failsWith(b, 'receipt_malformed');

    const orderTyped = clone(bundle());
    const claims = JSON.parse(Buffer.from(orderTyped.receipt.jws.split('.')[1]!, 'base64url').toString()) as object;
    orderTyped.receipt.jws = signJws(Buffer.from(JSON.stringify(claims)), { ...receiptSigner, alg: 'EdDSA' });
    await failsWith(orderTyped, 'receipt_malformed'); // typ po-order+jws: an order cannot pass for a receipt

    await failsWith(
      bundle('ed25519', {
        claims: (c) => Object.fromEntries(Object.entries(c).filter(([name]) => name !== 'status')) as ReceiptClaims,
      }),
      'receipt_malformed',
    );
  });

  it('receipt_signature_invalid: a receipt signed by another key under the published key ID', async () => {
    const b = clone(bundle());
    const impostor = { kid: receiptSigner.kid, privateKey: generateKeyPairSync('ed25519').privateKey };
    const claims = JSON.parse(Buffer.from(b.receipt.jws.split('.')[1]!, 'base64url').toString()) as ReceiptClaims;
    b.receipt.jws = signReceipt(claims, impostor);
    await failsWith(b, 'receipt_signature_invalid');
  });

  it('order_digest_mismatch: the receipt acknowledges another signed order with the same content', async () => {
    await failsWith(bundle('ed25519', { order: { orderJws: order('ecdsa').jws } }), 'order_digest_mismatch');
  });

  it.each([
    ['another customer', { customerId: 'bob' }],
    ['another order ID', { orderId: 'BBBBBBBBBBBBBBBBBBBBBB' }],
    ['another quantity', { lines: [{ ...ITEMS[0]!, qty: 4 }, ITEMS[1]!] }],
    ['another unit price', { lines: [{ ...ITEMS[0]!, unitPriceCents: 1200 }, ITEMS[1]!] }],
    ['another SKU', { lines: [{ ...ITEMS[0]!, sku: 'WIDGET-2' }, ITEMS[1]!] }],
    ['a line less', { lines: [ITEMS[0]!] }],
    ['the lines in another order', { lines: [ITEMS[1]!, ITEMS[0]!] }],
    ['another currency', { currency: 'EUR' }],
    ['another total', { totalCents: 4750 }],
    ['accepted 301 s after signing', { acceptedAt: NOW + 301_000 }],
    ['accepted 301 s before signing', { acceptedAt: NOW - 301_000 }],
  ] as Array<[string, Partial<AcceptedOrder>]>)('receipt_mismatch: %s', async (_name, change) => {
    await failsWith(bundle('ed25519', { order: change }), 'receipt_mismatch');
  });
});
