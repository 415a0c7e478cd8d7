import { execFileSync } from 'node:child_process';
import { ECDH, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decode, encode } from '../shared/base64url.js';
import { KeyError } from '../shared/errors.js';
import {
  describeKey,
  exportPublicKeyPem,
  parsePrivateKeyPem,
  parsePublicKeyPem,
  requireX25519,
  signingKey,
  spkiFingerprint,
  verificationKey,
} from '../shared/keys.js';
import { tempDir, writeText } from './helpers/openssl.js';
import { exportPrivateKeyPem, generateKeyPair, keygenParameters } from '../shared/keygen.js';

function expectKeyError(work: () => unknown, code: string): void {
  expect(work).toThrow(KeyError);
  expect(work).toThrow(expect.objectContaining({ code }));
}

describe('base64url', () => {
  it('round-trips bytes and refuses non-canonical text', () => {
    for (const length of [0, 1, 2, 3, 31, 32, 33]) {
      const bytes = Buffer.from(Array.from({ length }, (_, i) => (i * 37) & 0xff));
      expect(decode(encode(bytes))).toEqual(bytes);
    }
    expect(decode('AQ')).toEqual(Buffer.from([1]));
    expect(decode('AR')).toBeUndefined(); // same bytes as AQ with a stray low bit
    expect(decode('AQ==')).toBeUndefined(); // padding
    expect(decode('A+/')).toBeUndefined(); // standard alphabet
    expect(decode('A')).toBeUndefined(); // impossible length
    expect(decode('AQ AQ')).toBeUndefined();
    expect(decode('AQ\u0000')).toBeUndefined(); // NUL, which Node's decoder skips
    expect(decode('A\u200fQ')).toBeUndefined(); // an RTL mark, skipped too
    expect(decode('AQ.')).toBeUndefined();
  });
});

describe('key sizes and algorithms', () => {
  it('accepts the DSA sizes of FIPS 186-4 from 2048 up, and nothing else', () => {
    const dsa = (l: number, n: number) => generateKeyPairSync('dsa', { modulusLength: l, divisorLength: n }).publicKey;
    expect(describeKey(dsa(2048, 256))).toEqual({ algorithm: 'dsa', bits: 2048, signatureAlg: 'DS256' });
    expectKeyError(() => describeKey(dsa(1024, 160)), 'key_too_small');
  });

  it('generates DSA 3072/256 when asked', async () => {
    const pair = await generateKeyPair(keygenParameters('dsa', 3072));
    expect(pair.publicKey.asymmetricKeyDetails).toMatchObject({ modulusLength: 3072, divisorLength: 256 });
    expect(pair.info).toEqual({ algorithm: 'dsa', bits: 3072, signatureAlg: 'DS256' });
  });

  it('generates RSA 3072 by default and DSA 2048/224 by default', () => {
    expect(keygenParameters('rsa')).toMatchObject({ options: { modulusLength: 3072, publicExponent: 65537 } });
    expect(keygenParameters('dsa')).toMatchObject({ options: { modulusLength: 2048, divisorLength: 224 } });
    expectKeyError(() => keygenParameters('rsa', 16384), 'key_too_large');
    expectKeyError(() => keygenParameters('dsa', 4096), 'key_unsupported');
  });

  it('refuses RSA with a small public exponent, RSA-PSS-restricted keys, P-384, Ed448 and X448', () => {
    expectKeyError(
      () => describeKey(generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 }).publicKey),
      'key_unsupported',
    );
    expectKeyError(
      () => describeKey(generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey),
      'key_unsupported',
    );
    expectKeyError(
      () => describeKey(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey),
      'key_unsupported',
    );
    expectKeyError(() => describeKey(generateKeyPairSync('ed448').publicKey), 'key_unsupported');
    expectKeyError(() => describeKey(generateKeyPairSync('x448').publicKey), 'key_unsupported');
  });

  it('keeps signing keys and server keys apart', () => {
    const x25519 = generateKeyPairSync('x25519');
    const ed25519 = generateKeyPairSync('ed25519');
    expectKeyError(() => signingKey(x25519.privateKey), 'key_wrong_kind');
    expectKeyError(() => verificationKey(x25519.publicKey), 'key_wrong_kind');
    expectKeyError(() => signingKey(ed25519.publicKey), 'key_wrong_kind');
    expectKeyError(() => requireX25519(ed25519.publicKey, 'public'), 'key_wrong_kind');
    expectKeyError(() => requireX25519(x25519.publicKey, 'private'), 'key_wrong_kind');
    expect(requireX25519(x25519.privateKey, 'private')).toBe(x25519.privateKey);
  });

  it('checks key IDs', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    expect(signingKey(privateKey, 'alice-2026.rsa:1').kid).toBe('alice-2026.rsa:1');
    expectKeyError(() => signingKey(privateKey, 'has space'), 'key_id_invalid');
    expectKeyError(() => signingKey(privateKey, 'k'.repeat(129)), 'key_id_invalid');
    // No client can send them as one URL path segment (DELETE …/keys/.. would reach …/keys): never an ID.
    expectKeyError(() => signingKey(privateKey, '..'), 'key_id_invalid');
    expectKeyError(() => signingKey(privateKey, '.'), 'key_id_invalid');
    expect(signingKey(privateKey, '...').kid).toBe('...');
  });

  it('refuses a P-256 key whose point is compressed (a browser cannot verify it), and accepts it uncompressed', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const der = publicKey.export({ type: 'spki', format: 'der' });
    const point = ECDH.convertKey(der.subarray(-65), 'prime256v1', undefined, undefined, 'compressed') as Buffer;
    const compressed = Buffer.concat([
      Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'),
      point,
    ]);
    expect(describeKey(publicKey).signatureAlg).toBe('ES256');
    expectKeyError(
      () => describeKey(createPublicKey({ key: compressed, format: 'der', type: 'spki' })),
      'key_unsupported',
    );
  });
});

describe('PEM and fingerprints', () => {
  const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

  it('names a key by the SHA-256 of its SPKI: same for both halves and any PEM formatting', () => {
    const kid = spkiFingerprint(pair.publicKey);
    expect(kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(spkiFingerprint(pair.privateKey)).toBe(kid);
    const reformatted = exportPublicKeyPem(pair.publicKey).replace(/\n/g, '\r\n');
    expect(spkiFingerprint(parsePublicKeyPem(reformatted))).toBe(kid);
  });

  it('caches parsed public keys', () => {
    const pem = exportPublicKeyPem(pair.publicKey);
    expect(parsePublicKeyPem(pem)).toBe(parsePublicKeyPem(pem));
  });

  it('reads and writes passphrase-encrypted PKCS#8 that OpenSSL reads too', () => {
    const pem = exportPrivateKeyPem(pair.privateKey, 'correct horse');
    expect(pem).toContain('-----BEGIN ENCRYPTED PRIVATE KEY-----');
    expect(spkiFingerprint(parsePrivateKeyPem(pem, 'correct horse'))).toBe(spkiFingerprint(pair.publicKey));
    expectKeyError(() => parsePrivateKeyPem(pem), 'key_passphrase_required');
    expectKeyError(() => parsePrivateKeyPem(pem, 'wrong horse'), 'key_passphrase_wrong');
    const file = writeText(tempDir(), 'enc.pem', pem);
    const publicPem = execFileSync('openssl', ['pkey', '-in', file, '-passin', 'pass:correct horse', '-pubout'], {
      encoding: 'utf8',
    });
    expect(publicPem).toBe(exportPublicKeyPem(pair.publicKey));
  });

  it('reads legacy OpenSSL private key formats (traditional EC PEM)', () => {
    const sec1 = pair.privateKey.export({ type: 'sec1', format: 'pem' }).toString();
    expect(sec1).toContain('BEGIN EC PRIVATE KEY');
    expect(spkiFingerprint(parsePrivateKeyPem(sec1))).toBe(spkiFingerprint(pair.publicKey));
  });

  it('tells a public key from a private one, and both from junk', () => {
    expectKeyError(() => parsePublicKeyPem(exportPrivateKeyPem(pair.privateKey)), 'key_wrong_kind');
    expectKeyError(() => parsePrivateKeyPem(exportPublicKeyPem(pair.publicKey)), 'key_wrong_kind');
    expectKeyError(() => parsePublicKeyPem('hello'), 'key_malformed');
    expectKeyError(
      () => parsePublicKeyPem('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'),
      'key_malformed',
    );
    expectKeyError(
      () => parsePrivateKeyPem('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'),
      'key_malformed',
    );
  });
});

describe('strict JSON objects', () => {
  it('accepts objects with unique members, however nested, and strings full of colons and quotes', async () => {
    const { parseJsonObject } = await import('../shared/json.js');
    expect(parseJsonObject('{"a":1,"b":{"c":[{"d":":"},{"d":"\\\\\\":"}]}}')).toEqual({
      a: 1,
      b: { c: [{ d: ':' }, { d: '\\":' }] },
    });
    expect(parseJsonObject('{"note":"a:b:c","n":null}')).toEqual({ note: 'a:b:c', n: null });
  });

  it('rejects duplicate member names at any depth, arrays and scalars', async () => {
    const { parseJsonObject } = await import('../shared/json.js');
    expect(parseJsonObject('{"a":1,"a":2}')).toBeUndefined();
    expect(parseJsonObject('{"a":{"b":1,"b":1}}')).toBeUndefined();
    expect(parseJsonObject('{"items":[{"sku":"A","qty":1,"qty":2}]}')).toBeUndefined();
    expect(parseJsonObject('[1]')).toBeUndefined();
    expect(parseJsonObject('1')).toBeUndefined();
    expect(parseJsonObject('{')).toBeUndefined();
  });

  it('checks JSON nested far deeper than the call stack without overflowing it (untrusted input)', async () => {
    const { parseJsonObject } = await import('../shared/json.js');
    const depth = 200_000; // JSON.parse accepts this; a recursive member count exhausts the stack
    // (Assertions stay shallow: the test runner's own deep equality would recurse too.)
    const arrays = parseJsonObject(`{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`);
    expect(Array.isArray(arrays?.a)).toBe(true);
    const objects = parseJsonObject(`{"a":${'{"b":'.repeat(depth)}1${'}'.repeat(depth)}}`);
    expect(Object.keys(objects ?? {})).toEqual(['a']);
    const duplicateAtTheBottom = `{"a":${'{"b":'.repeat(depth)}1,"b":2${'}'.repeat(depth)}}`;
    expect(parseJsonObject(duplicateAtTheBottom) === undefined).toBe(true);
  });
});
