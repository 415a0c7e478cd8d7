/**
 * Property tests: a valid envelope changed anywhere, by one character or one byte, is rejected with a typed error
 * (never accepted, never an untyped exception); random input never crashes openOrder.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { encode as b64u } from '../shared/base64url.js';
import { openOrder, sealOrder } from '../shared/envelope/index.js';
import { encryptJwe } from '../shared/envelope/jwe.js';
import { signJws } from '../shared/envelope/jws.js';
import { expectEnvelopeError, expectTypedRejection } from './helpers/expect-code.js';
import { SIGNING_ALGORITHMS, customerKeys, openOptions, serverKey } from './helpers/keys.js';
import type { CustomerKey, ServerKey, SigningAlgorithm } from './helpers/keys.js';
import { ORDER_LIMITS } from '../shared/rules.js';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const ITEMS = [
  { sku: 'WIDGET-1', qty: 3, unitPriceCents: 1250 },
  { sku: 'GADGET-2', qty: 12, unitPriceCents: 999 },
];
const TOTAL_CENTS = 3 * 1250 + 12 * 999;
const BASE64URL_AND_DOT = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';

let server: ServerKey;
let keys: Record<SigningAlgorithm, CustomerKey>;

beforeAll(async () => {
  [server, keys] = await Promise.all([serverKey(), customerKeys()]);
});

function open(envelope: string) {
  return openOrder(
    envelope,
    openOptions(
      server,
      Object.values(keys).map((key) => key.verifier),
      { now: NOW },
    ),
  );
}

/** Replaces the character at `index` by another one: a base64url-alphabet character (the hard case) or any. */
const oneCharacterChange = (text: string) =>
  fc
    .record({
      index: fc.nat({ max: text.length - 1 }),
      replacement: fc.oneof(
        fc.constantFrom(...BASE64URL_AND_DOT),
        fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
      ),
    })
    .filter(({ index, replacement }) => text[index] !== replacement)
    .map(({ index, replacement }) => text.slice(0, index) + replacement + text.slice(index + 1));

/** Replaces one byte of the envelope's UTF-8 form by a different byte; the result is read back as Latin-1. */
const oneByteChange = (text: string) =>
  fc
    .record({ index: fc.nat({ max: text.length - 1 }), value: fc.integer({ min: 0, max: 255 }) })
    .filter(({ index, value }) => text.charCodeAt(index) !== value)
    .map(({ index, value }) => {
      const bytes = Buffer.from(text, 'latin1');
      bytes[index] = value;
      return bytes.toString('latin1');
    });

describe.each(SIGNING_ALGORITHMS)('tampering with a %s envelope', (algorithm) => {
  let envelope: string;
  let jws: string;

  beforeAll(async () => {
    envelope = sealOrder({
      customerId: 'alice',
      items: ITEMS,
      currency: 'USD',
      note: 'rush',
      signer: keys[algorithm].signer,
      server,
      now: NOW,
    });
    await expect(open(envelope)).resolves.toBeDefined(); // the unchanged envelope is valid
    jws = signJws(
      Buffer.from(
        JSON.stringify({
          iss: 'alice',
          aud: server.kid,
          iat: NOW / 1000,
          jti: 'AAAAAAAAAAAAAAAAAAAAAA',
          items: ITEMS,
          currency: 'USD',
          totalCents: TOTAL_CENTS,
        }),
      ),
      keys[algorithm].signer,
    );
    await expect(open(encryptJwe(Buffer.from(jws), server))).resolves.toBeDefined();
  });

  it('rejects any one-character change of the envelope with a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(oneCharacterChange(envelope), async (changed) => {
        await expectTypedRejection(open(changed));
      }),
      { numRuns: 300 },
    );
  });

  it('rejects any one-byte change of the envelope with a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(oneByteChange(envelope), async (changed) => {
        await expectTypedRejection(open(changed));
      }),
      { numRuns: 300 },
    );
  });

  it('rejects any one-character change of the inner JWS, even re-encrypted correctly', async () => {
    await fc.assert(
      fc.asyncProperty(oneCharacterChange(jws), async (changed) => {
        // UTF-8, not Latin-1: Latin-1 would truncate U+0141 to 0x41 and could turn a change back into the original.
        await expectTypedRejection(open(encryptJwe(Buffer.from(changed, 'utf8'), server)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('random input', () => {
  it('never crashes on arbitrary strings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 2000, unit: 'binary' }), async (text) => {
        await expectTypedRejection(open(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('never crashes on five random base64url parts', async () => {
    const part = fc.stringMatching(/^[A-Za-z0-9_-]{0,80}$/);
    await fc.assert(
      fc.asyncProperty(fc.tuple(part, part, part, part, part), async (parts) => {
        await expectTypedRejection(open(parts.join('.')));
      }),
      { numRuns: 1000 },
    );
  });

  it('never crashes on random JSON headers around a real ciphertext', async () => {
    const [, , iv, ciphertext, tag] = sealOrder({
      customerId: 'alice',
      items: ITEMS,
      currency: 'USD',
      signer: keys.ed25519.signer,
      server,
      now: NOW,
    }).split('.');
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue()), async (json, object) => {
        for (const header of [
          json,
          { alg: 'ECDH-ES', enc: 'A256GCM', kid: server.kid, cty: 'po-order+jws', epk: json, ...object },
        ]) {
          await expectTypedRejection(open(`${b64u(JSON.stringify(header) ?? 'null')}..${iv}.${ciphertext}.${tag}`));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never crashes on random signed payloads (any JSON, properly signed and encrypted)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (payload) => {
        const signed = signJws(Buffer.from(JSON.stringify(payload) ?? 'null'), keys.ed25519.signer);
        await expectTypedRejection(open(encryptJwe(Buffer.from(signed), server)));
      }),
      { numRuns: 500 },
    );
  });
});

describe('signed prices and totals', () => {
  const line = fc.record({
    qty: fc.integer({ min: 1, max: ORDER_LIMITS.maxQuantity }),
    unitPriceCents: fc.integer({ min: 0, max: ORDER_LIMITS.maxUnitPriceCents }),
  });

  it('any lines seal with their exact total and open unchanged; any other signed total is refused', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { minLength: 1, maxLength: ORDER_LIMITS.maxItems }),
        fc.integer({ min: -1_000_000, max: 1_000_000 }).filter((delta) => delta !== 0),
        async (lines, delta) => {
          const items = lines.map((priced, index) => ({ sku: `SKU-${index}`, ...priced }));
          let expected = 0n; // computed apart from the code under test, in exact integers
          for (const item of items) expected += BigInt(item.qty) * BigInt(item.unitPriceCents);
          const opened = await open(
            sealOrder({ customerId: 'alice', items, currency: 'USD', signer: keys.ed25519.signer, server, now: NOW }),
          );
          expect(opened.claims.items).toEqual(items);
          expect(BigInt(opened.claims.totalCents)).toBe(expected);

          const claims = { ...opened.claims, totalCents: opened.claims.totalCents + delta };
          const signed = signJws(Buffer.from(JSON.stringify(claims)), keys.ed25519.signer);
          await expectEnvelopeError(open(encryptJwe(Buffer.from(signed), server)), 'claims_invalid');
        },
      ),
      { numRuns: 100 },
    );
  });
});
