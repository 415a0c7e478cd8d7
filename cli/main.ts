/**
 * `po`: the customer's command-line client for secure purchase orders.
 */
import { Command, CommanderError } from 'commander';
import type { Option } from 'commander';
import { registerCommands } from './commands/index.js';
import { EXIT, exitCodeFor, printError } from './output.js';
import { shortened, showable } from '../shared/display.js';

const VERSION = '0.1.0';

/** Builds the command tree (exported for tests and for `--help` rendering). */
export function buildProgram(): Command {
  const program = new Command('po')
    .description('Signed, encrypted purchase orders: log in, order, and manage keys.')
    .version(VERSION)
    .option('--profile <name>', 'configuration profile (default: $PO_PROFILE or "default")')
    .option('--json', 'print data as JSON (commands that print data)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    // Usage errors read like every other error: one sentence and its code.
    // What the person typed is quoted back shortened, with invisible characters shown (a 10 KB argument, an RTL mark).
    .configureOutput({
      outputError: (text, write) =>
        write(
          `po: ${showable(text.replace(/^error: /, '').trimEnd()).replace(/'([^']{40})[^']+'/g, "'$1…'")} [usage]\n`,
        ),
    })
    .addHelpText(
      'after',
      `
Exit status: 0 ok · 1 refused (the OPD, the envelope or evidence check, or key trust said no) · 2 usage (bad arguments, files, keys; not logged in, session expired or ended)
             · 3 network (unreachable or unavailable; retry) · 70 internal error.
Profiles and sessions live in $PO_CONFIG_DIR (default ~/.config/po), files 0600. po order keeps the OPD's public server
and receipt keys there (cache/<profile>.json) for as long as the OPD's Cache-Control allows (today 60 s and 5 minutes,
never more than an hour), checked against the pins as fresh ones are; po order --no-cache asks for them again.
Documentation: the README that comes with po; the OPD's docs/api.md, docs/envelope.md and docs/evidence.md.`,
    );
  registerCommands(program);
  // Every (sub)command gets the exit override so usage errors everywhere exit with EXIT.usage.
  const override = (command: Command) => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  override(program);
  refuseUnknownSubcommands(program);
  return program;
}

/** `po admin customers` for that command: its name and its parents'. */
function commandPath(command: Command): string {
  return command.parent ? `${commandPath(command.parent)} ${command.name()}` : command.name();
}

/**
 * The first word of `words` that is neither an option of `command` or of a parent nor an option's value: what
 * commander would read as an argument.
 */
function firstOperand(words: readonly string[], command: Command): string | undefined {
  const options: Option[] = [];
  for (let level: Command | null = command; level; level = level.parent) options.push(...level.options);
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === '--') return words[i + 1];
    if (word.length < 2 || !word.startsWith('-')) return word;
    const option = options.find((known) => known.long === word || known.short === word);
    if (option?.required || option?.optional) i++; // the word after it is its value
  }
  return undefined;
}

/**
 * Makes `command` and every group below it answer a word that is none of its subcommands with a usage error that
 * names the word and lists the group's commands. Commander alone does not: a group with a default command
 * (`po admin customers` lists) hands the word to that command, which answers "too many arguments for 'list'"; a group
 * with an action of its own (`po orders`) calls it an excess argument; a plain group names the word but not the
 * commands. Each of the three paths gets its own catch, on every group, so that a new group is covered as it is.
 */
function refuseUnknownSubcommands(command: Command): void {
  command.commands.forEach(refuseUnknownSubcommands);
  if (command.commands.length === 0) return;
  const isSubcommand = (word: string) =>
    command.commands.some((sub) => sub.name() === word || sub.aliases().includes(word));
  const refuse = (word: string): never => {
    const shown = shortened(word, 40);
    const names = command.commands.map((sub) => sub.name()).join(', ');
    return command.error(`error: unknown command '${shown}' for ${commandPath(command)}: its commands are ${names}`, {
      code: 'commander.unknownCommand',
      exitCode: EXIT.usage,
    });
  };
  // A plain group: commander announces the word it found no subcommand for.
  command.on('command:*', (operands: string[]) => refuse(operands[0] ?? ''));
  // A group with a default command: before that command is handed what was typed after the group, unless the word
  // after the group named a subcommand.
  command.hook('preSubcommand', (_group, chosen) => {
    const [first] = command.args;
    if (first !== undefined && isSubcommand(first)) return;
    const word = firstOperand(command.args, chosen);
    if (word !== undefined) refuse(word);
  });
  // A group with an action of its own (and no arguments): a word left over can only be a mistaken subcommand.
  if (command.registeredArguments.length === 0) {
    command.allowExcessArguments(true);
    command.hook('preAction', (_group, actionCommand) => {
      const [first] = command.args;
      if (actionCommand === command && first !== undefined) refuse(first);
    });
  }
}

/** Runs `po` with `argv` (as process.argv). */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    // A command line from the system is always well-formed text (bytes that are not UTF-8 arrive as U+FFFD); one
    // given in-process is made so the same way, so that a lone surrogate cannot break encodeURIComponent.
    await program.parseAsync(argv.map((arg) => arg.toWellFormed()));
  } catch (error) {
    if (error instanceof CommanderError) {
      const shown = ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code);
      process.exitCode = shown ? EXIT.ok : EXIT.usage;
      return;
    }
    // A deliberate error raised before an action's own handling (a bad --profile or $PO_PROFILE, checked as the
    // action starts) is printed and exits like any other; only what exitCodeFor does not know is internal.
    if (exitCodeFor(error) !== EXIT.internal) {
      printError(error, program.opts<{ json?: boolean }>().json ? 'json' : 'line');
      process.exitCode = exitCodeFor(error);
      return;
    }
    process.stderr.write('po: unexpected internal error; please report it [internal]\n');
    process.exitCode = EXIT.internal;
  }
}
