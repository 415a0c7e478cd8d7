/** Every rejection of docs/envelope.md §6 in the two layers: the outer JWE, then the inner JWS. */
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { describe, it } from 'vitest';
import { encode as b64u } from '../shared/base64url.js';
import { sealOrder } from '../shared/envelope/index.js';
import { encryptJwe } from '../shared/envelope/jwe.js';
import { signJws } from '../shared/envelope/jws.js';
import { signingKey } from '../shared/keys.js';
import { expectEnvelopeError } from './helpers/expect-code.js';
import { ORDER_LIMITS } from '../shared/rules.js';
import { ITEMS, NOW, envelopeWithJws, open, seal, validClaims } from './helpers/rejections.js';
import { keys, makeKeysBeforeAll, server, serverKey } from './helpers/keys.js';

makeKeysBeforeAll();

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
