/** `po logout`: ends the customer's sessions on the OPD and forgets the profile's. */
import type { Command } from 'commander';
import { ApiCallError } from '../api.js';
import { opdClient } from '../client.js';
import { globalsOf } from '../globals.js';
import { runAction } from '../output.js';
import { deleteSession, readProfile, readSession } from '../profile.js';

/** Registers `po logout`. */
export function registerLogout(program: Command): void {
  program
    .command('logout')
    .description('end the session on the OPD (every session of this account stops working) and forget it here')
    .action((_options: unknown, command: Command) =>
      // po logout prints no data: its errors are one line even with --json, a bad profile name's too (read inside).
      runAction('line', async () => {
        const { profile: name } = globalsOf(command);
        const session = readSession(name);
        if (!session || Date.parse(session.expiresAt) <= Date.now()) {
          deleteSession(name);
          process.stdout.write(session ? 'the session had expired; forgotten\n' : 'was not logged in\n');
          return;
        }
        try {
          await opdClient(readProfile(name).apiUrl).logout(session.token);
        } catch (error) {
          // Refused: the session had already ended on the OPD (a password change, another logout). Anything else
          // (unreachable) leaves the token valid there: keep it, so the person can log out when the OPD answers.
          if (!(error instanceof ApiCallError && error.status === 401)) throw error;
        }
        deleteSession(name);
        process.stdout.write(
          `logged out: every session of ${session.kind === 'customer' ? session.customerId : session.staffId} has ended\n`,
        );
      }),
    );
}
