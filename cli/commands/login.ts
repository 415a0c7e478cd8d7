/** `po login`: logs in with the customer's or the staff member's password and keeps the session with the profile. */
import type { Command } from 'commander';
import { InputError } from '../../shared/errors.js';
import { opdClient } from '../client.js';
import { runWithGlobals } from '../globals.js';
import { readProfile, writeProfile, writeSession } from '../profile.js';
import { promptHidden, readStdinLines } from '../prompt.js';
import { sessionSubject } from '../session.js';
import { print } from '../view.js';

/** Registers `po login`. */
export function registerLogin(program: Command): void {
  program
    .command('login')
    .description('log in (asks for the password without echo) and keep the session for this profile')
    .option('--customer <id>', 'customer ID (default: the profile’s)')
    .option('--staff <id>', 'log in as this member of the OPD’s staff instead (default: the profile’s staff ID)')
    .option('--password-stdin', 'read the password from standard input (for scripts)')
    .action((options: { customer?: string; staff?: string; passwordStdin?: boolean }, command: Command) =>
      runWithGlobals(command, async (globals) => {
        const { profile: name } = globals;
        const profile = readProfile(name);
        if (options.customer !== undefined && options.staff !== undefined)
          throw new InputError('usage', 'log in as a customer (--customer) or as staff (--staff), not both');
        const account =
          options.staff !== undefined
            ? { kind: 'staff' as const, id: options.staff }
            : options.customer !== undefined
              ? { kind: 'customer' as const, id: options.customer }
              : profile.staffId !== undefined
                ? { kind: 'staff' as const, id: profile.staffId }
                : profile.customerId !== undefined
                  ? { kind: 'customer' as const, id: profile.customerId }
                  : undefined;
        if (!account)
          throw new InputError(
            'usage',
            'who? pass --customer (or --staff), or set it with `po config --customer` (or --staff)',
          );
        const password = options.passwordStdin
          ? (await readStdinLines(1))[0]!
          : await promptHidden(`Password for ${account.id}: `);
        const session = await opdClient(profile.apiUrl).login(account, password);
        writeSession(name, session);
        if (profile.customerId === undefined && profile.staffId === undefined)
          writeProfile(name, {
            ...profile,
            ...(account.kind === 'staff' ? { staffId: account.id } : { customerId: account.id }),
          });
        // Never printed: the token (it is kept in the session file, 0600).
        const shown: Partial<typeof session> = { ...session };
        delete shown.token;
        print(globals, shown, () =>
          [
            `logged in as ${sessionSubject(session)} until ${session.expiresAt}`,
            ...(session.mustChangePassword
              ? [
                  'you logged in with a one-time password: change it now with po password (nothing else works until then)',
                ]
              : []),
          ].join('\n'),
        );
      }),
    );
}
