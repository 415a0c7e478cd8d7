/**
 * Properties of the browser's DSA verifier (web/crypto/dsa.ts) against node:crypto (shared/envelope/jws.ts
 * `verifyJwsSignature`), over random messages with fixed keys: one of N = 224 (SHA-256 cut to its leftmost 224 bits)
 * and one of N = 256 and L = 3072. Whatever the message and the signature, both answer the same.
 */
import { sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseJws, signJws, verifyJwsSignature } from '../shared/envelope/jws.js';
import type { ParsedJws } from '../shared/envelope/jws.js';
import { generateKeyPair } from '../shared/keygen.js';
import { signingKey } from '../shared/keys.js';
import type { SigningKey } from '../shared/keys.js';
import { dsaKeyFromSpki, verifyDs256 } from '../shared/dsa.js';
import type { DsaPublicKey } from '../shared/dsa.js';

const SIZES = [
  { l: 2048, n: 224 },
  { l: 3072, n: 256 },
] as const;
const RUNS = { numRuns: 60 };

interface Fixture {
  readonly signer: SigningKey;
  readonly publicKey: KeyObject;
  readonly key: DsaPublicKey;
  /** A parsed JWS of this key: node:crypto's verifier is given its members with another signing input and signature. */
  readonly template: ParsedJws;
}
const fixtures = new Map<string, Fixture>();

const half = (key: DsaPublicKey) => Math.ceil(key.q.toString(2).length / 8);

/**
 * Room above q in r‖s's halves: s + q fits in ceil(N/8) bytes only when s < 2^(8·ceil(N/8)) − q. A key whose q is so
 * close to 2^(8·ceil(N/8)) that fewer than 1 in 100 signatures leave that room (about 2 % of keys) is passed over, so
 * that the s + q property finds its cases quickly.
 */
const hasRoomAboveQ = (key: DsaPublicKey) => (1n << BigInt(8 * half(key))) - key.q > key.q / 100n;
const KEY_ATTEMPTS = 4;

beforeAll(async () => {
  await Promise.all(
    SIZES.map(async ({ l, n }) => {
      for (let attempt = 1; attempt <= KEY_ATTEMPTS; attempt += 1) {
        const pair = await generateKeyPair({
          type: 'dsa',
          options: { modulusLength: l, divisorLength: n },
          label: `DSA ${l}/${n}`,
        });
        const signer = signingKey(pair.privateKey);
        const key = dsaKeyFromSpki(new Uint8Array(pair.publicKey.export({ type: 'spki', format: 'der' })));
        const template = parseJws(signJws(Buffer.from('{}'), signer));
        fixtures.set(`${l}/${n}`, { signer, publicKey: pair.publicKey, key, template });
        if (hasRoomAboveQ(key)) break;
      }
    }),
  );
});

const utf8 = new TextEncoder();
const toBytes = (value: bigint, length: number) => Buffer.from(value.toString(16).padStart(2 * length, '0'), 'hex');
const toBigInt = (bytes: Uint8Array) => BigInt(`0x0${Buffer.from(bytes).toString('hex')}`);

/** node:crypto's answer, through the server's own verifier. */
function nodeVerifies(fixture: Fixture, message: string, signature: Uint8Array): boolean {
  return verifyJwsSignature(
    { ...fixture.template, signingInput: message, signature: Buffer.from(signature) },
    'DS256',
    fixture.publicKey,
  );
}
const browserVerifies = (fixture: Fixture, message: string, signature: Uint8Array) =>
  verifyDs256(fixture.key, utf8.encode(message), signature);

function nodeSigns(fixture: Fixture, message: string): Buffer {
  return sign('sha256', Buffer.from(message), { key: fixture.signer.privateKey, dsaEncoding: 'ieee-p1363' });
}

describe.each(SIZES)('DS256 with DSA $l/$n', ({ l, n }) => {
  const fixture = () => fixtures.get(`${l}/${n}`)!;

  it('has the size it was made with', () => {
    expect(fixture().key.p.toString(2)).toHaveLength(l);
    expect(fixture().key.q.toString(2)).toHaveLength(n);
  });

  it("verifies node:crypto's signature of any message", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), async (message) => {
        const signature = nodeSigns(fixture(), message);
        expect(nodeVerifies(fixture(), message, signature)).toBe(true);
        expect(await browserVerifies(fixture(), message, signature)).toBe(true);
      }),
      RUNS,
    );
  });

  it('refuses the signature of a message with one bit flipped, as node:crypto does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 300 }),
        fc.nat(),
        fc.nat(6),
        async (message, at, bit) => {
          const signature = nodeSigns(fixture(), message);
          const index = at % message.length;
          const changed = message.slice(0, index) + String.fromCharCode(message.charCodeAt(index) ^ (1 << bit));
          const tampered = changed + message.slice(index + 1);
          expect(nodeVerifies(fixture(), tampered, signature)).toBe(false);
          expect(await browserVerifies(fixture(), tampered, signature)).toBe(false);
        },
      ),
      RUNS,
    );
  });

  it('answers as node:crypto does for a signature with r or s replaced by any value of its length', async () => {
    const top = (1n << BigInt(8 * Math.ceil(n / 8))) - 1n;
    const edges = {
      '0': () => 0n,
      '1': () => 1n,
      'q-1': (q: bigint) => q - 1n,
      q: (q: bigint) => q,
      'q+1': (q: bigint) => q + 1n,
      'all ones': () => top,
    };
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 100 }),
        fc.boolean(),
        fc.oneof(
          fc.bigInt({ min: 0n, max: top }),
          fc.constantFrom(...(Object.keys(edges) as Array<keyof typeof edges>)),
        ),
        async (message, replaceR, replacement) => {
          const { key } = fixture();
          const value = typeof replacement === 'bigint' ? replacement : edges[replacement](key.q);
          const signature = Buffer.from(nodeSigns(fixture(), message));
          toBytes(value, half(key)).copy(signature, replaceR ? 0 : half(key));
          const expected = nodeVerifies(fixture(), message, signature);
          expect(await browserVerifies(fixture(), message, signature)).toBe(expected);
        },
      ),
      RUNS,
    );
  });

  it('refuses s replaced by q − s (DSA, unlike ECDSA, is not malleable that way), as node:crypto does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 100 }), async (message) => {
        const { key } = fixture();
        const size = half(key);
        const signature = nodeSigns(fixture(), message);
        const s = toBigInt(signature.subarray(size));
        const variant = Buffer.concat([signature.subarray(0, size), toBytes(key.q - s, size)]);
        expect(nodeVerifies(fixture(), message, variant)).toBe(false);
        expect(await browserVerifies(fixture(), message, variant)).toBe(false);
      }),
      RUNS,
    );
  });

  it('refuses s replaced by s + q (the same s modulo q: only the range check stops it), as node:crypto does', async () => {
    const { key } = fixture();
    const size = half(key);
    expect(hasRoomAboveQ(key)).toBe(true);
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 100 }), async (message) => {
        const signature = nodeSigns(fixture(), message);
        const s = toBigInt(signature.subarray(size));
        fc.pre(s + key.q < 1n << BigInt(8 * size));
        const variant = Buffer.concat([signature.subarray(0, size), toBytes(s + key.q, size)]);
        expect(nodeVerifies(fixture(), message, variant)).toBe(false);
        expect(await browserVerifies(fixture(), message, variant)).toBe(false);
      }),
      // fast-check fails the test if the precondition skips more than 1000 messages a run.
      { numRuns: 20, maxSkipsPerRun: 1000 },
    );
  });

  it('refuses a signature of any other length, as node:crypto does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 100 }), fc.integer({ min: -3, max: 3 }), async (message, change) => {
        fc.pre(change !== 0);
        const signature = nodeSigns(fixture(), message);
        const resized = change < 0 ? signature.subarray(0, change) : Buffer.concat([signature, Buffer.alloc(change)]);
        expect(nodeVerifies(fixture(), message, resized)).toBe(false);
        expect(await browserVerifies(fixture(), message, resized)).toBe(false);
      }),
      RUNS,
    );
  });
});
