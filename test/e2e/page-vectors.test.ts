/**
 * The page's envelope code (web/crypto/) in real Chromium against the published vectors (docs/envelope-vectors.json)
 * and the OPD's verifiers: test/web-seal.test.ts shows it with Node's WebCrypto, this with the browser's own. The code
 * is bundled from test/helpers/page-crypto-entry.ts and run on an empty page; no local stack is needed.
 *
 * CryptoKeys cannot cross `page.evaluate`: the fixed inputs go in as base64url and PEM, the results come out as text.
 */
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { encode as b64u } from '../../shared/base64url.js';
import { verifyCancellation } from '../../shared/cancellations.js';
import { openOrder } from '../../shared/envelope/index.js';
import { verifyKeyProof } from '../../shared/key-proofs.js';
import { parsePublicKeyPem, spkiFingerprint, verificationKey } from '../../shared/keys.js';
import { exportPrivateKeyPem } from '../../shared/keygen.js';
import { chromiumForThisFile, tampered } from '../helpers/console-e2e.js';
import { rawPrivateKey } from '../helpers/keys.js';
import type { pageCrypto } from '../helpers/page-crypto-entry.js';
import { serverPrivateKey, vectors } from '../helpers/envelope-vectors.js';
import type { Vector } from '../helpers/envelope-vectors.js';
import { labelBytes } from '../helpers/page-keys.js';

/** The server key as `GET /server-key` publishes it: what the page imports. */
const publishedServer = { kid: vectors.server.kid, publicKeyPem: vectors.server.publicKeyPem };

/** What the page is given: the vector's order (its claims less what sealing computes) and its fixed inputs. */
function pageInputs(vector: Vector) {
  const { claims } = vector;
  return {
    server: publishedServer,
    ephemeral: b64u(labelBytes(vector.ephemeralKeyLabel)),
    iv: vector.iv,
    order: {
      customerId: claims.iss,
      items: claims.items,
      currency: claims.currency,
      ...(claims.note === undefined ? {} : { note: claims.note }),
      now: claims.iat * 1000,
      jti: claims.jti,
    },
  };
}

/** The OPD's code opens `envelope` as the vector's customer, with the vector's server key and `publicKeyPem`. */
function openAsOpd(envelope: string, vector: Vector, publicKeyPem: string) {
  const key = verificationKey(parsePublicKeyPem(publicKeyPem));
  return openOrder(envelope, {
    customerId: vector.customerId,
    serverKey: (kid) => (kid === vectors.server.kid ? serverPrivateKey : undefined),
    customerKey: (kid) => (kid === key.kid ? key : undefined),
    now: vector.verifyAt * 1000,
  });
}

type PageCrypto = typeof pageCrypto;
/** The page's crypto, as the bundle left it on the page's global object (read inside `page.evaluate` only). */
declare const __pageCrypto: PageCrypto;

const PAGE_URL = 'https://page-vectors.invalid/';
const chromium = chromiumForThisFile();
let page: Page;

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [new URL('../helpers/page-crypto-entry.ts', import.meta.url).pathname],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
  });
  page = await chromium.browser.newPage();
  // WebCrypto needs a secure context, which about:blank and data: URLs are not: an empty HTTPS page, answered by the
  // test itself (the request never leaves the browser; `.invalid` names no host).
  await page.route(PAGE_URL, (route) =>
    route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>page crypto</title>' }),
  );
  await page.goto(PAGE_URL);
  await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
  // The code under test is the bundle in Chromium, with Chromium's WebCrypto: not Node's, not a polyfill.
  const where = await page.evaluate(() => ({
    agent: navigator.userAgent,
    secure: isSecureContext,
    loaded: typeof __pageCrypto.sealOrderInPage,
  }));
  expect(where.agent).toMatch(/Chrome\/\d+/);
  expect(where).toMatchObject({ secure: true, loaded: 'function' });
}, 60_000);

describe('Chromium against the envelope test vectors', () => {
  it.each(vectors.valid)('$name: encrypts the vector JWS to the vector envelope, byte for byte', async (vector) => {
    const envelope = await page.evaluate(
      async ({ server, ephemeral, iv, jws }) =>
        __pageCrypto.encryptJweInPage(
          new TextEncoder().encode(jws),
          await __pageCrypto.importServerKey(server),
          await __pageCrypto.fixedInputs(ephemeral, iv),
        ),
      { ...pageInputs(vector), jws: vector.jws },
    );
    expect(envelope).toBe(vector.envelope);
  });

  const eddsa = vectors.valid.find((vector) => vector.customerKey.alg === 'EdDSA')!;
  it('valid EdDSA: seals the vector claims to the vector JWS and envelope, byte for byte', async () => {
    // The vector's private key is derived from a public label (docs/envelope.md §8): no secret crosses here.
    const pem = exportPrivateKeyPem(
      rawPrivateKey('ed25519', Buffer.from(labelBytes(eddsa.customerKey.privateKeyLabel!))),
    );
    const sealed = await page.evaluate(
      async ({ server, ephemeral, iv, order, pem }) => {
        const key = await __pageCrypto.importPkcs8Pem(pem);
        const prepared = await __pageCrypto.sealOrderInPage(
          { ...order, signer: key.signer, server: await __pageCrypto.importServerKey(server) },
          await __pageCrypto.fixedInputs(ephemeral, iv),
        );
        return { ...prepared, kid: key.signer.kid, extractable: key.signer.privateKey.extractable };
      },
      { ...pageInputs(eddsa), pem },
    );
    expect(sealed.kid).toBe(eddsa.customerKey.kid);
    expect(sealed.extractable).toBe(false);
    expect(sealed.jws).toBe(eddsa.jws);
    expect(sealed.envelope).toBe(eddsa.envelope);
    expect(sealed.claims).toEqual(eddsa.claims);
    expect((await openAsOpd(sealed.envelope, eddsa, eddsa.customerKey.publicKeyPem)).claims).toEqual(eddsa.claims);
  });

  it.each(vectors.valid.filter((vector) => ['PS256', 'ES256'].includes(vector.customerKey.alg)))(
    '$name: the vector claims sealed in Chromium with a key made there open with openOrder to the same claims',
    async (vector) => {
      const sealed = await page.evaluate(
        async ({ server, ephemeral, iv, order, kind }) => {
          const key = await __pageCrypto.generateBrowserKey(kind);
          const input = { ...order, signer: key.signer, server: await __pageCrypto.importServerKey(server) };
          // One with the vector's ephemeral key and IV, one as the portal seals: a fresh ephemeral key and IV.
          const fixed = await __pageCrypto.sealOrderInPage(input, await __pageCrypto.fixedInputs(ephemeral, iv));
          const fresh = await __pageCrypto.sealOrderInPage(input);
          return { alg: key.signer.alg, publicKeyPem: key.publicKeyPem, fixed, fresh };
        },
        { ...pageInputs(vector), kind: vector.customerKey.alg === 'PS256' ? ('rsa3072' as const) : ('p256' as const) },
      );
      expect(sealed.alg).toBe(vector.customerKey.alg);
      // The signature is randomized, so only the JWE's header, empty key and IV can be the vector's bytes.
      expect(sealed.fixed.envelope.split('.').slice(0, 3)).toEqual(vector.envelope.split('.').slice(0, 3));
      expect(sealed.fresh.envelope.split('.')[2]).not.toBe(vector.iv);
      for (const prepared of [sealed.fixed, sealed.fresh]) {
        expect(prepared.claims).toEqual(vector.claims);
        const opened = await openAsOpd(prepared.envelope, vector, sealed.publicKeyPem);
        expect(opened.claims).toEqual(vector.claims);
        expect(opened.jws).toBe(prepared.jws);
        expect(opened.alg).toBe(vector.customerKey.alg);
      }
    },
  );
});

const NOW = Date.parse('2026-12-07T10:00:00.000Z');
const ORDER_ID = 'abcdefghijklmnopqrstuvw';

describe('keys made in Chromium, and what they sign, as the OPD reads it', () => {
  it.each([
    ['ed25519', 'EdDSA'],
    ['p256', 'ES256'],
    ['rsa3072', 'PS256'],
  ] as const)('a %s key is not extractable; its key proof and cancellation verify in Node', async (kind, alg) => {
    const made = await page.evaluate(
      async ({ kind, now, orderId }) => {
        const key = await __pageCrypto.generateBrowserKey(kind);
        const refused = (format: 'pkcs8' | 'jwk') =>
          crypto.subtle.exportKey(format, key.signer.privateKey).then(
            () => 'exported',
            (error: Error) => error.name,
          );
        const signed = { customerId: 'alice', opdId: 'opd', signer: key.signer, now };
        return {
          alg: key.signer.alg,
          kid: key.signer.kid,
          fingerprint: await __pageCrypto.spkiFingerprintInPage(key.publicKey),
          publicKeyPem: key.publicKeyPem,
          extractable: key.signer.privateKey.extractable,
          exports: [await refused('pkcs8'), await refused('jwk')],
          proof: await __pageCrypto.signKeyProofInPage(signed),
          cancellation: await __pageCrypto.signCancellationInPage({ ...signed, orderId }),
        };
      },
      { kind, now: NOW, orderId: ORDER_ID },
    );
    expect(made.extractable).toBe(false);
    expect(made.exports).toEqual(['InvalidAccessError', 'InvalidAccessError']);
    expect(made.alg).toBe(alg);
    const key = verificationKey(parsePublicKeyPem(made.publicKeyPem));
    expect(spkiFingerprint(key.publicKey)).toBe(made.kid);
    expect(made.fingerprint).toBe(made.kid);
    expect(key.alg).toBe(alg);

    const proof = verifyKeyProof(made.proof, { customerId: 'alice', opdId: 'opd', key, now: NOW });
    expect(proof).toEqual({ sub: 'alice', aud: 'opd', iat: NOW / 1000, kid: made.kid });
    const cancellation = await verifyCancellation(made.cancellation, {
      customerId: 'alice',
      opdId: 'opd',
      orderId: ORDER_ID,
      customerKey: (kid) => (kid === key.kid ? key : undefined),
      now: NOW,
    });
    expect(cancellation.claims).toMatchObject({ iss: 'alice', aud: 'opd', orderId: ORDER_ID, iat: NOW / 1000 });
    expect(cancellation.alg).toBe(alg);
    // The verifier checks the page's signature, not only its shape: one character changed and the proof is refused.
    expect(() => verifyKeyProof(tampered(made.proof), { customerId: 'alice', opdId: 'opd', key, now: NOW })).toThrow();
  });
});
