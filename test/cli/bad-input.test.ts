/** Bad input to the offline commands (keygen, envelope, verify): one clear line with its code, never a stack trace. */
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectCleanStderr, expectLineError, envelopeCommandsForThisFile } from '../helpers/cli.js';
import { OPENSSL_GENPKEY_ARGS, opensslKey, tempDir, writeText } from '../helpers/openssl.js';
import { po, spawnPo } from '../helpers/po.js';

const envelope = envelopeCommandsForThisFile();
const { keys, sealArgs, openArgs } = envelope;

describe('bad input: one clear line with its code, never a stack trace', () => {
  const badDir = tempDir('po-cli-bad-');
  let customerKeyFile: string;

  beforeAll(async () => {
    expect((await po(['keygen', '--alg', 'ed25519', '--out', badDir, '--name', 'alice'])).code).toBe(0);
    customerKeyFile = join(badDir, 'alice.key.pem');
  });

  it("shows what was typed with its control and invisible characters visible, never obeyed (a terminal's escapes, RTL)", async () => {
    const result = await po(['verify', `${badDir}/\u001b[2J\u202eevil.json`]);
    expectLineError(result, 'file_not_found', 2);
    expect(result.stderr).toContain('/\\u{1B}[2J\\u{202E}evil.json: no such file');
    expect(result.stderr).not.toContain('\u001b');
    expect(result.stderr).not.toContain('\u202e');
  });

  it('reads no more of a file than it needs: a pipe kept open after 2 MiB is refused as too large, at once', async () => {
    const fifo = join(badDir, 'endless.fifo');
    execFileSync('mkfifo', [fifo]);
    // The writer keeps the pipe open after 2 MiB (one open for both commands), as /dev/zero or a stuck producer would
    // never end it; its process group is ended afterwards.
    const writer = spawn('sh', ['-c', `{ head -c 2097152 /dev/zero; sleep 60; } > '${fifo}'`], {
      stdio: 'ignore',
      detached: true,
    });
    try {
      const child = spawnPo(['verify', fifo]);
      const stopped = setTimeout(() => child.kill('SIGKILL'), 15_000);
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.stdin.end();
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      clearTimeout(stopped);
      expect([code, stderr]).toEqual([2, `po: evidence bundle ${fifo}: file too large [file_unreadable]\n`]);
    } finally {
      process.kill(-writer.pid!, 'SIGTERM');
    }
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
    const line = async (item: string) => po(sealArgs(customerKeyFile, ['--item', item]));
    expectLineError(await line('WIDGET'), 'usage', 2, /SKU:QTY@PRICE_CENTS/);
    expectLineError(await line('WIDGET-2:1'), 'usage', 2, /SKU:QTY@PRICE_CENTS/);
    expectLineError(await line('WIDGET-2:0@100'), 'items_invalid', 1, /at least 1/);
    expectLineError(await line('WIDGET-2:1.5@100'), 'items_invalid', 1, /line 2: quantity must be a whole number/); // the seal's base line is line 1
    expectLineError(await line('WIDGET-2:1@-5'), 'items_invalid', 1, /must not be negative/);
    expectLineError(await line('WIDGET-2:1@12.50'), 'items_invalid', 1, /whole number of cents/);
    expectLineError(await line('WIDGET-1:2@1250'), 'items_invalid', 1, /one line only/);
    expectLineError(await po(sealArgs(customerKeyFile, ['--currency', 'usd'])), 'claims_invalid', 1, /ISO 4217 code/);
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
