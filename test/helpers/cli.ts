/**
 * What the CLI test files share: the checks every error output must pass, the server key and command lines of the
 * envelope tests, and a fake OPD with logged-in profiles for the tests of what `po` does with the OPD's answers.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { madeBeforeAll } from './before-all.js';
import { startFakeOpd } from './fake-opd.js';
import type { FakeOpd } from './fake-opd.js';
import { tempDir, writeText } from './openssl.js';
import { po } from './po.js';
import type { PoResult } from './po.js';
import { exportPrivateKeyPem } from '../../shared/keygen.js';

/** No error output may carry a stack trace or key material. */
export function expectCleanStderr(result: PoResult): void {
  expect(result.stderr).not.toMatch(/\n\s+at /);
  // A PEM block with its base64 body is key material; naming the expected format in a message is fine.
  expect(result.stderr).not.toMatch(/-----BEGIN [A-Z ]*KEY-----\s*[A-Za-z0-9+/]/);
  expect(result.stdout).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----\s*[A-Za-z0-9+/]/);
}

/** The result is one clean line of error with `code` (and `message`, when given), and exit status `exitCode`. */
export function expectLineError(result: PoResult, code: string, exitCode: number, message?: RegExp): void {
  expectCleanStderr(result);
  expect(result.code).toBe(exitCode);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toContain(`[${code}]`);
  if (message) expect(result.stderr).toMatch(message);
}

/** Makes the X25519 server key of the envelope tests with `po keygen`, as server.key.pem and server.pub.pem in `keys`; its key ID. */
export async function makeServerKey(keys: string): Promise<string> {
  const server = await po(['keygen', '--alg', 'x25519', '--out', keys, '--name', 'server']);
  expect(server.code).toBe(0);
  return server.stdout.trim();
}

/**
 * The `po envelope seal` and `po envelope open` command lines of the envelope tests: alice's order of WIDGET-1:3 at
 * 12.50 USD, to and from the server key in `keys` (its ID read when a command line is made).
 */
export function envelopeCommands(
  keys: string,
  serverKid: () => string,
): {
  sealArgs: (key: string, extra?: string[]) => string[];
  openArgs: (customerKey: string, extra?: string[]) => string[];
} {
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
      serverKid(),
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
      serverKid(),
      '--customer',
      'alice',
      '--customer-key',
      customerKey,
      ...extra,
    ];
  }
  return { sealArgs, openArgs };
}

/**
 * Starts a fake OPD that knows alice's new Ed25519 key (written to `home`), and configures the profiles `alice` and
 * `fresh` to use it with that key, each logged in with a session that does not expire. `env` is the tests'
 * environment; its `PO_CONFIG_DIR` is `home`/config.
 */
export async function startFakeOpdWithProfiles(home: string, env: Record<string, string>): Promise<FakeOpd> {
  const pair = generateKeyPairSync('ed25519');
  const keyFile = writeText(home, 'alice.key.pem', exportPrivateKeyPem(pair.privateKey));
  const opd = await startFakeOpd(pair.publicKey);
  try {
    await configureProfiles(opd, home, env, keyFile);
  } catch (error) {
    await opd.close(); // a failed setup leaves no server running
    throw error;
  }
  return opd;
}

async function configureProfiles(opd: FakeOpd, home: string, env: Record<string, string>, keyFile: string) {
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
      kind: 'customer',
    };
    writeFileSync(join(home, 'config', 'sessions', `${profile}.json`), JSON.stringify(session), { mode: 0o600 });
  }
}

/** A fake OPD with the profiles of {@link startFakeOpdWithProfiles}, for one describe block, and how to order from it. */
export interface FakeOpdSuite {
  /** The tests' home and environment (`PO_CONFIG_DIR` is `home`/config). */
  readonly home: string;
  readonly env: Record<string, string>;
  /** The fake, started in the block's `beforeAll` (closed in its `afterAll`): read it inside tests. */
  readonly opd: FakeOpd;
  /** `po --json order WIDGET-1:2 --yes` with `profile` (default alice). */
  readonly order: (profile?: string) => Promise<PoResult>;
}

/** Starts a fake OPD for the calling describe block: `beforeAll` starts it, `afterAll` closes it. */
export function fakeOpdForThisBlock(): FakeOpdSuite {
  const home = tempDir('po-cli-fake-opd-');
  const env = { PO_CONFIG_DIR: join(home, 'config') };
  const opd = madeBeforeAll('the fake OPD', () => startFakeOpdWithProfiles(home, env), {
    dispose: (fake) => fake.close(),
  });
  return {
    home,
    env,
    get opd() {
      return opd();
    },
    order: (profile = 'alice') => po(['--profile', profile, '--json', 'order', 'WIDGET-1:2', '--yes'], { env }),
  };
}

/** A server key made in the calling file's `beforeAll`, in a new folder, and {@link envelopeCommands} to it. */
export function envelopeCommandsForThisFile() {
  const dir = tempDir('po-cli-');
  const keys = join(dir, 'keys');
  const kid = madeBeforeAll('the server key', () => makeServerKey(keys));
  return {
    dir,
    keys,
    get serverKid() {
      return kid();
    },
    ...envelopeCommands(keys, kid),
  };
}
