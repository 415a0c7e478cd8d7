/** `po login`: logs in with the customer's password and keeps the session with the profile. */
import type { Command } from 'commander';
import { InputError } from '../../shared/errors.js';
import { opdClient } from '../client.js';
import { runWithGlobals } from '../globals.js';
import { readProfile, writeProfile, writeSession } from '../profile.js';
import { promptHidden, readStdinLines } from '../prompt.js';
import { print } from '../view.js';

/** Registers `po login`. */
export function registerLogin(program: Command): void {
  program
    .command('login')
    .description('log in (asks for the password without echo) and keep the session for this profile')
    .option('--customer <id>', 'customer ID (default: the profile’s)')
    .option('--password-stdin', 'read the password from standard input (for scripts)')
    .action((options: { customer?: string; passwordStdin?: boolean }, command: Command) =>
      runWithGlobals(command, async (globals) => {
        const { profile: name } = globals;
        const profile = readProfile(name);
        const customerId = options.customer ?? profile.customerId;
        if (!customerId)
          throw new InputError('usage', 'which customer? pass --customer or set it with `po config --customer`');
        const password = options.passwordStdin
          ? (await readStdinLines(1))[0]!
          : await promptHidden(`Password for ${customerId}: `);
        const session = await opdClient(profile.apiUrl).login(customerId, password);
        writeSession(name, session);
        if (profile.customerId === undefined) writeProfile(name, { ...profile, customerId });
        print(
          globals,
          { customerId: session.customerId, role: session.role, expiresAt: session.expiresAt },
          () => `logged in as ${session.customerId} (${session.role}) until ${session.expiresAt}`,
        );
      }),
    );
}
