/** `po completion bash|zsh`: the shell completion script of the whole command tree. */
import type { Command } from 'commander';
import { completionScript } from '../completion.js';
import { runAction } from '../output.js';

/** Registers `po completion`; `program` is the root whose tree the script completes. */
export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script: source <(po completion bash)')
    .argument('<shell>', 'bash or zsh')
    .action((shell: string) =>
      runAction('line', () => {
        process.stdout.write(completionScript(program, shell));
        return Promise.resolve();
      }),
    );
}
