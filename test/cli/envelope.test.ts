/** keygen → seal → open with every signing algorithm, encrypted keys, and keys made by OpenSSL. */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compactDecrypt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { parsePrivateKeyPem, parsePublicKeyPem, spkiFingerprint } from '../../shared/keys.js';
import { expectCleanStderr, expectLineError, envelopeCommandsForThisFile } from '../helpers/cli.js';
import { OPENSSL_GENPKEY_ARGS, opensslDsaKey, opensslKey, tempDir, writeText } from '../helpers/openssl.js';
import { po } from '../helpers/po.js';

const envelope = envelopeCommandsForThisFile();
const { dir, keys, sealArgs, openArgs } = envelope;

describe('keygen → seal → open', () => {
  it.each([
    ['rsa', ['--bits', '2048'], 'PS256'],
    ['dsa', [], 'DS256'],
    ['ecdsa', [], 'ES256'],
    ['ed25519', [], 'EdDSA'],
  ] as const)('round-trips an order with a %s key', async (alg, extra, jwsAlg) => {
    const keygen = await po(['keygen', '--alg', alg, ...extra, '--out', keys, '--name', `alice-${alg}`]);
    expect(keygen.code).toBe(0);
    expectCleanStderr(keygen);
    const privateKeyFile = join(keys, `alice-${alg}.key.pem`);
    const publicKeyFile = join(keys, `alice-${alg}.pub.pem`);
    expect(statSync(privateKeyFile).mode & 0o777).toBe(0o600);
    expect(statSync(publicKeyFile).mode & 0o777).toBe(0o644);
    // The printed key ID is the SPKI fingerprint of the public key written.
    expect(keygen.stdout.trim()).toBe(spkiFingerprint(parsePublicKeyPem(readFileSync(publicKeyFile, 'utf8'))));
    if (alg === 'rsa' || alg === 'dsa')
      expect(keygen.stderr).toMatch(/generating (RSA 2048|DSA 2048\/224) key: done in \d+\.\d s/);

    const sealed = await po(sealArgs(privateKeyFile, ['--item', 'GADGET-2:1@999', '--note', 'dock 4']));
    expect(sealed.code).toBe(0);
    expect(sealed.stdout.trim()).toMatch(/^[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/);
    const header = JSON.parse(Buffer.from(sealed.stdout.split('.')[0]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(header).toMatchObject({ alg: 'ECDH-ES', enc: 'A256GCM', kid: envelope.serverKid });
    // The inner JWS is signed with the algorithm of the key, as jose (not our code) reads it.
    const serverPrivateKey = parsePrivateKeyPem(readFileSync(join(keys, 'server.key.pem'), 'utf8'));
    const { plaintext } = await compactDecrypt(sealed.stdout.trim(), serverPrivateKey);
    const innerHeader = decodeProtectedHeader(new TextDecoder().decode(plaintext));
    expect(innerHeader).toEqual({ alg: jwsAlg, kid: keygen.stdout.trim(), typ: 'po-order+jws' });

    const opened = await po(openArgs(publicKeyFile), { input: sealed.stdout });
    expect(opened.code).toBe(0);
    const claims = JSON.parse(opened.stdout) as Record<string, unknown>;
    expect(claims).toMatchObject({
      iss: 'alice',
      aud: envelope.serverKid,
      note: 'dock 4',
      items: [
        { sku: 'WIDGET-1', qty: 3, unitPriceCents: 1250 },
        { sku: 'GADGET-2', qty: 1, unitPriceCents: 999 },
      ],
      currency: 'USD',
      totalCents: 3 * 1250 + 999,
    });
  });

  it('writes JSON with --json', async () => {
    const result = await po(['keygen', '--alg', 'ed25519', '--out', keys, '--name', 'json-key', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      algorithm: 'ed25519',
      bits: 256,
      signatureAlg: 'EdDSA',
      kid: expect.any(String) as unknown,
    });
  });

  it('uses a passphrase-encrypted key with --passphrase-file, and says clearly when it is missing or wrong', async () => {
    const passphraseFile = writeText(dir, 'pass.txt', 'a long passphrase\n');
    const wrongFile = writeText(dir, 'wrong.txt', 'not the passphrase\n');
    const keygen = await po([
      'keygen',
      '--alg',
      'ecdsa',
      '--out',
      keys,
      '--name',
      'locked',
      '--passphrase-file',
      passphraseFile,
    ]);
    expect(keygen.code).toBe(0);
    const privateKeyFile = join(keys, 'locked.key.pem');
    expect(readFileSync(privateKeyFile, 'utf8')).toContain('BEGIN ENCRYPTED PRIVATE KEY');

    expectLineError(await po(sealArgs(privateKeyFile)), 'key_passphrase_required', 2, /encrypted; give its passphrase/);
    expectLineError(await po(sealArgs(privateKeyFile, ['--passphrase-file', wrongFile])), 'key_passphrase_wrong', 2);
    const sealed = await po(sealArgs(privateKeyFile, ['--passphrase-file', passphraseFile]));
    expect(sealed.code).toBe(0);
    expect((await po(openArgs(join(keys, 'locked.pub.pem')), { input: sealed.stdout })).code).toBe(0);
  });
});

describe('keys made by openssl', () => {
  const opensslDir = tempDir('po-cli-openssl-');
  it.each([
    ['RSA', () => opensslKey(opensslDir, 'rsa', OPENSSL_GENPKEY_ARGS.rsa)],
    ['DSA', () => opensslDsaKey(opensslDir, 'dsa', 2048, 256)],
    ['EC P-256', () => opensslKey(opensslDir, 'ec', OPENSSL_GENPKEY_ARGS.ec)],
    ['Ed25519', () => opensslKey(opensslDir, 'ed', OPENSSL_GENPKEY_ARGS.ed25519)],
  ])('seals with an OpenSSL %s key to an OpenSSL X25519 server key and opens it', async (_name, make) => {
    const customer = make();
    const server = opensslKey(opensslDir, `server-${_name.replace(/\W/g, '')}`, OPENSSL_GENPKEY_ARGS.x25519);
    const sealed = await po([
      'envelope',
      'seal',
      '--customer',
      'alice',
      '--key',
      customer.privateKeyFile,
      '--server-key',
      server.publicKeyFile,
      '--server-key-id',
      'opd-1',
      '--currency',
      'EUR',
      '--item',
      'A:1@100',
    ]);
    expect(sealed.code).toBe(0);
    const opened = await po(
      [
        'envelope',
        'open',
        '--server-key',
        server.privateKeyFile,
        '--server-key-id',
        'opd-1',
        '--customer',
        'alice',
        '--customer-key',
        customer.publicKeyFile,
      ],
      { input: sealed.stdout },
    );
    expect(opened.code).toBe(0);
    expect(JSON.parse(opened.stdout)).toMatchObject({
      items: [{ sku: 'A', qty: 1, unitPriceCents: 100 }],
      currency: 'EUR',
      totalCents: 100,
    });
  });
});
