/** `po profiles`: every profile with its API, customer and session. */
import type { Command } from 'commander';
import { runWithGlobals } from '../globals.js';
import { readProfiles, readSession } from '../profile.js';
import { print, table } from '../view.js';

/** Registers `po profiles`. */
export function registerProfiles(program: Command): void {
  program
    .command('profiles')
    .description('list the profiles: API, customer, session')
    .action((_options: unknown, command: Command) =>
      runWithGlobals(command, (globals) => {
        const rows = Object.entries(readProfiles()).map(([name, profile]) => {
          const session = readSession(name);
          const live = session !== undefined && Date.parse(session.expiresAt) > Date.now();
          return {
            profile: name,
            api: profile.apiUrl ?? null,
            customerId: profile.customerId ?? null,
            staffId: profile.staffId ?? null,
            session: live ? `until ${session.expiresAt}` : session ? 'expired' : 'not logged in',
          };
        });
        print(globals, { profiles: rows }, () =>
          rows.length === 0
            ? 'no profiles yet: po config --api URL --customer ID --key FILE'
            : table(
                ['PROFILE', 'ACCOUNT', 'API', 'SESSION'],
                rows.map((row) => [
                  row.profile,
                  row.customerId ?? (row.staffId === null ? '' : `${row.staffId} (staff)`),
                  row.api ?? '',
                  row.session,
                ]),
              ),
        );
        return Promise.resolve();
      }),
    );
}
