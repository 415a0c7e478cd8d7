/** `po whoami`: the profile, who it is (a customer, or staff with their roles), when the session ends; exit 1 when nobody is logged in. */
import type { Command } from 'commander';
import { runWithGlobals } from '../globals.js';
import { EXIT } from '../output.js';
import { readProfile, readSession } from '../profile.js';
import { SESSION_REFRESH_WITHIN_MS } from '../../shared/rules.js';
import { print } from '../view.js';

/** Registers `po whoami`. */
export function registerWhoami(program: Command): void {
  program
    .command('whoami')
    .description('show the profile, who is logged in (customer, or staff and roles) and when the session ends')
    .action((_options: unknown, command: Command) =>
      runWithGlobals(command, (globals) => {
        const { profile: name } = globals;
        const profile = readProfile(name);
        const session = readSession(name);
        const live = session !== undefined && Date.parse(session.expiresAt) > Date.now();
        const report = {
          profile: name,
          api: profile.apiUrl ?? null,
          kind: session?.kind ?? (profile.staffId !== undefined ? 'staff' : 'customer'),
          customerId: session
            ? session.kind === 'customer'
              ? session.customerId
              : null
            : (profile.customerId ?? null),
          staffId: session ? (session.kind === 'staff' ? session.staffId : null) : (profile.staffId ?? null),
          roles: live && session.kind === 'staff' ? session.roles : null,
          session: live ? 'valid' : session ? 'expired' : 'not logged in',
          expiresAt: session?.expiresAt ?? null,
        };
        print(globals, report, () =>
          [
            `profile   ${name}${profile.apiUrl ? ` (${profile.apiUrl})` : ''}`,
            report.staffId !== null
              ? `staff     ${report.staffId}`
              : `customer  ${report.customerId ?? '(none: po config --customer ID)'}`,
            live
              ? `session   ${session.kind === 'customer' ? 'customer' : `staff: ${session.roles.join(', ')}`}, valid until ${session.expiresAt} (refreshed automatically in its last ${SESSION_REFRESH_WITHIN_MS / 60_000} minutes)`
              : `session   ${report.session}: po login`,
          ].join('\n'),
        );
        if (!live) process.exitCode = EXIT.rejected;
        return Promise.resolve();
      }),
    );
}
