/**
 * The stock-tools recipe of docs/evidence.md §5, taken from the document and run with bash: openssl, jq and coreutils
 * check bundles of every signature algorithm — none of this project's code verifies anything here — and refuse
 * tampered ones, each for the reason the recipe names.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { signingKey, verificationKey } from '../shared/keys.js';
import type { EvidenceBundle } from '../shared/evidence.js';
import { makeBundle, receiptKeyPair, runRecipe, signedOrder } from './helpers/evidence.js';
import { customerKeys, serverKey } from './helpers/keys.js';
import type { CustomerKey, ServerKey, SigningAlgorithm } from './helpers/keys.js';
import { tempDir } from './helpers/openssl.js';
import { generateKeyPair, keygenParameters } from '../shared/keygen.js';

const dir = tempDir('po-evidence-recipe-');
let server: ServerKey;
let keys: Record<SigningAlgorithm | 'dsa3072', CustomerKey>;
const receiptKey = receiptKeyPair();

beforeAll(async () => {
  const [s, k, dsa3072] = await Promise.all([
    serverKey(),
    customerKeys(),
    generateKeyPair(keygenParameters('dsa', 3072)),
  ]);
  server = s;
  keys = { ...k, dsa3072: { signer: signingKey(dsa3072.privateKey), verifier: verificationKey(dsa3072.publicKey) } };
});

function recipeOn(bundle: EvidenceBundle, name: string) {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(bundle, null, 2));
  return runRecipe(file);
}

describe('docs/evidence.md: checking a bundle with openssl and jq only', () => {
  it.each([
    ['rsa', 'PS256'],
    ['dsa', 'DS256 (DSA 2048/224)'],
    ['dsa3072', 'DS256 (DSA 3072/256)'],
    ['ecdsa', 'ES256'],
    ['ed25519', 'EdDSA'],
  ] as Array<[SigningAlgorithm | 'dsa3072', string]>)('accepts a valid %s bundle (%s)', (algorithm) => {
    // DSA and ECDSA signatures are randomised: several bundles exercise r and s with and without leading zero bytes.
    for (let i = 0; i < (algorithm === 'dsa' || algorithm === 'ecdsa' ? 4 : 1); i++) {
      const bundle = makeBundle(keys[algorithm], server, receiptKey);
      const result = recipeOn(bundle, `${algorithm}-${i}`);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const claims = JSON.parse(Buffer.from(bundle.order.jws.split('.')[1]!, 'base64url').toString()) as {
        jti: string;
      };
      expect(result.stdout.trim()).toBe(`VALID: order ${claims.jti} of alice: USD 47.49, accepted by opd`);
    }
  });

  it.each([
    [3750, 'USD 37.50'],
    [5, 'USD 0.05'],
    [0, 'USD 0.00'],
    [100, 'USD 1.00'],
    [5_000_000_000_000, 'USD 50000000000.00'],
  ])('states a total of %i cents as %s: whole cents, two digits, never a float', (totalCents, shown) => {
    const items =
      totalCents === 5_000_000_000_000
        ? Array.from({ length: 50 }, (_, i) => ({ sku: `SKU-${i}`, qty: 10_000, unitPriceCents: 10_000_000 }))
        : [{ sku: 'WIDGET-1', qty: 1, unitPriceCents: totalCents }];
    const prepared = signedOrder(keys.ed25519, server, items);
    const result = recipeOn(makeBundle(keys.ed25519, server, receiptKey, { prepared }), `total-${totalCents}`);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(`VALID: order ${prepared.claims.jti} of alice: ${shown}, accepted by opd`);
  });

  const tampered: Array<[string, (b: EvidenceBundle) => EvidenceBundle, RegExp]> = [
    [
      'a character of the signed order changed',
      (b) => {
        const [h, p, s] = b.order.jws.split('.') as [string, string, string];
        const flipped = p.slice(0, 20) + (p[20] === 'A' ? 'B' : 'A') + p.slice(21);
        return { ...b, order: { ...b.order, jws: `${h}.${flipped}.${s}` } };
      },
      /customer's signature does not verify/,
    ],
    [
      'another customer key',
      (b) => ({
        ...b,
        order: {
          ...b.order,
          customerKey: makeBundle(keys.rsa, server, receiptKey).order.customerKey,
        },
      }),
      /header does not name the bundle's key/,
    ],
    [
      'a customer key that is not a key',
      (b) => ({
        ...b,
        order: {
          ...b.order,
          customerKey: {
            ...b.order.customerKey,
            publicKeyPem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
          },
        },
      }),
      /customer's signature does not verify/,
    ],
    [
      "a character of the receipt's signature changed",
      (b) => {
        const jws = b.receipt.jws;
        return {
          ...b,
          receipt: { ...b.receipt, jws: jws.slice(0, -5) + (jws.at(-5) === 'A' ? 'B' : 'A') + jws.slice(-4) },
        };
      },
      /OPD's signature on the receipt does not verify/,
    ],
    [
      'the receipt key replaced (under its own ID)',
      (b) => ({ ...b, receipt: { ...b.receipt, key: makeBundle(keys.ed25519, server, receiptKeyPair()).receipt.key } }),
      /receipt's header does not name the receipt key/,
    ],
    [
      'the receipt key ID changed',
      (b) => ({
        ...b,
        // Another last character (an ID that already ends in "A" gets a "B": the change must be a change).
        receipt: {
          ...b.receipt,
          key: {
            ...b.receipt.key,
            kid: `${b.receipt.key.kid.slice(0, -1)}${b.receipt.key.kid.endsWith('A') ? 'B' : 'A'}`,
          },
        },
      }),
      /receipt key ID is not its fingerprint/,
    ],
    [
      'the receipt of another order',
      (b) => ({ ...b, receipt: makeBundle(keys.ed25519, server, receiptKey).receipt }),
      /acknowledges another signed order/,
    ],
    [
      'a properly signed receipt for other prices',
      () =>
        makeBundle(keys.ed25519, server, receiptKey, {
          claims: (claims) => ({ ...claims, lines: [{ ...claims.lines[0]!, unitPriceCents: 1 }, claims.lines[1]!] }),
        }),
      /does not match the signed order/,
    ],
    [
      'a properly signed receipt naming another customer key',
      () =>
        makeBundle(keys.ed25519, server, receiptKey, {
          order: { customerKeyFingerprint: receiptKey.kid },
        }),
      /verified the order with another key/,
    ],
  ];

  it.each(tampered)('refuses a bundle with %s', (name, change, reason) => {
    const result = recipeOn(change(makeBundle(keys.ed25519, server, receiptKey)), name.replace(/\W+/g, '-'));
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^INVALID: /)]);
    expect(result.stderr).toMatch(reason);
    expect(result.stdout).toBe('');
  });
});
