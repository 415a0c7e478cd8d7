/** `po envelope`: the debugging and interoperability tools for the order envelope (docs/envelope.md). */
import type { Command } from 'commander';

/** Registers the `po envelope` group; returns it, for its commands. */
export function registerEnvelope(program: Command): Command {
  return program
    .command('envelope')
    .description('seal or open an order envelope by hand (debugging and interoperability)');
}
