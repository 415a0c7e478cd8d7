/**
 * `po`: the customer's command-line client for secure purchase orders.
 */
import { Command, CommanderError } from 'commander';
import { registerEnvelope } from './commands/envelope.js';
import { registerKeygen } from './commands/keygen.js';
import { EXIT } from './output.js';

const VERSION = '0.1.0';

/** Builds the command tree (exported for tests and for `--help` rendering). */
export function buildProgram(): Command {
  const program = new Command('po')
    .description('Signed, encrypted purchase orders: keys and order envelopes.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`po: ${text.replace(/^error: /, '')}`) })
    .addHelpText(
      'after',
      `
Exit status: 0 ok · 1 rejected (e.g. an envelope that does not verify) · 2 usage (bad arguments, files or keys) · 70 internal error.
Documentation: README.md and docs/envelope.md.`,
    );
  registerKeygen(program);
  registerEnvelope(program);
  // Subcommands inherit the exit override so usage errors everywhere exit with EXIT.usage.
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}

/** Runs `po` with `argv` (as process.argv). */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      const shown = ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code);
      process.exitCode = shown ? EXIT.ok : EXIT.usage;
      return;
    }
    process.stderr.write('po: unexpected internal error; please report it [internal]\n');
    process.exitCode = EXIT.internal;
  }
}
