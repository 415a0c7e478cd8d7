/**
 * The global options of an invocation (`--profile`, `--json`), as any command of the tree reads them, and the runner
 * of every command whose errors follow `--json`.
 */
import type { Command } from 'commander';
import { runAction } from './output.js';
import { selectedProfile } from './profile.js';

/** The global options of an invocation. */
export interface Globals {
  profile: string;
  json?: boolean;
}

/**
 * `--profile` (checked; else `$PO_PROFILE`, else "default") and `--json` of the invocation `command` belongs to.
 * @throws InputError `usage` for a profile name that is not one
 */
export function globalsOf(command: Command): Globals {
  const options = command.optsWithGlobals<{ profile?: string; json?: boolean }>();
  return {
    profile: selectedProfile(options.profile),
    ...(options.json ? { json: true } : {}),
  };
}

/**
 * Runs a command's action with the invocation's globals; its errors are printed as JSON with `--json`, else as one
 * line. The globals are read first, outside the action: a bad profile name is refused before anything is done, by
 * `main`'s own error handling.
 */
export function runWithGlobals(command: Command, action: (globals: Globals) => Promise<void>): Promise<void> {
  const globals = globalsOf(command);
  return runAction(globals.json ? 'json' : 'line', () => action(globals));
}
