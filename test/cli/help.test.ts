/** `po --help`, an unknown subcommand in every command group, and the shell completion script. */
import { execFileSync } from 'node:child_process';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../cli/main.js';
import { tempDir, writeText } from '../helpers/openssl.js';
import { po } from '../helpers/po.js';

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

  it('says what po keeps of the OPD and for how long, and how to ask again', async () => {
    expect((await po(['--help'])).stdout).toMatch(/keeps the OPD's public server\s+and receipt keys there \(cache/);
    const order = (await po(['order', '--help'])).stdout;
    expect(order).toMatch(/Cache-Control allows \(today 60 s and 5 minutes; never more than an hour\)/);
    expect(order).toMatch(/two requests: the quote \(GET \/products\) and the order \(POST \/orders\)/);
    expect(order).toContain('--no-cache');
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
