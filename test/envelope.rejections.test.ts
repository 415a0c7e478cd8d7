/** Every rejection of docs/envelope.md §6, each with its own code. */
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { encode as b64u } from '../shared/base64url.js';
import { newOrderId, openOrder, parseClaims, sealOrder } from '../shared/envelope/index.js';
import type { OrderClaims } from '../shared/envelope/index.js';
import { encryptJwe } from '../shared/envelope/jwe.js';
import { signJws } from '../shared/envelope/jws.js';
import { KeyError } from '../shared/errors.js';
import { describeKey, signingKey, verificationKey } from '../shared/keys.js';
import { expectEnvelopeError } from './helpers/expect-code.js';
import { customerKeys, openOptions, serverKey } from './helpers/keys.js';
import type { CustomerKey, ServerKey, SigningAlgorithm } from './helpers/keys.js';
import { ORDER_LIMITS } from '../shared/rules.js';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const ITEMS = [{ sku: 'WIDGET-1', qty: 3, unitPriceCents: 1250 }];

let server: ServerKey;
let keys: Record<SigningAlgorithm, CustomerKey>;

beforeAll(async () => {
  [server, keys] = await Promise.all([serverKey(), customerKeys()]);
});

function validClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const claims = { iss: 'alice', aud: server.kid, iat: NOW / 1000, jti: newOrderId(), items: ITEMS, ...overrides };
  const lines = Array.isArray(claims.items) ? (claims.items as Array<{ qty?: unknown; unitPriceCents?: unknown }>) : [];
  const total = lines.reduce((sum, line) => sum + Number(line.qty) * Number(line.unitPriceCents), 0);
  return { currency: 'USD', totalCents: Number.isSafeInteger(total) ? total : 0, ...claims };
}

/** Signs any payload (valid or not) with a real customer key and encrypts it properly: only the claims are wrong. */
function envelopeWithPayload(payload: unknown, algorithm: SigningAlgorithm = 'ed25519'): string {
  const jws = signJws(Buffer.from(JSON.stringify(payload)), keys[algorithm].signer);
  return encryptJwe(Buffer.from(jws), server);
}

/** Builds a JWS with any header and signature bytes, then encrypts it properly. */
function envelopeWithJws(header: Record<string, unknown>, claims: unknown, signer: (input: string) => Buffer): string {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
  return encryptJwe(Buffer.from(`${input}.${b64u(signer(input))}`), server);
}

function open(envelope: string, overrides = {}) {
  const registered = Object.values(keys).map((key) => key.verifier);
  return openOrder(envelope, openOptions(server, registered, { now: NOW, ...overrides }));
}

function seal(algorithm: SigningAlgorithm = 'ed25519', overrides: Partial<Parameters<typeof sealOrder>[0]> = {}) {
  return sealOrder({
    customerId: 'alice',
    items: ITEMS,
    currency: 'USD',
    signer: keys[algorithm].signer,
    server,
    now: NOW,
    ...overrides,
  });
}

describe('outer layer (JWE)', () => {
  it('refuses an oversized envelope before parsing it', async () => {
    await expectEnvelopeError(open('a'.repeat(ORDER_LIMITS.maxEnvelopeChars + 1)), 'envelope_too_large');
    const valid = seal();
    const [header, , iv, , tag] = valid.split('.');
    const padded = `${header}..${iv}.${'A'.repeat(ORDER_LIMITS.maxEnvelopeChars)}.${tag}`;
    await expectEnvelopeError(open(padded), 'envelope_too_large');
  });

  it.each([
    ['not five parts', 'a.b.c'],
    ['six parts', 'a.b.c.d.e.f'],
    ['empty', ''],
    ['header not base64url', '!!!..AAAAAAAAAAAAAAAA.AA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['header not JSON', `${b64u('not json')}..AAAAAAAAAAAAAAAA.AA.AAAAAAAAAAAAAAAAAAAAAA`],
    ['header a JSON array', `${b64u('[1]')}..AAAAAAAAAAAAAAAA.AA.AAAAAAAAAAAAAAAAAAAAAA`],
    [
      'header with a duplicate member',
      `${b64u('{"alg":"ECDH-ES","alg":"dir"}')}..AAAAAAAAAAAAAAAA.AA.AAAAAAAAAAAAAAAAAAAAAA`,
    ],
    ['padding characters', `${b64u('{}')}=..AAAAAAAAAAAAAAAA.AA.AAAAAAAAAAAAAAAAAAAAAA`],
  ])('rejects malformed base64/JSON structure: %s', async (_name, envelope) => {
    await expectEnvelopeError(open(envelope), 'envelope_malformed');
  });

  function withHeader(change: (header: Record<string, unknown>) => void): string {
    const [header, ...rest] = seal().split('.');
    const decoded = JSON.parse(Buffer.from(header!, 'base64url').toString()) as Record<string, unknown>;
    change(decoded);
    return [b64u(JSON.stringify(decoded)), ...rest].join('.');
  }

  it.each([
    ['alg RSA-OAEP', (h: Record<string, unknown>) => (h.alg = 'RSA-OAEP')],
    ['alg dir', (h: Record<string, unknown>) => (h.alg = 'dir')],
    ['enc A128CBC-HS256', (h: Record<string, unknown>) => (h.enc = 'A128CBC-HS256')],
    ['cty missing', (h: Record<string, unknown>) => delete h.cty],
    ['kid missing', (h: Record<string, unknown>) => delete h.kid],
    ['zip', (h: Record<string, unknown>) => (h.zip = 'DEF')],
    ['crit', (h: Record<string, unknown>) => (h.crit = ['exp'])],
    ['epk on P-256', (h: Record<string, unknown>) => (h.epk = { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' })],
    ['epk with a private part', (h: Record<string, unknown>) => ((h.epk as Record<string, unknown>).d = 'AAAA')],
    ['epk x too short', (h: Record<string, unknown>) => ((h.epk as Record<string, unknown>).x = 'AAAA')],
  ])('rejects an unsupported JWE header: %s', async (_name, change) => {
    await expectEnvelopeError(open(withHeader(change)), 'envelope_header_invalid');
  });

  it('rejects an envelope encrypted to an unknown server key ID', async () => {
    const other = await serverKey('retired-key');
    const envelope = sealOrder({
      customerId: 'alice',
      items: ITEMS,
      currency: 'USD',
      signer: keys.ed25519.signer,
      server: other,
      now: NOW,
    });
    await expectEnvelopeError(open(envelope), 'server_key_unknown');
  });

  it('rejects an envelope encrypted to the wrong server key (same kid) with the uniform decryption error', async () => {
    const impostor = await serverKey(server.kid);
    const envelope = sealOrder({
      customerId: 'alice',
      items: ITEMS,
      currency: 'USD',
      signer: keys.ed25519.signer,
      server: impostor,
      now: NOW,
    });
    await expectEnvelopeError(open(envelope), 'decryption_failed');
  });

  it('rejects a low-order ephemeral point with the same uniform error', async () => {
    const [header, ...rest] = seal().split('.');
    const decoded = JSON.parse(Buffer.from(header!, 'base64url').toString()) as { epk: { x: string } };
    decoded.epk.x = b64u(Buffer.alloc(32)); // the all-zero point has order 1
    await expectEnvelopeError(open([b64u(JSON.stringify(decoded)), ...rest].join('.')), 'decryption_failed');
  });

  it('gives one uniform error for a changed IV, ciphertext, tag or header (no decryption oracle)', async () => {
    const parts = seal().split('.');
    const flip = (text: string) => b64u(Buffer.from(text, 'base64url').map((byte, i) => (i === 0 ? byte ^ 1 : byte)));
    for (const index of [2, 3, 4]) {
      const changed = [...parts];
      changed[index] = flip(changed[index]!);
      await expectEnvelopeError(open(changed.join('.')), 'decryption_failed');
    }
    await expectEnvelopeError(open(withHeader((h) => (h.typ = 'JWE'))), 'decryption_failed');
  });
});

describe('inner layer (JWS)', () => {
  it('rejects a signature by a key that is not registered to the customer', async () => {
    const stranger = signingKey(generateKeyPairSync('ed25519').privateKey);
    await expectEnvelopeError(open(seal('ed25519', { signer: stranger })), 'customer_key_unknown');
  });

  it("rejects another customer's key presented under this customer's key ID (wrong customer key)", async () => {
    const mallory = signingKey(generateKeyPairSync('ed25519').privateKey, keys.ed25519.signer.kid);
    await expectEnvelopeError(open(seal('ed25519', { signer: mallory })), 'signature_invalid');
  });

  it.each([
    ['an RSA key presented as DS256', 'rsa', 'DS256'],
    ['an RSA key presented as RS256 (PKCS#1 v1.5)', 'rsa', 'RS256'],
    ['a DSA key presented as ES256', 'dsa', 'ES256'],
    ['an ECDSA key presented as EdDSA', 'ecdsa', 'EdDSA'],
  ] as const)('rejects %s', async (_name, algorithm, alg) => {
    const { signer } = keys[algorithm];
    const envelope = envelopeWithJws({ alg, kid: signer.kid, typ: 'po-order+jws' }, validClaims(), (input) =>
      sign('sha256', Buffer.from(input), signer.privateKey),
    );
    await expectEnvelopeError(open(envelope), 'algorithm_mismatch');
  });

  it('rejects alg "none" with an empty signature', async () => {
    const envelope = envelopeWithJws(
      { alg: 'none', kid: keys.rsa.signer.kid, typ: 'po-order+jws' },
      validClaims(),
      () => Buffer.alloc(0),
    );
    await expectEnvelopeError(open(envelope), 'algorithm_mismatch');
  });

  it('rejects HS256 keyed with the public key (the classic algorithm-confusion attack)', async () => {
    const { verifier } = keys.rsa;
    const publicPem = verifier.publicKey.export({ type: 'spki', format: 'pem' });
    const envelope = envelopeWithJws({ alg: 'HS256', kid: verifier.kid, typ: 'po-order+jws' }, validClaims(), (input) =>
      createHmac('sha256', publicPem).update(input).digest(),
    );
    await expectEnvelopeError(open(envelope), 'algorithm_mismatch');
  });

  it.each([
    ['a wrong typ', { typ: 'JWT' }],
    ['no typ', { typ: undefined }],
    ['a crit member', { crit: ['b64'], b64: false }],
    ['an embedded jwk', { jwk: { kty: 'OKP' } }],
  ])('rejects a JWS header with %s', async (_name, extra) => {
    const { signer } = keys.ed25519;
    const header = JSON.parse(
      JSON.stringify({ alg: 'EdDSA', kid: signer.kid, typ: 'po-order+jws', ...extra }),
    ) as Record<string, unknown>;
    const envelope = envelopeWithJws(header, validClaims(), (input) =>
      sign(null, Buffer.from(input), signer.privateKey),
    );
    await expectEnvelopeError(open(envelope), 'signature_malformed');
  });

  it('rejects content that is not a compact JWS', async () => {
    await expectEnvelopeError(open(encryptJwe(Buffer.from('hello'), server)), 'signature_malformed');
    await expectEnvelopeError(open(encryptJwe(Buffer.from([0xff, 0xfe, 0x00]), server)), 'signature_malformed');
  });

  it.each(['rsa', 'dsa', 'ecdsa', 'ed25519'] as const)(
    'rejects a %s signature made over other content',
    async (algorithm) => {
      const jws = signJws(Buffer.from(JSON.stringify(validClaims())), keys[algorithm].signer);
      const other = signJws(
        Buffer.from(JSON.stringify(validClaims({ items: [{ sku: 'WIDGET-1', qty: 300, unitPriceCents: 1250 }] }))),
        keys[algorithm].signer,
      );
      const spliced = `${jws.split('.').slice(0, 2).join('.')}.${other.split('.')[2]}`;
      await expectEnvelopeError(open(encryptJwe(Buffer.from(spliced), server)), 'signature_invalid');
    },
  );
});

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
