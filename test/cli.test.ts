/** The `po` CLI as users run it: keygen → seal → open, OpenSSL interop, and one clear line for every bad input. */
import { execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactDecrypt, decodeProtectedHeader } from 'jose';
import { exportPrivateKeyPem, parsePrivateKeyPem, parsePublicKeyPem, spkiFingerprint } from '../shared/keys.js';
import type { ReceiptClaims } from '../shared/receipts.js';
import { OPENSSL_GENPKEY_ARGS, opensslDsaKey, opensslKey, tempDir, writeText } from './helpers/openssl.js';
import type { EvidenceBundle } from '../shared/evidence.js';
import { makeBundle, receiptKeyPair } from './helpers/evidence.js';
import { startFakeOpd } from './helpers/fake-opd.js';
import type { FakeOpd, FakeOpdBehaviour } from './helpers/fake-opd.js';
import { customerKeys, serverKey } from './helpers/keys.js';
import { po, spawnPo } from './helpers/po.js';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { PoResult } from './helpers/po.js';
import { trustCommand } from '../cli/trust.js';
import { exitCodeFor } from '../cli/output.js';
import { buildProgram } from '../cli/main.js';
import type { Command } from 'commander';

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
    '--currency',
    'USD',
    '--item',
    'WIDGET-1:3@1250',
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
    expect((await po(['--help'])).stdout).toMatch(
      /Exit status: 0 ok .* 1 refused .* 2 usage .* 3 network .* 70 internal/s,
    );
    expect((await po(['keygen', '--help'])).stdout).toContain('Examples:');
    expect((await po(['envelope', 'open', '--help'])).stdout).toContain('{"error":{"code":');
  });
});

describe('po profiles', () => {
  it('shows what a hand-edited profile holds as one visible line per profile (escape sequences, RTL marks, line breaks)', async () => {
    const dir = tempDir('po-profiles-');
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        profiles: {
          plain: { apiUrl: 'http://127.0.0.1:3000', customerId: 'alice' },
          odd: { apiUrl: 'http://x\u001b[2J\u202e', customerId: 'bob\nEVIL' },
        },
      }),
      { mode: 0o600 },
    );
    const listed = await po(['profiles'], { env: { PO_CONFIG_DIR: dir } });
    expect(listed.code, listed.stderr).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^PROFILE\s+CUSTOMER\s+API\s+SESSION$/);
    expect(lines[2]).toMatch(/^odd\s+bob EVIL\s+http:\/\/x\\u\{1B\}\[2J\\u\{202E\}\s+not logged in$/);
    expect(listed.stdout).not.toContain('\u001b');
    expect(listed.stdout).not.toContain('\u202e');
  });
});

describe('a bad profile name is a usage error in words, for every command (exit 2)', () => {
  const env = { PO_CONFIG_DIR: tempDir('po-cli-profile-name-') };
  const rule = 'a profile name is 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit';

  it.each(
    [['orders'], ['whoami'], ['config'], ['admin', 'orders'], ['orders', 'show', 'A'.repeat(22)]].map((c) => [
      c.join(' '),
      c,
    ]),
  )('po %s: --profile "a b", and an empty $PO_PROFILE', async (_name, command) => {
    const spaced = await po(['--profile', 'a b', ...command], { env });
    expectLineError(spaced, 'usage', 2);
    expect(spaced.stderr).toBe(`po: --profile "a b" is not a profile name: ${rule} [usage]\n`);
    const empty = await po(command, { env: { ...env, PO_PROFILE: '' } });
    expectLineError(empty, 'usage', 2);
    expect(empty.stderr).toBe(`po: $PO_PROFILE is empty: ${rule} [usage]\n`);
  });

  it('with --json, the error is JSON on standard error; a hostile name is shown shortened and visible', async () => {
    const result = await po(['--json', '--profile', `\u202e${'x'.repeat(10_000)}`, 'orders'], { env });
    expect(result.code).toBe(2);
    const error = (JSON.parse(result.stderr) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('usage');
    expect(error.message).toContain('--profile "\\u{202E}xxx');
    expect(error.message).not.toContain('\u202e');
    expect(result.stderr.length).toBeLessThan(400);
  });
});

describe('a configuration directory or file po cannot use is a usage error in words (exit 2)', () => {
  const scratch = tempDir('po-cli-config-dir-');
  const aFile = writeText(scratch, 'a-file', 'not a directory\n');
  const configure = ['config', '--api', 'http://127.0.0.1:9'];
  /** The environment with only `env` deciding where the configuration lives. */
  const only = (env: Record<string, string>) => ({
    PO_CONFIG_DIR: undefined,
    XDG_CONFIG_HOME: undefined,
    HOME: join(scratch, 'home'),
    ...env,
  });

  it.each([
    ['$PO_CONFIG_DIR empty', { PO_CONFIG_DIR: '' }, 'usage', /^po: \$PO_CONFIG_DIR is empty: set it to a directory/],
    ['$PO_CONFIG_DIR relative', { PO_CONFIG_DIR: 'po-here' }, 'usage', /must be an absolute path, not "po-here"/],
    [
      '$PO_CONFIG_DIR a file',
      { PO_CONFIG_DIR: aFile },
      'file_unwritable',
      /config\.json" cannot be written \(EEXIST\)/,
    ],
    [
      '$PO_CONFIG_DIR below a file',
      { PO_CONFIG_DIR: join(aFile, 'po') },
      'file_unwritable',
      /config\.json" cannot be written \(ENOTDIR\)/,
    ],
    ['$HOME a file', { HOME: aFile }, 'file_unwritable', /\.config\/po\/config\.json" cannot be written \(ENOTDIR\)/],
  ])('%s', async (_name, env, code, message) => {
    const result = await po(configure, { cwd: scratch, env: only(env) });
    expectLineError(result, code, 2, message);
    // Nothing was written where po was run instead.
    expect(readdirSync(scratch).sort()).toEqual(['a-file']);
  });

  it('an API URL with a user name or password is refused without showing it, and nothing is stored', async () => {
    const dir = tempDir('po-cli-api-url-');
    const result = await po(['config', '--api', 'https://user:hunter2-secret@127.0.0.1:9'], {
      env: { PO_CONFIG_DIR: dir },
    });
    expectLineError(result, 'usage', 2, /the API URL must not hold a user name or password/);
    expect(result.stdout + result.stderr).not.toContain('hunter2');
    expect(existsSync(join(dir, 'config.json'))).toBe(false);
  });

  it('pointing a profile at another OPD (or customer) ends its session: the token never goes to the other server', async () => {
    const dir = tempDir('po-cli-api-move-');
    const env = { PO_CONFIG_DIR: dir };
    const session = join(dir, 'sessions', 'default.json');
    const loggedIn = () => {
      mkdirSync(join(dir, 'sessions'), { recursive: true, mode: 0o700 });
      const token = { token: 'a-session-token-1234567890', expiresAt: '2999-01-01T00:00:00.000Z', customerId: 'alice' };
      writeFileSync(session, JSON.stringify({ ...token, role: 'customer' }), { mode: 0o600 });
    };
    expect((await po(['config', '--api', 'https://opd.example', '--customer', 'alice'], { env })).code).toBe(0);
    loggedIn();
    const same = await po(['config', '--api', 'https://opd.example/'], { env }); // the same URL, written otherwise
    expect([same.code, existsSync(session), same.stderr]).toEqual([0, true, '']);
    const moved = await po(['config', '--api', 'https://elsewhere.example'], { env });
    expect([moved.code, existsSync(session)]).toEqual([0, false]);
    expect(moved.stderr).toBe(
      'po: the session of profile default ended here (another OPD or customer); run po login\n',
    );
    loggedIn();
    expect((await po(['config', '--customer', 'bob'], { env })).code).toBe(0);
    expect(existsSync(session)).toBe(false);
  });

  it('an empty or relative $XDG_CONFIG_HOME is ignored, as the XDG specification says: ~/.config/po', async () => {
    for (const xdg of ['', 'relative']) {
      const result = await po(configure, { cwd: scratch, env: only({ XDG_CONFIG_HOME: xdg }) });
      expect(result.code, result.stderr).toBe(0);
      expect(existsSync(join(scratch, 'home', '.config', 'po', 'config.json'))).toBe(true);
    }
    expect(readdirSync(scratch).sort()).toEqual(['a-file', 'home']);
  });

  it.each([
    ['null', /config\.json": not a po configuration \(\{"profiles": \{…\}\}\); fix or delete it/],
    ['{"profiles": []}', /"profiles" is not an object/],
    ['{"profiles": {"default": "x"}}', /profile "default" is not an object/],
    ['{"profiles": {"default": {"apiUrl": 5}}}', /apiUrl of profile "default" is not text/],
    ['{"profiles": ', /config\.json" is not valid JSON; fix or delete it/],
  ])('a hand-edited config.json %s: file_unreadable, naming what is wrong', async (content, message) => {
    const dir = tempDir('po-cli-config-file-');
    writeFileSync(join(dir, 'config.json'), content, { mode: 0o600 });
    for (const args of [configure, ['orders'], ['profiles']])
      expectLineError(await po(args, { env: { PO_CONFIG_DIR: dir } }), 'file_unreadable', 2, message);
  });

  it('po keygen --out where no directory can be: file_unwritable (exit 2)', async () => {
    for (const out of [aFile, join(aFile, 'keys'), ''])
      expectLineError(
        await po(['keygen', '--alg', 'ed25519', '--out', out], { cwd: scratch }),
        'file_unwritable',
        2,
        /cannot make the directory \((EEXIST|ENOTDIR|ENOENT)\)/,
      );
  });
});

describe('an unknown subcommand is a usage error naming it and listing the commands, in every command group', () => {
  const env = { PO_CONFIG_DIR: tempDir('po-cli-unknown-') };
  /** Every command that has subcommands, found in the tree po parses: a new group is tested as soon as it exists. */
  const groups = (command: Command, path: string[] = []): Array<{ path: string[]; commands: string[] }> => [
    ...(command.commands.length > 0 ? [{ path, commands: command.commands.map((sub) => sub.name()) }] : []),
    ...command.commands.flatMap((sub) => groups(sub, [...path, sub.name()])),
  ];
  const everyGroup = groups(buildProgram());

  it('finds the groups: po itself, orders, admin and its five, envelope', () => {
    expect(everyGroup.map((group) => group.path.join(' '))).toEqual(
      expect.arrayContaining(['', 'orders', 'admin', 'admin customers', 'admin orders', 'admin emails', 'envelope']),
    );
  });

  it.each(everyGroup.map((group) => [['po', ...group.path].join(' '), group] as const))(
    '%s no-such-command mallory',
    async (name, group) => {
      const result = await po([...group.path, 'no-such-command', 'mallory'], { env });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toBe(
        `po: unknown command 'no-such-command' for ${name}: its commands are ${group.commands.join(', ')} [usage]\n` +
          '(run with --help for usage)\n',
      );
    },
  );

  it("po admin customers remove mallory, also after the default command's options; a named command keeps its own error", async () => {
    const refused = (word: string) => `unknown command '${word}' for po admin customers: its commands are`;
    const plain = await po(['admin', 'customers', 'remove', 'mallory'], { env });
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain(refused('remove'));
    expect(plain.stderr).not.toContain('too many arguments');
    const afterOptions = await po(['admin', 'customers', '--limit', '5', '--cursor', 'c', 'remove'], { env });
    expect(afterOptions.code).toBe(2);
    expect(afterOptions.stderr).toContain(refused('remove'));
    // Named: the extra word is an extra argument of list, and said so.
    const named = await po(['admin', 'customers', 'list', 'mallory'], { env });
    expect(named.code).toBe(2);
    expect(named.stderr).toContain("too many arguments for 'list'");
    // The default command still runs when nothing else is typed (here: up to "no API URL").
    const listed = await po(['admin', 'customers', '--limit', '5'], { env });
    expect(listed.stderr).toContain('no API URL configured');
  });
});

describe('a reader that goes away is not a crash: po stops quietly, like git and gh', () => {
  /** Runs po; `reader` decides when to stop reading its output and close the pipe. */
  const closedEarly = (
    args: string[],
    env: Record<string, string>,
    reader: (child: ChildProcessWithoutNullStreams) => void,
  ): Promise<{ code: number | null; signal: string | null; stderr: string }> =>
    new Promise((resolve) => {
      const child = spawnPo(args, { env });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.stdin.end();
      reader(child);
      child.on('close', (code, signal) => resolve({ code, signal, stderr }));
    });
  /** Reads standard output up to its first line break, then closes it, as `head -1` does. */
  const headOne = (child: ChildProcessWithoutNullStreams) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (!seen.includes('\n')) return;
      child.stdout.off('data', onData);
      child.stdout.destroy();
    };
    child.stdout.on('data', onData);
  };

  it('po profiles (a 300 KB table) | head -1: exit 0, nothing on standard error', async () => {
    const dir = tempDir('po-cli-pipe-');
    const profiles = Object.fromEntries(
      Array.from({ length: 3000 }, (_, i) => [`profile-${i}`, { apiUrl: 'http://127.0.0.1:9', customerId: `c-${i}` }]),
    );
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ profiles }), { mode: 0o600 });
    const result = await closedEarly(['profiles'], { PO_CONFIG_DIR: dir }, headOne);
    expect(result).toEqual({ code: 0, signal: null, stderr: '' });
  });

  it('po admin orders --help, its reader gone before it writes: exit 0, nothing on standard error', async () => {
    const result = await closedEarly(['admin', 'orders', '--help'], {}, (child) => child.stdout.destroy());
    expect(result).toEqual({ code: 0, signal: null, stderr: '' });
  });

  it('a usage error with standard error closed: still exit 2, no crash', async () => {
    const result = await closedEarly(['no-such-command'], {}, (child) => {
      child.stderr.destroy();
      child.stdout.resume();
    });
    expect(result.code).toBe(2);
  });
});

describe('po completion', () => {
  it('completes commands, subcommands and options at every level, in bash and in zsh', async () => {
    const script = await po(['completion', 'bash']);
    expect(script.code, script.stderr).toBe(0);
    const file = writeText(tempDir('po-completion-'), 'po.bash', script.stdout);
    const complete = (...words: string[]) =>
      execFileSync(
        'bash',
        [
          '-c',
          `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _po_complete; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
        { encoding: 'utf8' },
      )
        .split('\n')
        .filter(Boolean)
        .sort();
    expect(complete('po', 'ad')).toEqual(['admin']);
    expect(complete('po', '--profile', 'alice', 'or')).toEqual(['order', 'orders']);
    expect(complete('po', 'admin', 'pro')).toEqual(['products']);
    expect(complete('po', 'admin', 'products', 'a')).toEqual(['add']);
    expect(complete('po', 'admin', 'products', 'add', '--pr')).toEqual(['--price', '--profile']); // --profile: global
    expect(complete('po', 'trust', '')).toEqual(expect.arrayContaining(['--help', '--profile', '--json']));
    expect(complete('po', 'orders', '--a')).toEqual(['--all']);

    const zsh = await po(['completion', 'zsh']);
    expect(zsh.stdout).toContain('bashcompinit');
    expect(zsh.stdout).toContain(script.stdout.split('\n').slice(1).join('\n'));
    const fish = await po(['completion', 'fish']);
    expect(fish.code).toBe(2);
    expect(fish.stderr).toContain('po completion writes a script for bash or zsh, not "fish"');
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

    const sealed = await po(sealArgs(privateKeyFile, ['--item', 'GADGET-2:1@999', '--note', 'dock 4']));
    expect(sealed.code).toBe(0);
    expect(sealed.stdout.trim()).toMatch(/^[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/);
    const header = JSON.parse(Buffer.from(sealed.stdout.split('.')[0]!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    expect(header).toMatchObject({ alg: 'ECDH-ES', enc: 'A256GCM', kid: serverKid });
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
      aud: serverKid,
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

describe('po verify: offline, exit 0 valid · 1 invalid · 2 unreadable', () => {
  const verifyDir = tempDir('po-cli-verify-');
  let valid: EvidenceBundle;
  let validFile: string;

  beforeAll(async () => {
    const [server, keysByAlg] = await Promise.all([serverKey(), customerKeys()]);
    valid = makeBundle(keysByAlg.dsa, server, receiptKeyPair());
    validFile = writeText(verifyDir, 'valid.json', JSON.stringify(valid, null, 2));
  });

  const claimsOf = (bundle: EvidenceBundle) =>
    JSON.parse(Buffer.from(bundle.order.jws.split('.')[1]!, 'base64url').toString()) as { jti: string };

  it('says what a valid bundle proves, for people and with --json, from a file or standard input', async () => {
    const human = await po(['verify', validFile]);
    expectCleanStderr(human);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^VALID: order ${claimsOf(valid).jti} of customer alice, accepted by opd`));
    expect(human.stdout).toMatch(/WIDGET-1\s+3\s+12\.50\s+37\.50\n/); // a bundle carries no names: no empty column
    expect(human.stdout).not.toContain('NAME');
    expect(human.stdout).toMatch(/SKU\s+QTY\s+UNIT PRICE \(USD\)\s+LINE TOTAL \(USD\)\n/); // money says its currency
    expect(human.stdout).toMatch(/total USD 47\.49/);
    expect(human.stdout).toContain(
      `key fingerprint ${spkiFingerprint(parsePublicKeyPem(valid.order.customerKey.publicKeyPem))}`,
    );

    const json = await po(['--json', 'verify', '-'], { input: JSON.stringify(valid) });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      valid: true,
      orderId: claimsOf(valid).jti,
      customerId: 'alice',
      currency: 'USD',
      totalCents: 4749,
      customerKey: { alg: 'DS256', kid: valid.order.customerKey.kid },
      receiptKey: { kid: valid.receipt.key.kid, fingerprint: valid.receipt.key.kid },
    });
  });

  it('names the failed check and exits 1; with --json the result is on standard output', async () => {
    const edited = structuredClone(valid);
    const [header, payload, signature] = edited.receipt.jws.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { totalCents: number };
    claims.totalCents = 1;
    edited.receipt.jws = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    const file = writeText(verifyDir, 'edited.json', JSON.stringify(edited));

    const human = await po(['verify', file]);
    expect(human.code).toBe(1);
    expect(human.stdout).toBe('');
    expect(human.stderr).toMatch(
      /^po: the receipt's signature does not verify with the receipt key \[receipt_signature_invalid\]\n$/,
    );
    const json = await po(['--json', 'verify', file]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      valid: false,
      error: { code: 'receipt_signature_invalid', message: expect.any(String) as unknown },
    });
  });

  it.each([
    ['a missing file', () => join(verifyDir, 'nope.json'), 'file_not_found', /no such file/],
    ['a file that is not JSON', () => writeText(verifyDir, 'text.json', 'hello'), 'evidence_malformed', /is not JSON/],
    [
      'JSON that is not a bundle',
      () => writeText(verifyDir, 'other.json', '{"format":"po-evidence","version":2}'),
      'evidence_malformed',
      /version must be the number 1/,
    ],
    [
      'a bundle nested 100,000 deep',
      () => writeText(verifyDir, 'deep.json', `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`),
      'evidence_malformed',
      /format must be "po-evidence"/,
    ],
  ])('refuses %s as unreadable (exit 2)', async (_name, file, code, message) => {
    expectLineError(await po(['verify', file()]), code, 2, message);
  });
});

describe('po order without a terminal', () => {
  it('refuses to order without --yes, before anything is read or sent (exit 2)', async () => {
    const result = await po(['--profile', 'nobody', 'order', 'WIDGET-1:1'], {
      env: { PO_CONFIG_DIR: tempDir('po-cli-no-tty-') },
    });
    expectLineError(result, 'usage', 2, /asks for confirmation on a terminal; without one, pass --yes/);
  });

  it.each([
    [['WIDGET-1:0'], '"WIDGET-1:0" — quantity must be at least 1'],
    [['WIDGET-1:-2'], '"WIDGET-1:-2" — quantity must be at least 1'],
    [['WIDGET-1:1.5'], '"WIDGET-1:1.5" — quantity must be a whole number, like WIDGET-1:3'],
    [['WIDGET-1:1e3'], '"WIDGET-1:1e3" — quantity must be a whole number, like WIDGET-1:3'],
    [['WIDGET-1:10001'], '"WIDGET-1:10001" — quantity must be at most 10,000'],
    [['WIDGET-1'], '"WIDGET-1" — an order line is SKU:QTY, for example WIDGET-1:3'],
    [['WIDGET-1:'], '"WIDGET-1:" — the quantity is missing after the ":"'],
    [[':3'], '":3" — the SKU is missing before the ":"'],
    [['WID GET:3'], '"WID GET:3" — a SKU is 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit'],
    [['\u202eWIDGET-1:3'], '"\u202eWIDGET-1:3" — a SKU is 1 to 64 letters'],
    [
      ['WIDGET-1:2', 'GADGET-2:1', 'WIDGET-1:3'],
      'WIDGET-1 appears on two lines — put the whole quantity on one line (WIDGET-1:5)',
    ],
    [
      Array.from({ length: 51 }, (_, i) => `SKU-${i}:1`),
      'an order has at most 50 lines, not 51; split it into several orders',
    ],
  ])('po order %j: refused before anything is read or sent, in words (exit 2)', async (lines, message) => {
    const result = await po(['--json', 'order', ...lines, '--yes'], { env: { PO_CONFIG_DIR: tempDir('po-lines-') } });
    expect(result.code).toBe(2);
    const error = (JSON.parse(result.stderr.trim()) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('usage');
    expect(error.message).toContain(message);
    expect(error.message).not.toMatch(/items\.|\^|\[A-Z/); // no JSON path, no regular expression
  });

  it.each(['x', 'A'.repeat(10_000), '%2e%2e%2f', '\u202eAAAAAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAA AAAAAA'])(
    'po orders show with a hostile order ID %#: refused in words before anything is sent (exit 2)',
    async (id) => {
      const result = await po(['orders', 'show', '--', id], { env: { PO_CONFIG_DIR: tempDir('po-ids-') } });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('an order ID is 22 to 86 letters, digits, "-" and "_" (po orders lists yours).');
      expect(result.stderr.length).toBeLessThan(400); // the 10 KB ID is not echoed back
    },
  );

  it.each(['0', '101', '-1', '2.5', 'ten'])('--limit %s is a usage error in words (exit 2)', async (limit) => {
    const result = await po(['account', '--limit', limit], { env: { PO_CONFIG_DIR: tempDir('po-limit-') } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `argument '${limit}' is invalid. --limit is how many to show at once: a whole number from 1 to 100.`,
    );
  });
});

describe('po order checks every receipt (against a fake OPD that misbehaves)', () => {
  const home = tempDir('po-cli-fake-opd-');
  const env = { PO_CONFIG_DIR: join(home, 'config') };
  let opd: FakeOpd;

  beforeAll(async () => {
    const pair = generateKeyPairSync('ed25519');
    const keyFile = writeText(home, 'alice.key.pem', exportPrivateKeyPem(pair.privateKey));
    opd = await startFakeOpd(pair.publicKey);
    for (const profile of ['alice', 'fresh']) {
      const configured = await po(
        ['--profile', profile, 'config', '--api', opd.url, '--customer', 'alice', '--key', keyFile],
        { env },
      );
      expect(configured.code, configured.stderr).toBe(0);
      mkdirSync(join(home, 'config', 'sessions'), { recursive: true });
      const session = {
        token: 'a-session-token-for-the-fake',
        expiresAt: '2999-01-01T00:00:00.000Z',
        customerId: 'alice',
        role: 'customer',
      };
      writeFileSync(join(home, 'config', 'sessions', `${profile}.json`), JSON.stringify(session), { mode: 0o600 });
    }
  });

  afterAll(async () => {
    await opd.close();
  });

  const order = (profile = 'alice') => po(['--profile', profile, '--json', 'order', 'WIDGET-1:2', '--yes'], { env });
  const evidenceFiles = () => {
    const dir = join(home, 'config', 'evidence', 'alice');
    return existsSync(dir) ? readdirSync(dir) : [];
  };

  it('verifies an honest receipt, keeps the evidence (0600) and pins the receipt key for the next order', async () => {
    opd.behaviour = {};
    opd.receiptKeyRequests = 0;
    const first = await order();
    expect(first.code, first.stderr).toBe(0);
    const placed = JSON.parse(first.stdout) as { orderId: string; evidence: { file: string; verified: boolean } };
    expect(placed.evidence).toMatchObject({
      verified: true,
      file: join(home, 'config', 'evidence', 'alice', `${placed.orderId}.json`),
    });
    expect(statSync(placed.evidence.file).mode & 0o777).toBe(0o600);
    expect(first.stderr).toMatch(/trusting the OPD's server key [\w-]+ \(fingerprint [\w-]{43}\) on first use/);
    expect(first.stderr).toMatch(/trusting the OPD's receipt key [\w-]{43} \(its ID is its fingerprint\) on first use/);
    const second = await order();
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toMatch(/trusting/);
    // Each order asks which receipt key signs now (the trust check, before sending), and nothing more: the receipt
    // itself was checked against the pin.
    expect(opd.receiptKeyRequests).toBe(2);
  });

  it.each([
    [
      'a receipt for other prices',
      {
        receiptClaims: (claims: ReceiptClaims) => ({
          ...claims,
          lines: claims.lines.map((l) => ({ ...l, unitPriceCents: 1 })),
        }),
      },
      'receipt_mismatch',
    ],
    [
      'a receipt for another signed order',
      { receiptClaims: (claims: ReceiptClaims) => ({ ...claims, orderDigest: 'A'.repeat(43) }) },
      'order_digest_mismatch',
    ],
    ['a receipt signed by a key the OPD does not publish', { signingKey: receiptKeyPair() }, 'receipt_key_unknown'],
  ] as Array<[string, FakeOpdBehaviour, string]>)(
    '%s: a loud error with its code, exit 1, nothing kept',
    async (_name, behaviour, code) => {
      opd.behaviour = behaviour;
      const before = evidenceFiles();
      const result = await order();
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      const error = (
        JSON.parse(result.stderr.trim().split('\n').at(-1)!) as { error: { code: string; message: string } }
      ).error;
      expect(error.code).toBe(code);
      expect(error.message).toMatch(/the OPD answered that order [\w-]+ is accepted, but its receipt failed a check/);
      expect(error.message).toMatch(/look the order up with `po orders show [\w-]+`/);
      expect(evidenceFiles()).toEqual(before);
    },
  );

  it('a receipt signed with another key under the published ID fails its signature check', async () => {
    opd.behaviour = {};
    const published = (await (await fetch(`${opd.url}/receipt-keys`)).json()) as { keys: Array<{ kid: string }> };
    opd.behaviour = { signingKey: { ...receiptKeyPair(), kid: published.keys[0]!.kid } };
    const result = await order();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('"code":"receipt_signature_invalid"');
  });

  const lastError = (stderr: string) =>
    (JSON.parse(stderr.trim().split('\n').at(-1)!) as { error: { code: string; message: string } }).error;
  const pins = (profile: string) =>
    (
      JSON.parse(readFileSync(join(home, 'config', 'config.json'), 'utf8')) as {
        profiles: Record<string, { serverKey?: { fingerprint: string }; receiptKeys?: Record<string, unknown> }>;
      }
    ).profiles[profile]!;

  it('receipt keys unreachable after the OPD accepted: exit 3, and it says not to order again', async () => {
    // The OPD rotates its receipt key between po's trust check and the commit, then its key list goes down.
    let rotated = '';
    opd.behaviour = {
      onOrder: () => {
        rotated = opd.rotateReceiptKey();
        opd.behaviour = { receiptKeysStatus: 503 };
      },
    };
    const result = await order();
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /order [\w-]+ is accepted, but its receipt could not be checked now .*Do not order again: check it later with `po orders export [\w-]+`/,
    );
    // The new receipt key was not trusted on the way: the next order stops at it until the person accepts it.
    opd.behaviour = {};
    expect(lastError((await order()).stderr).code).toBe('receipt_key_changed');
    expect((await po(['--profile', 'alice', 'trust', 'receipt-key', '--', rotated], { env })).code).toBe(0);
  });

  it('a changed server key stops po order before anything is sent, until po trust accepts its exact fingerprint', async () => {
    opd.behaviour = {};
    expect((await order()).code).toBe(0);
    const trustedBefore = pins('alice').serverKey!.fingerprint;
    const fresh = opd.rotateServerKey();
    const sentBefore = opd.envelopes.length;

    const refused = await order();
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    const error = lastError(refused.stderr);
    expect(error.code).toBe('server_key_changed');
    expect(error.message).toContain(`fingerprint ${trustedBefore}`);
    expect(error.message).toContain(`fingerprint ${fresh}`);
    expect(error.message).toContain(trustCommand('server', fresh, 'alice'));
    expect(opd.envelopes.length).toBe(sentBefore); // nothing was sent
    expect(pins('alice').serverKey!.fingerprint).toBe(trustedBefore); // and nothing was re-pinned

    const tested = await po(['--profile', 'alice', 'test'], { env });
    expect(tested.code).toBe(1);
    expect(tested.stdout).toContain(`server key    CHANGED: trusted ${trustedBefore}`);
    expect(tested.stdout).toContain(trustCommand('server', fresh, 'alice'));
    expect(tested.stdout).toMatch(/FAILED: server key$/m);

    const wrong = await po(['--profile', 'alice', '--json', 'trust', 'server-key', '--', trustedBefore], { env });
    expect(wrong.code).toBe(1);
    expect(lastError(wrong.stderr).code).toBe('fingerprint_mismatch');
    expect(pins('alice').serverKey!.fingerprint).toBe(trustedBefore);

    // The command po printed, exactly as printed.
    const printed = error.message.split('\n').at(-1)!.trim().split(' ');
    expect(printed[0]).toBe('po');
    const accepted = await po(printed.slice(1), { env });
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toContain(
      `now trusting the OPD's server key ${fresh} (fingerprint ${fresh}), instead of ${trustedBefore}`,
    );
    expect(pins('alice').serverKey!.fingerprint).toBe(fresh);
    const ordered = await order();
    expect(ordered.code, ordered.stderr).toBe(0);
    expect(opd.envelopes.length).toBe(sentBefore + 1);
    expect((await po(['--profile', 'alice', 'test'], { env })).code).toBe(0);
  });

  it('a changed receipt key stops po order the same way (receipt_key_changed), until po trust receipt-key', async () => {
    opd.behaviour = {};
    expect((await order()).code).toBe(0);
    const fresh = opd.rotateReceiptKey();
    const sentBefore = opd.envelopes.length;
    const refused = await order();
    expect(refused.code).toBe(1);
    const error = lastError(refused.stderr);
    expect(error.code).toBe('receipt_key_changed');
    expect(error.message).toContain(trustCommand('receipt', fresh, 'alice'));
    expect(opd.envelopes.length).toBe(sentBefore);
    expect(Object.keys(pins('alice').receiptKeys!)).not.toContain(fresh);

    expect((await po(['--profile', 'alice', 'trust', 'receipt-key', 'A'.repeat(43)], { env })).code).toBe(1);
    const accepted = await po(['--profile', 'alice', 'trust', 'receipt-key', '--', fresh], { env });
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(Object.keys(pins('alice').receiptKeys!)).toContain(fresh);
    const ordered = await order();
    expect(ordered.code, ordered.stderr).toBe(0);
    expect(opd.envelopes.length).toBe(sentBefore + 1);
  });

  it('a fingerprint that starts with "-" is printed after --, and po trust reads it so', async () => {
    expect(trustCommand('server', '-abc', 'alice')).toBe('po --profile alice trust server-key -- -abc');
    expect(trustCommand('receipt', 'abc')).toBe('po trust receipt-key abc');
    const result = await po(['--profile', 'alice', '--json', 'trust', 'server-key', '--', `-${'A'.repeat(42)}`], {
      env,
    });
    expect(result.code).toBe(1);
    expect(lastError(result.stderr).code).toBe('fingerprint_mismatch'); // read as the fingerprint, not as an option
  });

  it('a session in its last minutes is refreshed before the command uses it; one with time left is not', async () => {
    const file = join(home, 'config', 'sessions', 'fresh.json');
    const write = (minutesLeft: number) =>
      writeFileSync(
        file,
        JSON.stringify({
          token: 'about-to-expire',
          expiresAt: new Date(Date.now() + minutesLeft * 60_000).toISOString(),
          customerId: 'alice',
          role: 'customer',
        }),
        { mode: 0o600 },
      );
    write(10);
    const before = opd.refreshes;
    expect((await po(['--profile', 'fresh', 'orders'], { env })).code).toBe(0);
    expect(opd.refreshes).toBe(before);
    write(2);
    expect((await po(['--profile', 'fresh', 'orders'], { env })).code).toBe(0);
    expect(opd.refreshes).toBe(before + 1);
    const kept = JSON.parse(readFileSync(file, 'utf8')) as { token: string; expiresAt: string };
    expect(kept.token).toBe(`refreshed-${before + 1}`);
    expect(Date.parse(kept.expiresAt)).toBeGreaterThan(Date.now() + 14 * 60_000);
  });

  it("every exit status of the README's table, through the real binary", async () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('| exit | meaning'));
    const documented = [...table.slice(0, table.indexOf('\n\n')).matchAll(/^\| (\d+) +\|/gm)].map((m) => Number(m[1]));
    expect(documented).toEqual([0, 1, 2, 3, 70]);
    const session = (profile: string, token: string) =>
      writeFileSync(
        join(home, 'config', 'sessions', `${profile}.json`),
        JSON.stringify({ token, expiresAt: '2999-01-01T00:00:00.000Z', customerId: 'alice', role: 'customer' }),
        { mode: 0o600 },
      );
    const ended = 'exit-ended';
    expect((await po(['--profile', ended, 'config', '--api', opd.url], { env })).code).toBe(0);
    session(ended, 'ended-session');
    const expired = 'exit-expired';
    expect((await po(['--profile', expired, 'config', '--api', opd.url], { env })).code).toBe(0);
    writeFileSync(
      join(home, 'config', 'sessions', `${expired}.json`),
      JSON.stringify({ token: 't', expiresAt: '2001-01-01T00:00:00.000Z', customerId: 'alice', role: 'customer' }),
    );
    expect((await po(['--profile', 'exit-offline', 'config', '--api', 'http://127.0.0.1:9'], { env })).code).toBe(0);
    opd.behaviour = {};

    const cases: Array<[number, string[]]> = [
      [0, ['--profile', 'alice', 'orders']],
      [0, ['--profile', 'alice', '--json', 'order', 'WIDGET-1:1', '--yes']],
      [1, ['--profile', 'alice', 'trust', 'server-key', 'A'.repeat(43)]], // po's key trust said no
      [1, ['--profile', 'exit-offline-test-fails', 'whoami']], // not logged in: whoami reports it and says no
      [2, ['--profile', 'alice', 'order', 'WIDGET-1:0', '--yes']],
      [2, ['--profile', 'alice', 'orders', '--limit', '0']],
      [2, ['--profile', 'alice', 'orders', '--bogus']],
      [2, ['--profile', 'alice', 'order', 'WIDGET-1:1', '--yes', '--key', join(home, 'missing.pem')]],
      [2, ['--profile', 'nobody', 'orders']], // not logged in
      [2, ['--profile', expired, 'orders']], // the session expired
      [2, ['--profile', ended, 'orders']], // the OPD ended it: the same remedy, log in
      [3, ['--profile', 'exit-offline', 'test']],
    ];
    for (const [code, args] of cases) {
      const result = await po(args, { env });
      expect([args.join(' '), result.code], result.stderr).toEqual([args.join(' '), code]);
      // An error says its code; a report that says no (po whoami, po test) says why on standard output.
      if (code !== 0) expect(result.stderr + result.stdout).toMatch(/\[[a-z_]+\]$|not logged in/m);
    }
    expect(exitCodeFor(new TypeError('a bug'))).toBe(70); // no command can reach a bug on purpose
  });

  it('po trust takes server-key or receipt-key only (usage, exit 2)', async () => {
    const bad = await po(['--profile', 'alice', 'trust', 'host-key', 'x'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('po trust takes server-key or receipt-key');
  });

  it('a credit whose progress line meets a closed standard error is still sent again and finished (exit 0)', async () => {
    opd.behaviour = { loseCreditAnswers: 1 };
    const before = opd.credits.length;
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawnPo(['--profile', 'alice', 'admin', 'customers', 'credit', 'bob', '1', '--reference', 'x'], {
        env,
      });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.destroy(); // nobody reads the progress line "sending the same credit again"
      child.stdin.end();
      child.on('close', (code) => resolve({ code, stdout }));
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Credited bob USD 1\.00/);
    const sent = opd.credits.slice(before);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.idempotencyKey).toBe(sent[0]!.idempotencyKey);
  });

  it('the "More:" line of a page names the profile, so that it runs as printed', async () => {
    const page = await po(['--profile', 'alice', 'orders'], { env });
    expect(page.code, page.stderr).toBe(0);
    const more = /^More: (.*?) {3}\(or /m.exec(page.stdout)?.[1];
    expect(more).toBe('po --profile alice orders --cursor eyJuZXh0IjoicGFnZSJ9');
    const next = await po(more!.split(' ').slice(1), { env }); // as a person copies it
    expect(next.code, next.stderr).toBe(0);
  });

  it('po admin customers credit: one Idempotency-Key per command, sent again with the credit after a lost answer', async () => {
    opd.behaviour = { loseCreditAnswers: 1 };
    const before = opd.credits.length;
    const credit = () =>
      po(['--profile', 'alice', 'admin', 'customers', 'credit', 'bob', '12.50', '--reference', 'wire 7731'], { env });
    const first = await credit();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/sending the same credit \(same Idempotency-Key\) again \(attempt 2 of 3\)/);
    expect(first.stdout).toMatch(/^Credited bob USD 12\.50 \(ledger entry \d+, credit\)/);
    const second = await credit();
    expect(second.code, second.stderr).toBe(0);
    const keys = opd.credits.slice(before).map((credit) => credit.idempotencyKey);
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(keys[1]).toBe(keys[0]); // the lost one, again
    expect(keys[2]).not.toBe(keys[0]); // a new command is a new credit
  });

  it.each([
    [['admin', 'products', 'restock', '..', '5']],
    [['admin', 'customers', 'unlock', '.']],
    [['admin', 'keys', 'revoke', 'bob', '..']],
  ])(
    'po %j: "." and ".." are refused before anything is sent (fetch would resolve them into another route)',
    async (args) => {
      const sent = opd.credits.length;
      const result = await po(['--profile', 'alice', ...args], { env });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/is not an ID: no ID is empty, "\." or "\.\." \[usage\]\n$/);
      expect(opd.credits).toHaveLength(sent);
    },
  );

  it('an OPD that fails the order once gets the same signed order again, so nothing is ordered twice', async () => {
    opd.behaviour = { failOrders: 1 };
    const sentBefore = opd.envelopes.length;
    const result = await order();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/sending the same signed order again \(attempt 2 of 3\)/);
    const sent = opd.envelopes.slice(sentBefore);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toBe(sent[0]);
  });
});
