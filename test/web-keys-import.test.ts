/**
 * Keys in the page (web/crypto/keys.ts): made there or imported from the PEM files `po keygen` and `openssl genpkey`
 * write, plain or passphrase-encrypted, they end as non-extractable CryptoKeys with po's key ID; and every key po
 * refuses, or a browser cannot use, is refused with a code.
 */
import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseJws, verifyJwsSignature } from '../shared/envelope/jws.js';
import { KeyError } from '../shared/errors.js';
import type { KeyErrorCode } from '../shared/errors.js';
import { exportPublicKeyPem, parsePublicKeyPem, spkiFingerprint, verificationKey } from '../shared/keys.js';
import type { SignatureAlg } from '../shared/keys.js';
import { exportPrivateKeyPem, generateKeyPair, keygenParameters } from '../shared/keygen.js';
import { generateBrowserKey, importPkcs8Pem } from '../web/crypto/keys.js';
import type { BrowserKey } from '../web/crypto/keys.js';
import { signJwsInPage } from '../web/crypto/sign.js';
import { OPENSSL_GENPKEY_ARGS, opensslKey, tempDir } from './helpers/openssl.js';

const PASSPHRASE = 'correct horse battery';
const dir = tempDir('po-web-keys-');

/** Runs openssl with `input` on stdin and returns what it writes. */
const openssl = (args: readonly string[], input?: string) =>
  execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] }).toString();

/** The key signs in the page what po verifies, and nothing can read its private half. */
async function expectUsable(key: BrowserKey, nodePublic: KeyObject, alg: SignatureAlg): Promise<void> {
  expect(key.signer.alg).toBe(alg);
  expect(key.signer.kid).toBe(spkiFingerprint(nodePublic));
  expect(key.publicKeyPem).toBe(exportPublicKeyPem(nodePublic));
  expect(key.signer.privateKey.extractable).toBe(false);
  await expect(crypto.subtle.exportKey('pkcs8', key.signer.privateKey)).rejects.toThrow();
  await expect(crypto.subtle.exportKey('jwk', key.signer.privateKey)).rejects.toThrow();
  const jws = await signJwsInPage(new TextEncoder().encode('{"a":1}'), key.signer, 'po-order+jws');
  expect(verifyJwsSignature(parseJws(jws), alg, nodePublic)).toBe(true);
}

async function refusal(work: Promise<unknown>): Promise<KeyError> {
  const error = await work.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, 'expected a KeyError').toBeInstanceOf(KeyError);
  return error as KeyError;
}

async function expectRefused(work: Promise<unknown>, code: KeyErrorCode, message?: RegExp): Promise<void> {
  const error = await refusal(work);
  expect(error.code).toBe(code);
  if (message) expect(error.message).toMatch(message);
}

describe('keys made in the page', () => {
  it.each([
    ['ed25519', 'EdDSA', 256],
    ['p256', 'ES256', 256],
    ['rsa3072', 'PS256', 3072],
  ] as const)('%s: a non-extractable %s key, its kid the SPKI fingerprint po computes', async (kind, alg, bits) => {
    const key = await generateBrowserKey(kind);
    const nodePublic = createPublicKey({ key: Buffer.from(key.spkiDer), format: 'der', type: 'spki' });
    expect(verificationKey(parsePublicKeyPem(key.publicKeyPem)).alg).toBe(alg);
    expect(key.bits).toBe(bits);
    await expectUsable(key, nodePublic, alg);
  });
});

describe('keys from po keygen', () => {
  it.each([
    ['rsa', 'PS256'],
    ['ecdsa', 'ES256'],
    ['ed25519', 'EdDSA'],
  ] as const)('%s: plain and passphrase-encrypted PKCS#8 import as %s', async (algorithm, alg) => {
    const pair = await generateKeyPair(keygenParameters(algorithm, algorithm === 'rsa' ? 2048 : undefined));
    const plain = await importPkcs8Pem(exportPrivateKeyPem(pair.privateKey));
    expect(plain.encrypted).toBe(false);
    await expectUsable(plain, pair.publicKey, alg);
    const encryptedPem = exportPrivateKeyPem(pair.privateKey, PASSPHRASE);
    const encrypted = await importPkcs8Pem(encryptedPem, PASSPHRASE);
    expect(encrypted.encrypted).toBe(true);
    await expectUsable(encrypted, pair.publicKey, alg);
    await expectRefused(importPkcs8Pem(encryptedPem, 'wrong horse battery'), 'key_passphrase_wrong');
    await expectRefused(importPkcs8Pem(encryptedPem), 'key_passphrase_required');
    // A passphrase for a key that has none is not used, as po does not use it; the caller is told.
    expect((await importPkcs8Pem(exportPrivateKeyPem(pair.privateKey), PASSPHRASE)).encrypted).toBe(false);
  });

  it('a DSA key is refused: the browser has no DSA, po signs with it', async () => {
    const pair = await generateKeyPair(keygenParameters('dsa'));
    await expectRefused(importPkcs8Pem(exportPrivateKeyPem(pair.privateKey)), 'key_unsupported_in_browser', /DSA.*po/);
    await expectRefused(
      importPkcs8Pem(exportPrivateKeyPem(pair.privateKey, PASSPHRASE), PASSPHRASE),
      'key_unsupported_in_browser',
      /WebCrypto has no DSA/,
    );
  });

  it('an X25519 key cannot sign', async () => {
    const pair = await generateKeyPair(keygenParameters('x25519'));
    await expectRefused(importPkcs8Pem(exportPrivateKeyPem(pair.privateKey)), 'key_wrong_kind');
  });
});

describe('keys from openssl', () => {
  it.each([
    ['rsa', 'PS256'],
    ['ec', 'ES256'],
    ['ed25519', 'EdDSA'],
  ] as const)('openssl genpkey %s, plain and -aes-256-cbc, imports as %s', async (name, alg) => {
    const plain = opensslKey(dir, `${name}-plain`, OPENSSL_GENPKEY_ARGS[name]);
    await expectUsable(await importPkcs8Pem(plain.privatePem), parsePublicKeyPem(plain.publicPem), alg);
    const encrypted = opensslKey(dir, `${name}-encrypted`, OPENSSL_GENPKEY_ARGS[name], PASSPHRASE);
    expect(encrypted.privatePem).toContain('ENCRYPTED PRIVATE KEY');
    const key = await importPkcs8Pem(encrypted.privatePem, PASSPHRASE);
    await expectUsable(key, parsePublicKeyPem(encrypted.publicPem), alg);
    await expectRefused(importPkcs8Pem(encrypted.privatePem, 'not the passphrase'), 'key_passphrase_wrong');
  });

  it.each([
    ['aes-128-cbc', 'hmacWithSHA1'],
    ['aes-192-cbc', 'hmacWithSHA512'],
    ['aes-256-cbc', 'hmacWithSHA384'],
  ])('PBES2 with %s and %s imports', async (cipher, prf) => {
    const plain = opensslKey(dir, `ec-${cipher}`, OPENSSL_GENPKEY_ARGS.ec);
    const pem = openssl(
      ['pkcs8', '-topk8', '-v2', cipher, '-v2prf', prf, '-passout', `pass:${PASSPHRASE}`],
      plain.privatePem,
    );
    await expectUsable(await importPkcs8Pem(pem, PASSPHRASE), parsePublicKeyPem(plain.publicPem), 'ES256');
  });

  it.each([
    ['scrypt', ['-scrypt']],
    ['Triple DES', ['-v2', 'des3']],
    ['PBES1', ['-v1', 'PBE-SHA1-3DES']],
  ])('a key encrypted with %s, which po reads, is refused as beyond the page', async (_name, options) => {
    const plain = opensslKey(dir, `ed25519-${_name}`, OPENSSL_GENPKEY_ARGS.ed25519);
    const pem = openssl(['pkcs8', '-topk8', ...options, '-passout', `pass:${PASSPHRASE}`], plain.privatePem);
    await expectRefused(importPkcs8Pem(pem, PASSPHRASE), 'key_unsupported_in_browser', /po/);
  });

  it('refuses RSA 1024, P-384, a legacy PEM and a public key, with the codes po gives', async () => {
    const small = opensslKey(dir, 'rsa1024', OPENSSL_GENPKEY_ARGS.rsa1024);
    await expectRefused(importPkcs8Pem(small.privatePem), 'key_too_small', /1024 bits/);
    const p384 = opensslKey(dir, 'p384', OPENSSL_GENPKEY_ARGS.secp384);
    await expectRefused(importPkcs8Pem(p384.privatePem), 'key_unsupported', /P-256/);
    const legacy = openssl(['pkey', '-traditional'], small.privatePem);
    expect(legacy).toContain('BEGIN RSA PRIVATE KEY');
    await expectRefused(importPkcs8Pem(legacy), 'key_unsupported_in_browser', /openssl pkcs8 -topk8/);
    await expectRefused(importPkcs8Pem(small.publicPem), 'key_wrong_kind');
  });
});
