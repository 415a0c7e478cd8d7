/**
 * The browser's encodings: shared/base64url.ts run as a browser runs it (the strict codec, without
 * Buffer); `pemToDer` reads one canonical SPKI PEM and nothing else (one key, one text); `sha256` is SHA-256.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode as serverDecode, encode as serverEncode } from '../shared/base64url.js';
import { KeyError } from '../shared/errors.js';
import { exportPublicKeyPem } from '../shared/keys.js';
import { decode, encode } from './helpers/browser-base64url.js';
import { pemToDer, sha256 } from '../web/crypto/signatures.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('base64url', () => {
  it('encodes bytes as Buffer does, and decodes them back (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = encode(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64url'));
        expect(decode(text)).toEqual(bytes);
      }),
    );
  });

  it('encodes a string as its UTF-8, as the server does (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 50 }), (text) => {
        expect(encode(text)).toBe(serverEncode(text));
      }),
    );
  });

  it('decodes exactly the texts the server decodes, to the same bytes (property)', () => {
    const nearlyBase64url = fc.string({
      unit: fc.oneof(
        { weight: 20, arbitrary: fc.constantFrom(...ALPHABET) },
        { weight: 1, arbitrary: fc.constantFrom('=', '+', '/', ' ', '\n', '.', 'é', '\u0000') },
      ),
      maxLength: 24,
    });
    fc.assert(
      fc.property(nearlyBase64url, (text) => {
        const server = serverDecode(text);
        expect(decode(text)).toEqual(server === undefined ? undefined : new Uint8Array(server));
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['', []],
    ['AA', [0]],
    ['AAA', [0, 0]],
    ['_-8', [0xff, 0xef]],
    ['AQID', [1, 2, 3]],
  ])('decodes %j', (text, bytes) => {
    expect(decode(text)).toEqual(Uint8Array.from(bytes));
  });

  it.each([
    ['an impossible length', 'AAAAA'],
    ['stray low bits in the last character', 'AB'],
    ['stray low bits in the last of three characters', 'AAB'],
    ['padding', 'AA=='],
    ['standard base64 characters', 'A+/A'],
    ['whitespace', 'AA AA'],
    ['a line end', 'AAAA\n'],
    ['a character beyond ASCII', 'AAAé'],
  ])('refuses %s', (_, text) => {
    expect(decode(text)).toBeUndefined();
    expect(serverDecode(text)).toBeUndefined();
  });

  it('refuses what is not a string', () => {
    expect(decode(42 as unknown as string)).toBeUndefined();
  });
});

/** The canonical PEM of any bytes, written independently of pemToDer: padded base64 in 64-character lines. */
const canonicalPem = (der: Uint8Array) =>
  `-----BEGIN PUBLIC KEY-----\n${Buffer.from(der)
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END PUBLIC KEY-----\n`;

function expectMalformed(pem: string): void {
  expect(() => pemToDer(pem)).toThrow(KeyError);
  expect(() => pemToDer(pem)).toThrow(expect.objectContaining({ code: 'key_malformed' }));
}

describe('pemToDer', () => {
  const keys: Array<[string, KeyObject]> = [
    ['RSA 2048', generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey],
    ['ECDSA P-256', generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey],
    ['Ed25519', generateKeyPairSync('ed25519').publicKey],
  ];

  it.each(keys)('reads the %s key the server writes (exportPublicKeyPem) as its DER', (_, key) => {
    const pem = exportPublicKeyPem(key);
    expect(pem).toBe(canonicalPem(key.export({ type: 'spki', format: 'der' })));
    expect(new Uint8Array(pemToDer(pem))).toEqual(new Uint8Array(key.export({ type: 'spki', format: 'der' })));
  });

  it('reads the canonical PEM of any bytes, every last-line length included (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), (der) => {
        expect(new Uint8Array(pemToDer(canonicalPem(der)))).toEqual(der);
      }),
    );
  });

  // P-256: 91 bytes of DER, so two lines of base64 ending in '=='.
  const pem = exportPublicKeyPem(keys[1]![1]);
  const lines = pem.split('\n');
  const withBody = (body: string) => `${lines[0]}\n${body}${lines.at(-2)}\n`;
  it.each([
    ['CRLF line ends', pem.replaceAll('\n', '\r\n')],
    ['no final line end', pem.slice(0, -1)],
    ['two final line ends', `${pem}\n`],
    ['text before the block', `key:\n${pem}`],
    ['a second block', pem + pem],
    [
      '76-character lines',
      withBody(
        lines
          .slice(1, -2)
          .join('')
          .replace(/.{1,76}/g, '$&\n'),
      ),
    ],
    ['one line', withBody(`${lines.slice(1, -2).join('')}\n`)],
    ['the RSA PUBLIC KEY label', pem.replaceAll('PUBLIC KEY', 'RSA PUBLIC KEY')],
    ['a private key', generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()],
    ['a base64url character (-)', pem.replace('\nMFk', '\n-Fk')],
    ['its padding removed', pem.replace(/=+\n-----END/, '\n-----END')],
    ['extra padding', pem.replace(/\n-----END/, '==\n-----END')],
    ['a space in a line', pem.replace('\nMFk', '\nM Fk')],
    ['an empty body', '-----BEGIN PUBLIC KEY-----\n\n-----END PUBLIC KEY-----\n'],
    ['nothing', ''],
  ])('refuses a PEM with %s (key_malformed)', (_, text) => {
    expect(text).not.toBe(pem);
    expectMalformed(text);
  });

  it('never reads two texts as one key: whatever it accepts is the canonical PEM of what it returns (property)', () => {
    fc.assert(
      fc.property(
        fc.nat(pem.length - 1),
        fc.constantFrom('delete', 'insert', 'replace'),
        fc.constantFrom('A', 'B', 'Q', '+', '/', '=', '\n', '\r', ' ', '-'),
        (at, edit, character) => {
          const changed =
            pem.slice(0, at) + (edit === 'delete' ? '' : character) + pem.slice(edit === 'insert' ? at : at + 1);
          let der: Uint8Array;
          try {
            der = pemToDer(changed);
          } catch (error) {
            expect(error).toBeInstanceOf(KeyError);
            return;
          }
          expect(canonicalPem(der)).toBe(changed);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('sha256', () => {
  it('is SHA-256 (FIPS 180-4 "abc")', async () => {
    expect(Buffer.from(await sha256(new TextEncoder().encode('abc'))).toString('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('agrees with node:crypto (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 500 }), async (bytes) => {
        expect(await sha256(bytes)).toEqual(new Uint8Array(createHash('sha256').update(bytes).digest()));
      }),
      { numRuns: 50 },
    );
  });
});
