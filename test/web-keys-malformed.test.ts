/**
 * What the page refuses when it reads keys: hostile or broken private-key files (a PBKDF2 count that would hang the
 * page, truncated or random DER) are refused with a KeyError code, never a crash or a hang; and the server key is
 * read from `GET /server-key` as functions/read serves it, or refused.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KEY_ERROR_CODES, KeyError } from '../shared/errors.js';
import type { KeyErrorCode } from '../shared/errors.js';
import { exportPublicKeyPem, spkiFingerprint } from '../shared/keys.js';
import { exportPrivateKeyPem } from '../shared/keygen.js';
import { importServerKey } from '../web/crypto/jwe.js';
import { importPkcs8Pem } from '../web/crypto/keys.js';
import { MAX_PBKDF2_ITERATIONS } from '../web/crypto/pkcs8.js';
import { concat, element, integer, oid, sequence } from './helpers/der-writer.js';

const PASSPHRASE = 'correct horse battery';
const pem = (label: string, der: Uint8Array) =>
  `-----BEGIN ${label}-----\n${(
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? []
  ).join('\n')}\n-----END ${label}-----\n`;
const derOf = (text: string) => Uint8Array.from(Buffer.from(text.split('-----')[2]!.replace(/\s/g, ''), 'base64'));
const octets = (bytes: Uint8Array) => element(0x04, bytes);
const NULL = Uint8Array.of(0x05, 0x00);

/** An EncryptedPrivateKeyInfo with PBES2: PBKDF2 (HMAC-SHA-256 unless told) and AES-256-CBC, over 32 bytes. */
function pbes2(options: { iterations: bigint; keyLength?: bigint; prf?: string }): string {
  const kdfParameters = sequence(
    octets(new Uint8Array(8)),
    integer(options.iterations),
    ...(options.keyLength === undefined ? [] : [integer(options.keyLength)]),
    sequence(oid(options.prf ?? '1.2.840.113549.2.9'), NULL),
  );
  const scheme = sequence(
    oid('1.2.840.113549.1.5.13'),
    sequence(
      sequence(oid('1.2.840.113549.1.5.12'), kdfParameters),
      sequence(oid('2.16.840.1.101.3.4.1.42'), octets(new Uint8Array(16))),
    ),
  );
  return pem('ENCRYPTED PRIVATE KEY', sequence(scheme, octets(new Uint8Array(32))));
}

async function codeOf(work: Promise<unknown>): Promise<KeyErrorCode> {
  const error = await work.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, 'expected a KeyError').toBeInstanceOf(KeyError);
  return (error as KeyError).code;
}

describe('hostile and broken private-key files', () => {
  it('refuses a PBKDF2 iteration count above the cap at once, before deriving anything', async () => {
    for (const iterations of [BigInt(MAX_PBKDF2_ITERATIONS) + 1n, 2n ** 31n, 2n ** 64n]) {
      const started = performance.now();
      expect(await codeOf(importPkcs8Pem(pbes2({ iterations }), PASSPHRASE))).toBe('key_unsupported_in_browser');
      expect(performance.now() - started).toBeLessThan(500);
    }
  });

  it('refuses a PBKDF2 count of zero, a key length that is not the cipher’s, and an unknown PRF', async () => {
    expect(await codeOf(importPkcs8Pem(pbes2({ iterations: 0n }), PASSPHRASE))).toBe('key_malformed');
    expect(await codeOf(importPkcs8Pem(pbes2({ iterations: 1n, keyLength: 16n }), PASSPHRASE))).toBe('key_malformed');
    const md5 = pbes2({ iterations: 1n, prf: '1.2.840.113549.2.5' });
    expect(await codeOf(importPkcs8Pem(md5, PASSPHRASE))).toBe('key_unsupported_in_browser');
  });

  it('a well-formed PBES2 file whose data is no key reads as a wrong passphrase', async () => {
    expect(await codeOf(importPkcs8Pem(pbes2({ iterations: 1n }), PASSPHRASE))).toBe('key_passphrase_wrong');
  });

  it('refuses every truncation of a plain and of an encrypted key with a code', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    for (const [label, text] of [
      ['PRIVATE KEY', exportPrivateKeyPem(privateKey)],
      ['ENCRYPTED PRIVATE KEY', exportPrivateKeyPem(privateKey, PASSPHRASE)],
    ] as const) {
      const der = derOf(text);
      for (let length = 1; length < der.length; length += 1) {
        const code = await codeOf(importPkcs8Pem(pem(label, der.subarray(0, length)), PASSPHRASE));
        expect(['key_malformed', 'key_passphrase_wrong']).toContain(code);
      }
    }
  });

  it('refuses random bytes, in either PEM block, with a documented code', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.constantFrom('PRIVATE KEY', 'ENCRYPTED PRIVATE KEY'),
        async (bytes, label) => {
          expect(KEY_ERROR_CODES).toContain(await codeOf(importPkcs8Pem(pem(label, bytes), PASSPHRASE)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses text that is no PEM, a PEM that is no base64, and a huge text', async () => {
    expect(await codeOf(importPkcs8Pem('hello'))).toBe('key_malformed');
    expect(await codeOf(importPkcs8Pem('-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n'))).toBe(
      'key_malformed',
    );
    const huge = pem('PRIVATE KEY', concat(new Uint8Array(70_000)));
    expect(await codeOf(importPkcs8Pem(huge))).toBe('key_malformed');
  });
});

describe('the server key, as GET /server-key serves it', () => {
  const { publicKey } = generateKeyPairSync('x25519');
  const jwk = publicKey.export({ format: 'jwk' });
  /** The answer of functions/read `currentServerKey`, less its history. */
  const answer = {
    kid: 'server-2026',
    alg: 'ECDH-ES',
    enc: 'A256GCM',
    fingerprint: spkiFingerprint(publicKey),
    createdAt: '2026-12-01T00:00:00.000Z',
    jwk: { ...jwk, kid: 'server-2026', use: 'enc', alg: 'ECDH-ES' },
    publicKeyPem: exportPublicKeyPem(publicKey),
  };

  it('reads it from the JWK, from the PEM, or both, with its fingerprint', async () => {
    const pemOnly = { ...answer, jwk: undefined };
    const jwkOnly = { ...answer, publicKeyPem: undefined };
    for (const published of [answer, pemOnly, jwkOnly]) {
      const key = await importServerKey(published);
      expect(key.kid).toBe('server-2026');
      expect(key.fingerprint).toBe(spkiFingerprint(publicKey));
      const spki = Buffer.from(await crypto.subtle.exportKey('spki', key.publicKey));
      expect(createPublicKey({ key: spki, format: 'der', type: 'spki' }).equals(publicKey)).toBe(true);
    }
  });

  it('refuses a JWK and PEM of different keys, a wrong fingerprint, another kind of key and a bad kid', async () => {
    const other = generateKeyPairSync('x25519').publicKey;
    const mixed = { ...answer, publicKeyPem: exportPublicKeyPem(other) };
    expect(await codeOf(importServerKey(mixed))).toBe('key_malformed');
    expect(await codeOf(importServerKey({ ...answer, fingerprint: spkiFingerprint(other) }))).toBe('key_malformed');
    const ed25519 = generateKeyPairSync('ed25519').publicKey;
    expect(await codeOf(importServerKey({ kid: 'k', publicKeyPem: exportPublicKeyPem(ed25519) }))).toBe(
      'key_wrong_kind',
    );
    expect(await codeOf(importServerKey({ kid: 'k', jwk: ed25519.export({ format: 'jwk' }) }))).toBe('key_wrong_kind');
    expect(await codeOf(importServerKey({ ...answer, kid: '..' }))).toBe('key_id_invalid');
    expect(await codeOf(importServerKey({ kid: 'k' }))).toBe('key_malformed');
    expect(await codeOf(importServerKey(null))).toBe('key_id_invalid');
  });
});
