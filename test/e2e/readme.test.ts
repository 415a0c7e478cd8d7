/**
 * The README, tried as a new user would: its set-up line that installs `po` (`npm link`), then every command of "The
 * demo journey" and "A new customer of your own", extracted from the README itself and run as written by bash on a
 * pseudo-terminal, from a directory outside the repository, with a clean home directory. Questions are answered as a
 * person would (the passwords from the `npm start` banner's files, "y" to a quote). Two things are substituted:
 * `<order-id>` by the order the journey placed last, and the README's API port 3000 by this test's stack.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shellOnTerminal } from '../helpers/po.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(join(REPO, 'README.md'), 'utf8');
const CAROL_PASSWORD = 'carol chooses a long one';

const work = mkdtempSync(join(tmpdir(), 'po-readme-'));
const home = join(work, 'home');
const outside = join(work, 'outside');
const npmPrefix = join(work, 'npm-global');
let stack: ChildProcess | undefined;
let apiPort = 0;

/** The environment of a new user: a clean home, npm installing into its own prefix, nothing of the test's own. */
function userEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env))
    if (value !== undefined && !name.startsWith('PO_') && !name.startsWith('npm_')) env[name] = value;
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    npm_config_prefix: npmPrefix,
    npm_config_update_notifier: 'false',
    PATH: `${join(npmPrefix, 'bin')}:${process.env.PATH ?? ''}`,
  };
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** The command lines of the README's ```sh blocks between two headings, with their comments. */
function commandLines(from: string, to: string): Array<{ command: string; comment: string }> {
  const section = README.slice(README.indexOf(from), README.indexOf(to, README.indexOf(from)));
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
  return blocks
    .flatMap((block) => block.split('\n'))
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
    .map((line) => {
      const at = line.search(/\s#\s/);
      return at < 0
        ? { command: line.trim(), comment: '' }
        : { command: line.slice(0, at).trim(), comment: line.slice(at).trim() };
    });
}

beforeAll(async () => {
  mkdirSync(home, { recursive: true });
  mkdirSync(outside, { recursive: true });
  apiPort = await freePort();
  const inboxPort = await freePort();
  stack = spawn(
    join(REPO, 'node_modules', '.bin', 'tsx'),
    [
      'local/start.ts',
      '--api-port',
      String(apiPort),
      '--inbox-port',
      String(inboxPort),
      '--data-dir',
      join(work, 'data'),
    ],
    { cwd: REPO, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let banner = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not get ready:\n${banner}`)), 100_000);
    const read = (chunk: Buffer) => {
      banner += chunk.toString();
      if (banner.includes('Ready in')) {
        clearTimeout(timer);
        resolve();
      }
    };
    stack!.stdout!.on('data', read);
    stack!.stderr!.on('data', read);
    stack!.on('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${banner}`)));
  });
});

afterAll(() => {
  if (stack?.pid) process.kill(-stack.pid, 'SIGINT');
});

describe('the README, as a new user runs it', () => {
  it('installs po with its set-up line, then every command of the walkthrough works from outside the repo', async () => {
    const setup = commandLines('The `po` command line comes with it', '### The demo journey');
    expect(setup.map((line) => line.command)).toEqual(['npm link']);
    const linked = await shellOnTerminal('npm link', { cwd: REPO, env: userEnv(), answer: () => undefined });
    expect(linked.code, linked.output).toBe(0);
    expect(existsSync(join(npmPrefix, 'bin', 'po'))).toBe(true);

    const passwords = new Map(
      (
        JSON.parse(readFileSync(join(work, 'data', 'demo', 'credentials.json'), 'utf8')) as Array<{
          customerId: string;
          password: string;
        }>
      ).map((login) => [login.customerId, login.password]),
    );
    for (const member of JSON.parse(readFileSync(join(work, 'data', 'demo', 'staff.json'), 'utf8')) as Array<{
      staffId: string;
      password: string;
    }>)
      passwords.set(member.staffId, member.password);
    passwords.set('carol', CAROL_PASSWORD);
    const answer = (question: string) => {
      const login = /Password for (\S+): $/.exec(question)?.[1];
      if (login !== undefined) return passwords.get(login);
      if (/^Initial password for carol .*: $|^The same password again: $/.test(question)) return CAROL_PASSWORD;
      if (/\[y\/N\] $/.test(question)) return 'y';
      return undefined;
    };

    const lines = commandLines('### The demo journey', '## The `po` command');
    expect(lines.length).toBeGreaterThan(20);
    let lastOrder: string | undefined;
    for (const { command, comment } of lines) {
      const line = command
        .replace(/<order-id>/g, () => lastOrder ?? '(no order placed yet)')
        .replace(/127\.0\.0\.1:3000/g, `127.0.0.1:${apiPort}`);
      const result = await shellOnTerminal(line, { cwd: outside, env: userEnv(), answer });
      const refused = /refused \[(\w+)\]/.exec(comment)?.[1];
      if (refused) {
        expect([line, result.code], result.output).toEqual([line, 1]);
        expect(result.output).toContain(`[${refused}]`);
      } else expect([line, result.code], result.output).toEqual([line, 0]);
      lastOrder = /Order ([\w-]{22,}): accepted/.exec(result.output)?.[1] ?? lastOrder;
    }
    expect(existsSync(join(outside, 'order.evidence.json'))).toBe(true);
    expect(existsSync(join(home, 'po-keys', 'carol.key.pem'))).toBe(true);
  }, 300_000);
});
