/** The `po` CLI as users run it: keygen → seal → open, OpenSSL interop, and one clear line for every bad input. */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parsePublicKeyPem, spkiFingerprint } from '../shared/keys.js';
import { OPENSSL_GENPKEY_ARGS, opensslDsaKey, opensslKey, tempDir, writeText } from './helpers/openssl.js';
import { po } from './helpers/po.js';
import type { PoResult } from './helpers/po.js';

/** No error output may carry a stack trace or key material. */
function expectCleanStderr(result: PoResult): void {
  expect(result.stderr).not.toMatch(/\n\s+at /);
  // A PEM block with its base64 body is key material; naming the expected format in a message is fine.
  expect(result.stderr).not.toMatch(/-----BEGIN [A-Z ]*KEY-----\s*[A-Za-z0-9+/]/);
  expect(result.stdout).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----\s*[A-Za-z0-9+/]/);
}

function expectLineError(result: PoResult, code: string, exitCode: number, message?: RegExp): void {
  expectCleanStderr(result);
  expect(result.code).toBe(exitCode);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toContain(`[${code}]`);
  if (message) expect(result.stderr).toMatch(message);
}

const dir = tempDir('po-cli-');
const keys = join(dir, 'keys');
let serverKid: string;

beforeAll(async () => {
  const server = await po(['keygen', '--alg', 'x25519', '--out', keys, '--name', 'server']);
  expect(server.code).toBe(0);
  serverKid = server.stdout.trim();
});

function sealArgs(key: string, extra: string[] = []): string[] {
  return [
    'envelope',
    'seal',
    '--customer',
    'alice',
    '--key',
    key,
    '--server-key',
    join(keys, 'server.pub.pem'),
    '--server-key-id',
    serverKid,
    '--item',
    'WIDGET-1:3',
    ...extra,
  ];
}

function openArgs(customerKey: string, extra: string[] = []): string[] {
  return [
    'envelope',
    'open',
    '--server-key',
    join(keys, 'server.key.pem'),
    '--server-key-id',
    serverKid,
    '--customer',
    'alice',
    '--customer-key',
    customerKey,
    ...extra,
  ];
}

describe('po --help', () => {
  it.each([[[]], [['keygen']], [['envelope']], [['envelope', 'seal']], [['envelope', 'open']]])(
    'explains po %s',
    async (path) => {
      const result = await po([...path, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: po${path.length ? ` ${path.join(' ')}` : ''}`);
    },
  );

  it('documents exit codes and examples', async () => {
    expect((await po(['--help'])).stdout).toMatch(/Exit status: 0 ok .* 1 rejected .* 2 usage/);
    expect((await po(['keygen', '--help'])).stdout).toContain('Examples:');
    expect((await po(['envelope', 'open', '--help'])).stdout).toContain('{"error":{"code":');
  });
});

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

    const sealed = await po(sealArgs(privateKeyFile, ['--item', 'GADGET-2:1', '--note', 'dock 4']));
    expect(sealed.code).toBe(0);
    expect(sealed.stdout.trim()).toMatch(/^[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/);
    const header = JSON.parse(Buffer.from(sealed.stdout.split('.')[0]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(header).toMatchObject({ alg: 'ECDH-ES', enc: 'A256GCM', kid: serverKid });

    const opened = await po(openArgs(publicKeyFile), { input: sealed.stdout });
    expect(opened.code).toBe(0);
    const claims = JSON.parse(opened.stdout) as Record<string, unknown>;
    expect(claims).toMatchObject({
      iss: 'alice',
      aud: serverKid,
      note: 'dock 4',
      items: [
        { sku: 'WIDGET-1', qty: 3 },
        { sku: 'GADGET-2', qty: 1 },
      ],
    });
    expect(jwsAlg).toBeTruthy();
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
      '--item',
      'A:1',
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
    expect(JSON.parse(opened.stdout)).toMatchObject({ items: [{ sku: 'A', qty: 1 }] });
  });
});

describe('bad input: one clear line with its code, never a stack trace', () => {
  const badDir = tempDir('po-cli-bad-');
  let customerKeyFile: string;

  beforeAll(async () => {
    expect((await po(['keygen', '--alg', 'ed25519', '--out', badDir, '--name', 'alice'])).code).toBe(0);
    customerKeyFile = join(badDir, 'alice.key.pem');
  });

  it('names a missing file', async () => {
    expectLineError(await po(sealArgs(join(badDir, 'nope.pem'))), 'file_not_found', 2, /nope\.pem: no such file/);
  });

  it('refuses a directory as a key file', async () => {
    expectLineError(await po(sealArgs(badDir)), 'file_unreadable', 2, /is a directory/);
  });

  it('refuses a file that is not a key', async () => {
    expectLineError(await po(sealArgs(writeText(badDir, 'notes.txt', 'hello'))), 'key_malformed', 2);
  });

  it('refuses the wrong kind of key: a public key to sign, a server key to sign, a private key as server key', async () => {
    expectLineError(
      await po(sealArgs(join(badDir, 'alice.pub.pem'))),
      'key_wrong_kind',
      2,
      /public key; a private key is needed/,
    );
    expectLineError(await po(sealArgs(join(keys, 'server.key.pem'))), 'key_wrong_kind', 2, /x25519 keys cannot sign/);
    const args = sealArgs(customerKeyFile);
    args[args.indexOf('--server-key') + 1] = join(keys, 'server.key.pem');
    expectLineError(await po(args), 'key_wrong_kind', 2, /private key; give the public key/);
    args[args.indexOf('--server-key') + 1] = join(badDir, 'alice.pub.pem');
    expectLineError(await po(args), 'key_wrong_kind', 2, /server keys are X25519/);
  });

  it('refuses keys below the minimum size and unsupported curves', async () => {
    const small = opensslKey(badDir, 'rsa1024', OPENSSL_GENPKEY_ARGS.rsa1024);
    expectLineError(await po(sealArgs(small.privateKeyFile)), 'key_too_small', 2, /1024 bits; at least 2048/);
    const openWithSmallKey = await po(openArgs(small.publicKeyFile), { input: 'x' });
    expect(openWithSmallKey.code).toBe(2);
    expect(JSON.parse(openWithSmallKey.stderr)).toMatchObject({ error: { code: 'key_too_small' } });
    const p384 = opensslKey(badDir, 'p384', OPENSSL_GENPKEY_ARGS.secp384);
    expectLineError(await po(sealArgs(p384.privateKeyFile)), 'key_unsupported', 2, /use P-256/);
    expectLineError(await po(['keygen', '--alg', 'rsa', '--bits', '1024', '--out', badDir]), 'key_too_small', 2);
    expectLineError(await po(['keygen', '--alg', 'dsa', '--bits', '1024', '--out', badDir]), 'key_too_small', 2);
    expectLineError(await po(['keygen', '--alg', 'ed25519', '--bits', '4096', '--out', badDir]), 'usage', 2);
  });

  it('refuses to overwrite key files unless --force', async () => {
    expectLineError(
      await po(['keygen', '--alg', 'ed25519', '--out', badDir, '--name', 'alice']),
      'file_exists',
      2,
      /--force/,
    );
    expect((await po(['keygen', '--alg', 'ed25519', '--out', badDir, '--name', 'alice', '--force'])).code).toBe(0);
  });

  it('refuses short passphrases for new keys and path-like names', async () => {
    const short = writeText(badDir, 'short.txt', 'abc\n');
    expectLineError(
      await po(['keygen', '--alg', 'ecdsa', '--out', badDir, '--name', 'x', '--passphrase-file', short]),
      'usage',
      2,
      /shorter than 8/,
    );
    expectLineError(
      await po(['keygen', '--alg', 'ecdsa', '--out', badDir, '--name', '../escape']),
      'usage',
      2,
      /no path/,
    );
  });

  it('explains bad order lines', async () => {
    expectLineError(await po(sealArgs(customerKeyFile, ['--item', 'WIDGET'])), 'usage', 2, /SKU:QTY/);
    expectLineError(await po(sealArgs(customerKeyFile, ['--item', 'WIDGET-2:0'])), 'items_invalid', 1, /at least 1/);
    expectLineError(
      await po(sealArgs(customerKeyFile, ['--item', 'WIDGET-2:1.5'])),
      'items_invalid',
      1,
      /whole number/,
    );
    expectLineError(await po(sealArgs(customerKeyFile, ['--item', 'WIDGET-1:2'])), 'items_invalid', 1, /one line only/);
  });

  it('reports unknown options and missing required options as usage errors', async () => {
    const unknown = await po(['keygen', '--alg', 'rsa', '--bitz', '2048', '--out', badDir]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--bitz'");
    const missing = await po(['envelope', 'seal', '--customer', 'alice']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/required option '--key <file>' not specified/);
    const badAlg = await po(['keygen', '--alg', 'rsa1', '--out', badDir]);
    expect(badAlg.code).toBe(2);
    expect(badAlg.stderr).toContain('Allowed choices are rsa, dsa, ecdsa, ed25519, x25519');
  });

  it('prints envelope rejections as {"error":{code,message}} on stderr and exits 1', async () => {
    const sealed = (await po(sealArgs(customerKeyFile))).stdout.trim();
    const tampered = sealed.slice(0, -3) + (sealed.endsWith('AAA') ? 'BBB' : 'AAA');
    const cases: Array<[string, string[], string]> = [
      [tampered, [], 'decryption_failed'],
      [sealed, ['--customer', 'bob'], 'issuer_mismatch'],
      ['', [], 'envelope_malformed'],
      ['x'.repeat(20_000), [], 'envelope_too_large'],
    ];
    for (const [input, extra, code] of cases) {
      const args = openArgs(join(badDir, 'alice.pub.pem'));
      if (extra.length) args.splice(args.indexOf('--customer'), 2, ...extra);
      const result = await po(args, { input });
      expectCleanStderr(result);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      const body = JSON.parse(result.stderr) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.message.length).toBeGreaterThan(0);
    }
  });

  it('refuses a customer key that is not registered to the signer (wrong customer key)', async () => {
    const other = await po(['keygen', '--alg', 'ed25519', '--out', badDir, '--name', 'mallory']);
    expect(other.code).toBe(0);
    const sealed = await po(sealArgs(join(badDir, 'mallory.key.pem')));
    const result = await po(openArgs(join(badDir, 'alice.pub.pem')), { input: sealed.stdout });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stderr)).toMatchObject({ error: { code: 'customer_key_unknown' } });
    const sameKid = await po(openArgs(join(badDir, 'alice.pub.pem'), ['--key-id', other.stdout.trim()]), {
      input: sealed.stdout,
    });
    expect(JSON.parse(sameKid.stderr)).toMatchObject({ error: { code: 'signature_invalid' } });
  });
});
