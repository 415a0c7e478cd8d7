/** Profiles and the configuration directory: what po shows of them, and every way they can be unusable. */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectLineError } from '../helpers/cli.js';
import { tempDir, writeText } from '../helpers/openssl.js';
import { po } from '../helpers/po.js';

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
    expect(lines[0]).toMatch(/^PROFILE\s+ACCOUNT\s+API\s+SESSION$/);
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
      writeFileSync(session, JSON.stringify({ ...token, kind: 'customer' }), { mode: 0o600 });
    };
    expect((await po(['config', '--api', 'https://opd.example', '--customer', 'alice'], { env })).code).toBe(0);
    loggedIn();
    const same = await po(['config', '--api', 'https://opd.example/'], { env }); // the same URL, written otherwise
    expect([same.code, existsSync(session), same.stderr]).toEqual([0, true, '']);
    const moved = await po(['config', '--api', 'https://elsewhere.example'], { env });
    expect([moved.code, existsSync(session)]).toEqual([0, false]);
    expect(moved.stderr).toBe('po: the session of profile default ended here (another OPD or account); run po login\n');
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
