/** Every rejection of docs/envelope.md §6 in the claims: who, for whom, when, what; the size bound and key sizes. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseClaims } from '../shared/envelope/index.js';
import type { OrderClaims } from '../shared/envelope/index.js';
import { encryptJwe } from '../shared/envelope/jwe.js';
import { signJws } from '../shared/envelope/jws.js';
import { KeyError } from '../shared/errors.js';
import { describeKey, signingKey, verificationKey } from '../shared/keys.js';
import { expectEnvelopeError } from './helpers/expect-code.js';
import { ORDER_LIMITS } from '../shared/rules.js';
import { NOW, envelopeWithPayload, open, seal, validClaims } from './helpers/rejections.js';
import { keys, makeKeysBeforeAll, server } from './helpers/keys.js';

makeKeysBeforeAll();

describe('claims', () => {
  it('rejects an order issued in the name of another customer', async () => {
    await expectEnvelopeError(open(seal('ed25519', { customerId: 'bob' })), 'issuer_mismatch');
  });

  it('rejects an order signed for another server key than it is encrypted to (surreptitious forwarding)', async () => {
    await expectEnvelopeError(open(envelopeWithPayload(validClaims({ aud: 'server-0' }))), 'audience_mismatch');
  });

  it('accepts iat at the edges of the 300 s window and rejects beyond them', async () => {
    const window = ORDER_LIMITS.maxClockSkewSeconds * 1000;
    await expect(open(seal(), { now: NOW + window })).resolves.toBeDefined();
    await expect(open(seal(), { now: NOW - window })).resolves.toBeDefined();
    await expectEnvelopeError(open(seal(), { now: NOW + window + 1000 }), 'iat_too_old');
    await expectEnvelopeError(open(seal(), { now: NOW - window - 1000 }), 'iat_in_future');
  });

  it.each([
    ['payload not JSON', () => 'not json'],
    ['payload a JSON array', () => JSON.stringify([validClaims()])],
    ['iss missing', () => JSON.stringify(validClaims({ iss: undefined }))],
    ['aud missing', () => JSON.stringify(validClaims({ aud: undefined }))],
    ['iat missing', () => JSON.stringify(validClaims({ iat: undefined }))],
    ['jti missing', () => JSON.stringify(validClaims({ jti: undefined }))],
    ['items missing', () => JSON.stringify(validClaims({ items: undefined }))],
    ['an extra claim (exp)', () => JSON.stringify(validClaims({ exp: NOW / 1000 + 60 }))],
    ['a duplicate claim (two iss)', () => `{"iss":"mallory",${JSON.stringify(validClaims()).slice(1)}`],
    ['a duplicate member in a line', () => JSON.stringify(validClaims()).replace('"qty":3', '"qty":3,"qty":300')],
    ['an extra claim (__proto__)', () => `{"__proto__":{"admin":true},${JSON.stringify(validClaims()).slice(1)}`],
    ['iat as a string', () => JSON.stringify(validClaims({ iat: String(NOW / 1000) }))],
    ['iat fractional', () => JSON.stringify(validClaims({ iat: NOW / 1000 + 0.5 }))],
    ['iss a number', () => JSON.stringify(validClaims({ iss: 42 }))],
    ['iss with spaces', () => JSON.stringify(validClaims({ iss: 'alice smith' }))],
    ['jti too short (under 128 bits)', () => JSON.stringify(validClaims({ jti: 'abc' }))],
    ['jti with non-base64url characters', () => JSON.stringify(validClaims({ jti: 'a'.repeat(21) + '/' }))],
    ['note not a string', () => JSON.stringify(validClaims({ note: 7 }))],
    ['note with control characters', () => JSON.stringify(validClaims({ note: 'a\u001b[31mred' }))],
    ['note too long', () => JSON.stringify(validClaims({ note: 'x'.repeat(ORDER_LIMITS.maxNoteLength + 1) }))],
    ['note with a lone surrogate (escaped)', () => JSON.stringify(validClaims({ note: 'pump \ud800' }))],
    ['note with a C1 control (U+0085, next line)', () => JSON.stringify(validClaims({ note: 'dock\u00854' }))],
    [
      'note with a C1 control (U+009B, an escape introducer)',
      () => JSON.stringify(validClaims({ note: '\u009b31mred' })),
    ],
    ['note with a C1 control (U+009D)', () => JSON.stringify(validClaims({ note: 'a\u009db' }))],
    ['note with a carriage return', () => JSON.stringify(validClaims({ note: 'a\r\nb' }))],
    [
      'version 1 claims (lines without prices, no currency, no total)',
      () => JSON.stringify(validClaims({ items: [{ sku: 'A', qty: 3 }], currency: undefined, totalCents: undefined })),
    ],
    [
      'lines the schema refuses and a claim missing (the claims decide the code: §6 step 10 before 10a)',
      () => JSON.stringify(validClaims({ items: [{ sku: 'A', qty: 0, unitPriceCents: 1 }], iss: undefined })),
    ],
    ['currency missing', () => JSON.stringify(validClaims({ currency: undefined }))],
    ['currency in lower case', () => JSON.stringify(validClaims({ currency: 'usd' }))],
    ['currency not a code', () => JSON.stringify(validClaims({ currency: 'US$' }))],
    ['totalCents missing', () => JSON.stringify(validClaims({ totalCents: undefined }))],
    ['totalCents one cent less than the lines', () => JSON.stringify(validClaims({ totalCents: 3 * 1250 - 1 }))],
    ['totalCents one cent more than the lines', () => JSON.stringify(validClaims({ totalCents: 3 * 1250 + 1 }))],
    ['totalCents as a string', () => JSON.stringify(validClaims({ totalCents: String(3 * 1250) }))],
    ['totalCents fractional', () => JSON.stringify(validClaims({ totalCents: 3 * 1250 + 0.5 }))],
    ['totalCents negative', () => JSON.stringify(validClaims({ totalCents: -3750 }))],
  ])('rejects claims with %s', async (_name, payload) => {
    const jws = signJws(Buffer.from(payload()), keys.ed25519.signer);
    await expectEnvelopeError(open(encryptJwe(Buffer.from(jws), server)), 'claims_invalid');
  });

  it.each([
    ['zero quantity', [{ sku: 'A', qty: 0, unitPriceCents: 100 }]],
    ['negative quantity', [{ sku: 'A', qty: -1, unitPriceCents: 100 }]],
    ['fractional quantity', [{ sku: 'A', qty: 1.5, unitPriceCents: 100 }]],
    ['huge quantity', [{ sku: 'A', qty: ORDER_LIMITS.maxQuantity + 1, unitPriceCents: 100 }]],
    ['quantity beyond 2^53', [{ sku: 'A', qty: 2 ** 60, unitPriceCents: 100 }]],
    ['quantity as a string', [{ sku: 'A', qty: '3', unitPriceCents: 100 }]],
    ['a line without a unit price', [{ sku: 'A', qty: 1 }]],
    ['a negative unit price', [{ sku: 'A', qty: 1, unitPriceCents: -1 }]],
    ['a fractional unit price (a float)', [{ sku: 'A', qty: 1, unitPriceCents: 12.5 }]],
    ['a unit price as a string', [{ sku: 'A', qty: 1, unitPriceCents: '100' }]],
    ['a unit price over the bound', [{ sku: 'A', qty: 1, unitPriceCents: ORDER_LIMITS.maxUnitPriceCents + 1 }]],
    ['a unit price beyond 2^53', [{ sku: 'A', qty: 1, unitPriceCents: 2 ** 60 }]],
    ['no lines', []],
    ['items not an array', { sku: 'A', qty: 1, unitPriceCents: 100 }],
    ['a line without sku', [{ qty: 1, unitPriceCents: 100 }]],
    ['a line with an extra field', [{ sku: 'A', qty: 1, unitPriceCents: 100, price: 0 }]],
    ['an invalid sku', [{ sku: '../etc/passwd', qty: 1, unitPriceCents: 100 }]],
    [
      'the same sku twice',
      [
        { sku: 'A', qty: 1, unitPriceCents: 100 },
        { sku: 'A', qty: 2, unitPriceCents: 100 },
      ],
    ],
  ])('rejects items with %s', async (_name, items) => {
    await expectEnvelopeError(open(envelopeWithPayload(validClaims({ items }))), 'items_invalid');
  });

  it('orders its checks as docs/envelope.md §6 does: claims and their types, then the lines, then the claims’ rules', async () => {
    const badLine = [{ sku: 'A', qty: 0, unitPriceCents: 1 }];
    // A line ill-formed and a claim breaking its pattern (10c): the line decides.
    await expectEnvelopeError(
      open(envelopeWithPayload(validClaims({ items: badLine, iss: 'alice smith' }))),
      'items_invalid',
    );
    // A line ill-formed and a claim of the wrong type (10): the claim decides.
    await expectEnvelopeError(open(envelopeWithPayload(validClaims({ items: badLine, iat: 'now' }))), 'claims_invalid');
  });

  it('rejects too many lines', async () => {
    const items = Array.from({ length: ORDER_LIMITS.maxItems + 1 }, (_, i) => ({
      sku: `SKU-${i}`,
      qty: 1,
      unitPriceCents: 1,
    }));
    await expectEnvelopeError(open(envelopeWithPayload(validClaims({ items }))), 'too_many_items');
    const most = items.slice(0, ORDER_LIMITS.maxItems);
    await expect(open(envelopeWithPayload(validClaims({ items: most })))).resolves.toBeDefined();
  });

  it('validates claims when sealing too, so a client hears about a bad line before sending', () => {
    expect(() => seal('ed25519', { items: [{ sku: 'A', qty: 0, unitPriceCents: 100 }] })).toThrow(
      expect.objectContaining({ code: 'items_invalid' }),
    );
  });
});

describe('size bound', () => {
  it('fits the largest valid order signed with the largest accepted key (RSA 8192) within the bound', () => {
    // The largest order the claims allow: longest IDs, every line at its longest, the longest note in 3-byte characters.
    const longKid = 'k'.repeat(128);
    const claims: OrderClaims = {
      iss: 'c'.repeat(128),
      aud: 's'.repeat(128),
      iat: NOW / 1000,
      jti: 'j'.repeat(86),
      items: Array.from({ length: ORDER_LIMITS.maxItems }, (_, i) => ({
        sku: `${i}`.padEnd(64, 'x'),
        qty: ORDER_LIMITS.maxQuantity,
        unitPriceCents: ORDER_LIMITS.maxUnitPriceCents,
      })),
      currency: 'USD',
      totalCents: ORDER_LIMITS.maxTotalCents,
      note: '€'.repeat(ORDER_LIMITS.maxNoteLength),
    };
    const signer = { ...keys.rsa.signer, kid: longKid };
    const jws = signJws(Buffer.from(JSON.stringify(claims)), signer);
    const envelope = encryptJwe(Buffer.from(jws), { kid: 's'.repeat(128), publicKey: server.publicKey });
    // The test key is RSA 2048 (256-byte signature); an RSA 8192 signature is 1024 bytes. Account for the difference.
    const b64Length = (bytes: number) => Math.ceil((bytes * 4) / 3);
    const jwsAt8192 = jws.length - b64Length(256) + b64Length(1024);
    const envelopeAt8192 = envelope.length - b64Length(jws.length) + b64Length(jwsAt8192);
    expect(envelopeAt8192).toBeLessThanOrEqual(ORDER_LIMITS.maxEnvelopeChars);
  });
});

describe('customer keys below the minimum', () => {
  it.each([
    ['RSA 1024', () => generateKeyPairSync('rsa', { modulusLength: 1024 })],
    ['RSA 2047', () => generateKeyPairSync('rsa', { modulusLength: 2047 })],
    ['DSA 1024/160', () => generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 })],
  ])('refuses to register or sign with %s', (_name, make) => {
    const pair = make();
    for (const use of [
      () => verificationKey(pair.publicKey),
      () => signingKey(pair.privateKey),
      () => describeKey(pair.publicKey),
    ]) {
      expect(use).toThrow(KeyError);
      expect(use).toThrow(expect.objectContaining({ code: 'key_too_small' }));
    }
  });
});

describe('claim errors speak of lines and quantities, never of JSON paths', () => {
  const base = {
    iss: 'alice',
    aud: 'k1',
    iat: 1,
    jti: 'AAAAAAAAAAAAAAAAAAAAAA',
    items: [
      { sku: 'W-1', qty: 1, unitPriceCents: 100 },
      { sku: 'W-2', qty: 1, unitPriceCents: 100 },
    ],
    currency: 'USD',
    totalCents: 200,
  };
  it.each([
    [
      { items: [base.items[0]!, { sku: 'W-2', qty: 0, unitPriceCents: 100 }], totalCents: 100 },
      'line 2: quantity must be at least 1',
    ],
    [{ items: [{ ...base.items[0]!, colour: 'red' }, base.items[1]!] }, 'line 1: unknown member "colour"'],
    [
      { totalCents: 199 },
      'total (totalCents) must equal the sum of quantity × unit price (unitPriceCents) over the lines',
    ],
    [{ jti: undefined }, 'order ID (jti): missing, or not a string'],
    [{ extra: true }, 'unknown member "extra"'],
  ])('%j', (change, message) => {
    let thrown: unknown;
    try {
      parseClaims({ ...base, ...change });
    } catch (error) {
      thrown = error;
    }
    expect((thrown as Error).message).toBe(message);
    expect((thrown as Error).message).not.toMatch(/items\.\d|\^|\[A-Z/);
  });
});
