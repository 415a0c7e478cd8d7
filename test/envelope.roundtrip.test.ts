import { beforeAll, describe, expect, it } from 'vitest';
import { openOrder, sealOrder } from '../shared/envelope/index.js';
import { parsePrivateKeyPem, parsePublicKeyPem, requireX25519, signingKey, verificationKey } from '../shared/keys.js';
import { SIGNING_ALGORITHMS, customerKeys, openOptions, serverKey } from './helpers/keys.js';
import type { CustomerKey, ServerKey, SigningAlgorithm } from './helpers/keys.js';
import { OPENSSL_GENPKEY_ARGS, opensslDsaKey, opensslKey, tempDir } from './helpers/openssl.js';

const ITEMS = [
  { sku: 'WIDGET-1', qty: 3, unitPriceCents: 1250 },
  { sku: 'gadget.2', qty: 1, unitPriceCents: 0 },
];

describe('seal then open', () => {
  let server: ServerKey;
  let keys: Record<SigningAlgorithm, CustomerKey>;

  beforeAll(async () => {
    [server, keys] = await Promise.all([serverKey(), customerKeys()]);
  });

  it.each(SIGNING_ALGORITHMS)('round-trips an order signed with %s', async (algorithm) => {
    const { signer, verifier } = keys[algorithm];
    const now = Date.UTC(2026, 10, 22, 12, 0, 0);
    const envelope = sealOrder({
      customerId: 'alice',
      items: ITEMS,
      currency: 'EUR',
      note: 'deliver to dock 4\nthanks',
      signer,
      server,
      now,
    });
    const opened = await openOrder(envelope, openOptions(server, [verifier], { now: now + 1000 }));

    expect(opened.claims).toEqual({
      iss: 'alice',
      aud: server.kid,
      iat: now / 1000,
      jti: expect.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_-]{22}$/) as unknown,
      items: ITEMS,
      currency: 'EUR',
      totalCents: 3750,
      note: 'deliver to dock 4\nthanks',
    });
    expect(opened.alg).toBe(signer.alg);
    expect(opened.customerKeyId).toBe(verifier.kid);
    expect(opened.serverKeyId).toBe(server.kid);
    // The evidence is the JWS exactly as signed: three base64url parts, kept verbatim.
    expect(opened.jws).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  it('gives every order a fresh 128-bit jti and a fresh ephemeral key', async () => {
    const { signer, verifier } = keys.ed25519;
    const envelopes = Array.from({ length: 20 }, () =>
      sealOrder({ customerId: 'alice', items: ITEMS, currency: 'USD', signer, server }),
    );
    const opened = await Promise.all(envelopes.map((e) => openOrder(e, openOptions(server, [verifier]))));
    expect(new Set(opened.map((o) => o.claims.jti)).size).toBe(20);
    expect(new Set(envelopes.map((e) => e.split('.')[0])).size).toBe(20);
  });

  it('opens with the key a customer chose among several registered ones', async () => {
    const registered = SIGNING_ALGORITHMS.map((algorithm) => keys[algorithm].verifier);
    for (const algorithm of SIGNING_ALGORITHMS) {
      const envelope = sealOrder({
        customerId: 'alice',
        items: ITEMS,
        currency: 'USD',
        signer: keys[algorithm].signer,
        server,
      });
      const opened = await openOrder(envelope, openOptions(server, registered));
      expect(opened.alg).toBe(keys[algorithm].signer.alg);
    }
  });
});

describe('keys made by openssl genpkey', () => {
  const dir = tempDir();
  const cases = [
    { name: 'RSA 2048', alg: 'PS256', files: () => opensslKey(dir, 'rsa', OPENSSL_GENPKEY_ARGS.rsa) },
    { name: 'DSA 2048/224', alg: 'DS256', files: () => opensslDsaKey(dir, 'dsa', 2048, 224) },
    { name: 'EC P-256', alg: 'ES256', files: () => opensslKey(dir, 'ec', OPENSSL_GENPKEY_ARGS.ec) },
    { name: 'Ed25519', alg: 'EdDSA', files: () => opensslKey(dir, 'ed', OPENSSL_GENPKEY_ARGS.ed25519) },
    {
      name: 'Ed25519, passphrase-encrypted PKCS#8',
      alg: 'EdDSA',
      files: () => opensslKey(dir, 'ed-enc', OPENSSL_GENPKEY_ARGS.ed25519, 'correct horse battery'),
      passphrase: 'correct horse battery',
    },
  ] as const;

  it.each(cases)('round-trips with an OpenSSL $name key and an OpenSSL X25519 server key', async (testCase) => {
    const customerFiles = testCase.files();
    const serverFiles = opensslKey(dir, `server-${testCase.alg}`, OPENSSL_GENPKEY_ARGS.x25519);
    const server = {
      kid: 'openssl-server',
      privateKey: requireX25519(parsePrivateKeyPem(serverFiles.privatePem), 'private'),
      publicKey: requireX25519(parsePublicKeyPem(serverFiles.publicPem), 'public'),
    };
    const signer = signingKey(
      parsePrivateKeyPem(customerFiles.privatePem, 'passphrase' in testCase ? testCase.passphrase : undefined),
    );
    const verifier = verificationKey(parsePublicKeyPem(customerFiles.publicPem));
    expect(signer.alg).toBe(testCase.alg);
    expect(signer.kid).toBe(verifier.kid); // the default kid is the same from either half of the pair

    const envelope = sealOrder({ customerId: 'alice', items: ITEMS, currency: 'USD', signer, server });
    const opened = await openOrder(envelope, openOptions(server, [verifier]));
    expect(opened.claims.items).toEqual(ITEMS);
  });
});

describe('order IDs', () => {
  it('carry more than 128 random bits and never start with "-" (so no ID is taken for a CLI option)', async () => {
    const { newOrderId } = await import('../shared/envelope/index.js');
    const ids = Array.from({ length: 5000 }, () => newOrderId());
    expect(ids.every((id) => /^[A-Za-z0-9_][A-Za-z0-9_-]{22}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
