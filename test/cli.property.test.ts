/**
 * No command line and no environment makes `po` answer "internal error" (exit 70) or print a stack trace: a usage
 * mistake is a usage error. Property test over argv and the environment po reads, built from the real command tree
 * (every command, its options, hostile values: NUL, lone surrogates, RTL marks, 10 KB strings, broken
 * percent-escapes), run through po's own `main` in this process. The profiles point at a closed port on this machine
 * (127.0.0.1:9) and fetch refuses any other address: no sample reaches the network.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../cli/main.js';
import { tempDir, writeText } from './helpers/openssl.js';
import { poInProcess } from './helpers/po-in-process.js';
import { exportPrivateKeyPem } from '../shared/keygen.js';

/** The only address a sample may call: nothing listens there, so every call fails at once (exit 3). */
const CLOSED_PORT = 'http://127.0.0.1:9';

const root = tempDir('po-cli-property-');
const home = join(root, 'home');
const configDir = join(root, 'config');
const keyFile = join(root, 'alice.key.pem');
const aFile = join(root, 'a-file');
const originalCwd = process.cwd();

/** Writes a configuration with two logged-in profiles on the closed port, afresh for every sample. */
function resetConfig(): void {
  rmSync(configDir, { recursive: true, force: true });
  mkdirSync(join(configDir, 'sessions'), { recursive: true, mode: 0o700 });
  const profile = { apiUrl: CLOSED_PORT, customerId: 'alice', key: keyFile };
  writeFileSync(join(configDir, 'config.json'), JSON.stringify({ profiles: { default: profile, alice: profile } }));
  const session = {
    token: 't',
    expiresAt: '2999-01-01T00:00:00.000Z',
    kind: 'staff',
    staffId: 'alice',
    roles: ['admin'],
  };
  for (const name of ['default', 'alice'])
    writeFileSync(join(configDir, 'sessions', `${name}.json`), JSON.stringify(session));
}

beforeAll(() => {
  mkdirSync(home, { recursive: true });
  writeText(root, 'alice.key.pem', exportPrivateKeyPem(generateKeyPairSync('ed25519').privateKey));
  writeText(root, 'a-file', 'not a directory\n');
  // Relative paths a sample gives (a key directory, a config directory) land in this scratch directory.
  process.chdir(root);
  const realFetch = globalThis.fetch;
  vi.stubGlobal('fetch', (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input);
    if (url.origin !== CLOSED_PORT) return Promise.reject(new TypeError(`fetch refused in this test: ${url.origin}`));
    return realFetch(input, init);
  });
});

afterAll(() => {
  process.chdir(originalCwd);
  vi.unstubAllGlobals();
});

/** Text a person (or a script gone wrong) might pass anywhere. */
const HOSTILE_TEXT = [
  '',
  ' ',
  'a b',
  '-',
  '--',
  '\0',
  'a\0b',
  '\u202eRTL',
  '\u200f',
  '\u001b[2J',
  '\ud800',
  'x\udfffy',
  '\n',
  '%',
  '%zz',
  '%E0%A4%A',
  '%00',
  '%2e%2e%2f',
  '..',
  '../..',
  '.',
  "it's",
  'x'.repeat(10_000),
  '-x',
  '--nope',
  '1',
  '0',
  '-1',
  '25',
  '101',
  '1.5',
  '1e400',
  '9'.repeat(400),
  'NaN',
  '{}',
  'null',
  'alice',
  'default',
  'ed25519',
  'x25519',
  'bash',
  'server-key',
  'WIDGET-1:1',
  'WIDGET-1:1@100',
  'USD',
  CLOSED_PORT,
  'https://127.0.0.1:9',
  'A'.repeat(43),
];
const hostileText = fc.oneof(
  { arbitrary: fc.constantFrom(...HOSTILE_TEXT), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 20 }), weight: 1 },
);

/** Values that get past the first checks, so that samples reach what lies behind them. */
const PLAUSIBLE: Record<string, readonly string[]> = {
  '--api': [CLOSED_PORT],
  '--alg': ['ed25519', 'x25519', 'ecdsa'],
  '--bits': ['2048'],
  '--customer': ['alice'],
  '--customer-key': [keyFile],
  '--currency': ['USD'],
  '--email': ['alice@example.com'],
  '--item': ['WIDGET-1:1@100'],
  '--key': [keyFile],
  '--limit': ['5'],
  '--price': ['1.50'],
  '--role': ['clerk', 'admin'],
  '--staff': ['clerk'],
  '--server-key': [keyFile],
  '--status': ['accepted', 'owed'],
  '--stock': ['3'],
};
const PLAUSIBLE_ARGUMENTS = [
  'alice',
  'WIDGET-1',
  'WIDGET-1:1',
  '5',
  'A'.repeat(22),
  'server-key',
  'bash',
  keyFile,
  aFile,
];

/** A value for an option: hostile, plausible for it, or a file, a directory, a key, something under a file. */
const optionValue = (flag: string) =>
  fc.oneof(
    hostileText,
    fc.constantFrom(...(PLAUSIBLE[flag] ?? ['alice']), keyFile, aFile, root, join(aFile, 'below'), '/dev/null'),
  );
const argumentValue = fc.oneof(hostileText, fc.constantFrom(...PLAUSIBLE_ARGUMENTS));

interface CommandShape {
  readonly path: readonly string[];
  readonly options: ReadonlyArray<{ flag: string; takesValue: boolean }>;
}

/** Every command of the tree with its own options: the same tree po parses, so a new command is covered at once. */
function commandShapes(command: Command, path: readonly string[] = []): CommandShape[] {
  const options = command.options.map((option) => ({
    flag: option.long ?? option.short ?? option.flags,
    takesValue: option.required || option.optional,
  }));
  return [{ path, options }, ...command.commands.flatMap((sub) => commandShapes(sub, [...path, sub.name()]))];
}

const shapes = commandShapes(buildProgram());

/** Writing options would write where they point: keep what a sample writes inside the scratch directory. */
const WRITES_TO = new Set(['--out']);

/** The words after a command: its own options with values, arguments, and flags any command may get. */
const wordsFor = (shape: CommandShape): fc.Arbitrary<string[][]> =>
  fc.array<string[]>(
    fc.oneof(
      {
        weight: shape.options.length === 0 ? 0 : 3,
        arbitrary: fc
          .constantFrom(...(shape.options.length === 0 ? [{ flag: '--help', takesValue: false }] : shape.options))
          .chain((option) =>
            option.takesValue
              ? optionValue(option.flag).map((value) => [
                  option.flag,
                  WRITES_TO.has(option.flag) ? join(root, 'out', value.replace(/[/.]/g, '_')) : value,
                ])
              : fc.constant<string[]>([option.flag]),
          ),
      },
      { weight: 2, arbitrary: argumentValue.map((value) => [value]) },
      {
        weight: 1,
        arbitrary: fc.constantFrom<string[]>(['--json'], ['--help'], ['--yes'], ['--'], ['--profile', 'alice']),
      },
    ),
    { maxLength: 6 },
  );

const commandLine = fc
  .record({
    shape: fc.constantFrom(...shapes),
    globalsFirst: fc.array(
      fc.oneof(
        fc.constant(['--json']),
        fc.constantFrom('alice', 'default').map((name) => ['--profile', name]),
        hostileText.map((name) => ['--profile', name]),
      ),
      { maxLength: 2 },
    ),
  })
  .chain(({ shape, globalsFirst }) =>
    wordsFor(shape).map((words): string[] => [...globalsFirst.flat(), ...shape.path, ...words.flat()]),
  );

/**
 * The environment po reads: the profile, the configuration directory and where it defaults from. Mostly the prepared
 * configuration, so that samples reach the commands' own checks; HOME stays in the scratch directory.
 */
const environment = fc.record(
  {
    PO_PROFILE: fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constant('alice') },
      { weight: 2, arbitrary: hostileText },
    ),
    PO_CONFIG_DIR: fc.oneof(
      { weight: 4, arbitrary: fc.constant(configDir) },
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 2, arbitrary: fc.constantFrom('', 'relative/config', aFile, join(aFile, 'below'), join(root, 'a\0b')) },
      { weight: 1, arbitrary: hostileText.map((v) => join(root, 'fresh', v.replace(/[/.]/g, '_'))) },
    ),
    XDG_CONFIG_HOME: fc.constantFrom(undefined, '', 'relative', join(root, 'xdg'), aFile),
    HOME: fc.constantFrom(home, join(root, 'other-home'), 'relative-home', aFile),
  },
  { requiredKeys: ['HOME'] },
);

/** A stack trace line, as Node prints one. */
const STACK_TRACE = /\n\s+at /;

describe('po never answers a command line with an internal error', () => {
  it('any command, options and environment: exit 0–3, never 70, never a stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(commandLine, environment, async (args, env) => {
        resetConfig();
        const result = await poInProcess(args, {
          env: { PO_PROFILE: undefined, PO_CONFIG_DIR: undefined, XDG_CONFIG_HOME: undefined, ...env },
        });
        const shown = JSON.stringify({
          args: args.map((a) => a.slice(0, 60)),
          env,
          stderr: result.stderr.slice(0, 500),
        });
        expect(result.code, shown).not.toBe(70);
        expect([0, 1, 2, 3], shown).toContain(result.code);
        expect(result.stderr, shown).not.toMatch(STACK_TRACE);
        expect(result.stderr, shown).not.toContain('[internal]');
      }),
      // 200 command lines take about a second; PO_PROPERTY_RUNS=5000 searches longer.
      { numRuns: Number(process.env.PO_PROPERTY_RUNS ?? 200) },
    );
  });
});

describe('text that only an in-process caller can give', () => {
  it('a lone surrogate is read as U+FFFD, as the system decodes a command line: the command goes on (exit 3)', async () => {
    resetConfig();
    for (const args of [
      ['admin', 'customers', 'show', '\ud800'],
      ['admin', 'products', 'restock', 'x\udfff', '1'],
    ]) {
      const result = await poInProcess(args, { env: { PO_CONFIG_DIR: configDir, PO_PROFILE: undefined } });
      expect([args, result.code, result.stderr]).toEqual([args, 3, expect.stringContaining('[network]') as unknown]);
    }
  });
});
