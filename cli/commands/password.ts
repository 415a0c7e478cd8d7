/**
 * `po password`: changes the password of the profile's account, a customer's or a staff member's — also the one-time
 * password of a reset, which must be changed before anything else works; every other session ends.
 */
import type { Command } from 'commander';
import { InputError } from '../../shared/errors.js';
import { opdClient } from '../client.js';
import { runWithGlobals } from '../globals.js';
import { readProfile, writeSession } from '../profile.js';
import { promptHidden, readStdinLines } from '../prompt.js';
import { sessionFor } from '../session.js';
import { print } from '../view.js';
import { PASSWORD_LENGTH_RULE } from '../../shared/rules.js';

/** Registers `po password`. */
export function registerPassword(program: Command): void {
  program
    .command('password')
    .description('change your password (old and new; every other session stops working)')
    .option('--password-stdin', 'read the old and the new password, one per line, from standard input')
    .action((options: { passwordStdin?: boolean }, command: Command) =>
      runWithGlobals(command, async (globals) => {
        const { profile: name } = globals;
        const session = await sessionFor(name);
        let oldPassword: string;
        let newPassword: string;
        if (options.passwordStdin) [oldPassword, newPassword] = (await readStdinLines(2)) as [string, string];
        else {
          oldPassword = await promptHidden('Current password: ');
          newPassword = await promptHidden(`New password (${PASSWORD_LENGTH_RULE}): `);
          if ((await promptHidden('New password again: ')) !== newPassword)
            throw new InputError('usage', 'the two new passwords differ');
        }
        const fresh = await opdClient(readProfile(name).apiUrl).changePassword(session.token, oldPassword, newPassword);
        writeSession(name, fresh);
        print(
          globals,
          { changed: true, expiresAt: fresh.expiresAt },
          () => 'password changed; other sessions are logged out',
        );
      }),
    );
}
