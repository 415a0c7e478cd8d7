/**
 * The browser accepts a customer key exactly when the server does (shared/keys.ts `describeKey`): the same algorithms,
 * the same size bounds, refused with the same codes; and its verifier handles are opaque and never throw on a bad
 * signature, whatever WebCrypto does with it.
 */
import { createPublicKey, generateKeyPair as generateKeyPairCb } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { encode as b64u } from '../shared/base64url.js';
import { KeyError } from '../shared/errors.js';
import type { KeyErrorCode } from '../shared/errors.js';
import { DSA_SIZES, RSA_BITS, describeKey } from '../shared/keys.js';
import type { SignatureAlg } from '../shared/keys.js';
import { importCustomerKey, importReceiptKey, verifySignature } from '../web/crypto/signatures.js';
import type { SignatureVerifier } from '../web/crypto/signatures.js';

const generate = promisify(generateKeyPairCb);
const spki = (key: KeyObject) => new Uint8Array(key.export({ type: 'spki', format: 'der' }));
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const fromHex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'));

/**
 * An RSA public key of exactly `bits` bits and exponent `e`, made from numbers (a JWK): the size checks read the
 * modulus only, so no primes are needed, and sizes no test could afford to generate (8193 bits) cost nothing.
 */
function rsaKey(bits: number, e = 65537n): KeyObject {
  const n = (1n << BigInt(bits - 1)) | 0x1234567n | 1n;
  const bytes = (value: bigint) => {
    const text = value.toString(16);
    return Buffer.from(text.padStart(text.length + (text.length % 2), '0'), 'hex');
  };
  return createPublicKey({ key: { kty: 'RSA', n: b64u(bytes(n)), e: b64u(bytes(e)) }, format: 'jwk' });
}

async function refusal(work: Promise<unknown>): Promise<KeyError> {
  const error = await work.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, 'expected a KeyError, but the key was accepted').toBeInstanceOf(KeyError);
  return error as KeyError;
}
/** The browser refuses the key with `code`, and so does the server (shared/keys.ts `describeKey`). */
async function expectRefusedAsServer(key: KeyObject, alg: SignatureAlg, code: KeyErrorCode): Promise<void> {
  expect((await refusal(importCustomerKey(spki(key), alg))).code).toBe(code);
  expect(() => describeKey(key)).toThrow(expect.objectContaining({ code }));
}

describe('size bounds, as the server sets them', () => {
  it.each([
    [RSA_BITS.min, 256],
    [RSA_BITS.default, 384],
    [RSA_BITS.max, 1024],
  ])('accepts an RSA key of %i bits (signatures of %i bytes)', async (bits, signatureLength) => {
    const key = rsaKey(bits);
    expect(describeKey(key).bits).toBe(bits);
    expect(await importCustomerKey(spki(key), 'PS256')).toEqual({ alg: 'PS256', signatureLength });
  });

  it.each([
    ['an RSA key of the minimum less one bit', () => rsaKey(RSA_BITS.min - 1), 'key_too_small'],
    ['an RSA key of the maximum and one bit', () => rsaKey(RSA_BITS.max + 1), 'key_too_large'],
    ['an RSA key with public exponent 3', () => rsaKey(RSA_BITS.min, 3n), 'key_unsupported'],
    ['an RSA key with public exponent 65535', () => rsaKey(RSA_BITS.min, 65535n), 'key_unsupported'],
    ['an RSA key with a public exponent of 34 bits', () => rsaKey(RSA_BITS.min, (1n << 33n) + 1n), 'key_unsupported'],
  ] as const)('refuses %s with %s', async (_, key, code) => {
    await expectRefusedAsServer(key(), 'PS256', code);
  });

  it('accepts an RSA key with a public exponent above 65537, up to 33 bits (a control for the exponent refusals)', async () => {
    for (const key of [rsaKey(RSA_BITS.min, 65539n), rsaKey(RSA_BITS.min, (1n << 33n) - 1n)])
      expect([describeKey(key).signatureAlg, (await importCustomerKey(spki(key), 'PS256')).alg]).toEqual([
        'PS256',
        'PS256',
      ]);
  });

  it('refuses a generated RSA-1024 key (key_too_small)', async () => {
    const { publicKey } = await generate('rsa', { modulusLength: 1024 });
    await expectRefusedAsServer(publicKey, 'PS256', 'key_too_small');
  });

  it('refuses a generated DSA-1024/160 key (key_too_small)', async () => {
    const { publicKey } = await generate('dsa', { modulusLength: 1024, divisorLength: 160 });
    await expectRefusedAsServer(publicKey, 'DS256', 'key_too_small');
  });

  describe('DSA sizes the server accepts', () => {
    const keys = new Map<string, KeyObject>();
    beforeAll(async () => {
      for (const { l, n } of DSA_SIZES)
        keys.set(`${l}/${n}`, (await generate('dsa', { modulusLength: l, divisorLength: n })).publicKey);
    });

    it.each(DSA_SIZES)('accepts DSA $l/$n (signatures of 2·ceil(N/8) bytes)', async ({ l, n }) => {
      const key = keys.get(`${l}/${n}`)!;
      expect(describeKey(key).signatureAlg).toBe('DS256');
      expect(await importCustomerKey(spki(key), 'DS256')).toEqual({ alg: 'DS256', signatureLength: 2 * (n / 8) });
    });
  });
});

describe('algorithms', () => {
  const keys = new Map<string, KeyObject>();
  beforeAll(async () => {
    const pairs = await Promise.all([
      generate('rsa', { modulusLength: 2048 }),
      generate('ec', { namedCurve: 'prime256v1' }),
      generate('ed25519'),
      generate('dsa', { modulusLength: 2048, divisorLength: 224 }),
      generate('ec', { namedCurve: 'secp384r1' }),
      generate('rsa-pss', { modulusLength: 2048 }),
      generate('x25519'),
    ]);
    ['rsa', 'ec', 'ed25519', 'dsa', 'p384', 'rsa-pss', 'x25519'].forEach((name, index) =>
      keys.set(name, pairs[index]!.publicKey),
    );
  });

  it.each([
    ['rsa', 'PS256', 256],
    ['ec', 'ES256', 64],
    ['ed25519', 'EdDSA', 64],
    ['dsa', 'DS256', 56],
  ] as const)('accepts a %s key for %s (the control for the refusals below)', async (name, alg, signatureLength) => {
    expect(await importCustomerKey(spki(keys.get(name)!), alg)).toEqual({ alg, signatureLength });
  });

  it.each([
    ['rsa', 'ES256', /this is an RSA key, not an EC key for ES256/],
    ['ec', 'PS256', /this is an EC key, not an RSA key for PS256/],
    ['ed25519', 'DS256', /this is an Ed25519 key, not a DSA key for DS256/],
    ['dsa', 'EdDSA', /this is a DSA key, not an Ed25519 key for EdDSA/],
  ] as const)('refuses a %s key for %s (key_wrong_kind)', async (name, alg, message) => {
    const error = await refusal(importCustomerKey(spki(keys.get(name)!), alg));
    expect(error.code).toBe('key_wrong_kind');
    expect(error.message).toMatch(message);
  });

  it('refuses a P-384 key, as the server does (key_unsupported)', async () => {
    await expectRefusedAsServer(keys.get('p384')!, 'ES256', 'key_unsupported');
  });

  it('refuses an RSA-PSS-restricted key, as the server does (key_unsupported)', async () => {
    await expectRefusedAsServer(keys.get('rsa-pss')!, 'PS256', 'key_unsupported');
    const error = await refusal(importCustomerKey(spki(keys.get('rsa-pss')!), 'PS256'));
    expect(error.message).toMatch(/RSA-PSS-restricted keys are not supported; use a plain RSA key/);
  });

  it('refuses an X25519 key (key_unsupported: it does not sign)', async () => {
    const error = await refusal(importCustomerKey(spki(keys.get('x25519')!), 'EdDSA'));
    expect(error.code).toBe('key_unsupported');
    expect(error.message).toMatch(/1\.3\.101\.110 are not supported/);
  });

  // Spellings the server would re-export differently (so not the canonical key of docs/evidence.md §2): each is the
  // accepted key above with one DER change.
  /** The hex of a DER SEQUENCE around `contents` (hex). */
  function sequence(contents: string): string {
    const length = contents.length / 2;
    const lengthHex = length.toString(16).padStart(length < 0x100 ? 2 : 4, '0');
    return `30${length < 0x80 ? '' : length < 0x100 ? '81' : '82'}${lengthHex}${contents}`;
  }
  /** The contents of the DER SEQUENCE `der` (hex). */
  const contentsOf = (der: string) => der.slice(der[2] === '8' ? 4 + 2 * Number(der[3]) : 4);

  // Spellings the server would re-export differently (not the canonical key of docs/evidence.md §2): each is an
  // accepted key above with its AlgorithmIdentifier changed, and nothing else.
  it.each([
    [
      'an RSA key without its NULL parameters',
      'rsa',
      '300d06092a864886f70d0101010500',
      '300b06092a864886f70d010101',
      'PS256',
      /expected a NULL/,
    ],
    [
      'an Ed25519 key with NULL parameters',
      'ed25519',
      '300506032b6570',
      '300706032b65700500',
      'EdDSA',
      /2 byte\(s\) after the end/,
    ],
  ] as const)('refuses %s (key_malformed)', async (_, name, from, to, alg, message) => {
    const original = hex(spki(keys.get(name)!));
    expect(sequence(contentsOf(original))).toBe(original);
    expect(contentsOf(original).startsWith(from)).toBe(true);
    const changed = sequence(to + contentsOf(original).slice(from.length));
    const error = await refusal(importCustomerKey(fromHex(changed), alg));
    expect(error.code).toBe('key_malformed');
    expect(error.message).toMatch(message);
  });

  it('refuses an Ed25519 key of 31 bytes (key_malformed)', async () => {
    const key = hex(spki(keys.get('ed25519')!)).slice(-62);
    const error = await refusal(importCustomerKey(fromHex(sequence(`300506032b6570032000${key}`)), 'EdDSA'));
    expect([error.code, error.message]).toEqual(['key_malformed', 'the Ed25519 public key is not 32 bytes']);
  });

  it('refuses an RSA key whose modulus has a needless leading zero byte (key_malformed)', async () => {
    const original = hex(spki(keys.get('rsa')!));
    // RSA-2048: SEQUENCE { AlgorithmIdentifier, BIT STRING { 00, SEQUENCE { INTEGER 00‖n (257 bytes), INTEGER e } } }.
    const [algorithm, rsaPublicKey] = [contentsOf(original).slice(0, 30), contentsOf(original).slice(40)];
    expect(sequence(`${algorithm}0382010f00${rsaPublicKey}`)).toBe(original);
    const [modulus, exponent] = [contentsOf(rsaPublicKey).slice(8, 8 + 514), contentsOf(rsaPublicKey).slice(8 + 514)];
    const padded = sequence(`02820102${'00'}${modulus}${exponent}`);
    const changed = sequence(
      `${algorithm}03${'82'}${(padded.length / 2 + 1).toString(16).padStart(4, '0')}00${padded}`,
    );
    const error = await refusal(importCustomerKey(fromHex(changed), 'PS256'));
    expect(error.code).toBe('key_malformed');
    expect(error.message).toMatch(/an INTEGER with a needless leading byte/);
  });

  /** The accepted P-256 key with its point changed: `change` gets the point's x and y (hex) and its y's parity. */
  function p256Key(change: (x: string, y: string, odd: boolean) => string): Uint8Array {
    const original = hex(spki(keys.get('ec')!));
    const [x, y] = [original.slice(-128, -64), original.slice(-64)];
    const point = change(x, y, (BigInt(`0x${y}`) & 1n) === 1n);
    const bitString = `03${(point.length / 2 + 1).toString(16)}00${point}`;
    const changed = sequence(`301306072a8648ce3d020106082a8648ce3d030107${bitString}`);
    if (point === `04${x}${y}`) expect(changed).toBe(original);
    return fromHex(changed);
  }

  it('reads the P-256 key written back from its point (the control for the refusals below)', async () => {
    expect(
      (
        await importCustomerKey(
          p256Key((x, y) => `04${x}${y}`),
          'ES256',
        )
      ).alg,
    ).toBe('ES256');
  });

  it.each([
    ['compressed', (x: string, _: string, odd: boolean) => `${odd ? '03' : '02'}${x}`],
    [
      'hybrid (65 bytes that do not begin with 0x04)',
      (x: string, y: string, odd: boolean) => `${odd ? '07' : '06'}${x}${y}`,
    ],
    ['cut to 0x04 ‖ x', (x: string) => `04${x}`],
  ])('refuses a P-256 key whose point is %s (key_malformed)', async (_, change) => {
    const error = await refusal(importCustomerKey(p256Key(change), 'ES256'));
    expect(error.code).toBe('key_malformed');
    expect(error.message).toMatch(/the P-256 public key is not an uncompressed point/);
  });
});

describe('verifier handles', () => {
  let verifier: SignatureVerifier;
  beforeAll(async () => {
    verifier = await importCustomerKey(spki((await generate('ec', { namedCurve: 'prime256v1' })).publicKey), 'ES256');
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each([31, 33, 0])('refuse a raw Ed25519 receipt key of %i bytes (key_malformed)', async (length) => {
    const error = await refusal(importReceiptKey(new Uint8Array(length)));
    expect(error.code).toBe('key_malformed');
    expect(error.message).toMatch(`an Ed25519 public key is 32 bytes, not ${length}`);
  });

  it('are frozen, and a look-alike object is no handle', async () => {
    expect(Object.isFrozen(verifier)).toBe(true);
    const lookAlike = { alg: 'ES256', signatureLength: 64 } as const;
    await expect(verifySignature(lookAlike, new Uint8Array(), new Uint8Array(64))).rejects.toThrow(TypeError);
  });

  it('answer false without asking WebCrypto for a signature of the wrong length', async () => {
    const verify = vi.spyOn(crypto.subtle, 'verify');
    expect(await verifySignature(verifier, new Uint8Array(1), new Uint8Array(63))).toBe(false);
    expect(verify).not.toHaveBeenCalled();
    await verifySignature(verifier, new Uint8Array(1), new Uint8Array(64));
    expect(verify).toHaveBeenCalledOnce();
  });

  it('answer false when WebCrypto raises on a signature (as a browser may on a malformed one)', async () => {
    vi.spyOn(crypto.subtle, 'verify').mockRejectedValue(new DOMException('malformed', 'OperationError'));
    expect(await verifySignature(verifier, new Uint8Array(1), new Uint8Array(64))).toBe(false);
  });

  it('say so when the browser cannot verify an algorithm (key_unsupported), and key_malformed otherwise', async () => {
    const importKey = vi.spyOn(crypto.subtle, 'importKey');
    importKey.mockRejectedValueOnce(new DOMException('no Ed25519', 'NotSupportedError'));
    const unsupported = await refusal(importReceiptKey(new Uint8Array(32)));
    expect([unsupported.code, unsupported.message]).toEqual([
      'key_unsupported',
      'this browser cannot verify Ed25519 signatures',
    ]);
    importKey.mockRejectedValueOnce(new DOMException('bad key', 'DataError'));
    expect((await refusal(importReceiptKey(new Uint8Array(32)))).code).toBe('key_malformed');
  });
});
