/**
 * `po keys revoke KID`: revokes one of the customer's own keys, at once — orders signed with it and not yet accepted
 * are refused. Asks for confirmation (unless --yes) and for the current password (or --password-stdin); says so when
 * no active key is left, since the customer cannot order until they add one.
 */
import type { Command } from 'commander';
import { InputError } from '../../../shared/errors.js';
import { opdClient } from '../../client.js';
import { runWithGlobals } from '../../globals.js';
import { parseKeyId } from '../../input.js';
import { readProfile } from '../../profile.js';
import { confirm, isInteractive, promptHidden, readStdinLines } from '../../prompt.js';
import { customerSessionFor } from '../../session.js';
import { poFor, print } from '../../view.js';

/** Registers `po keys revoke` on `po keys`. */
export function registerKeysRevoke(keys: Command): void {
  keys
    .command('revoke')
    .description('revoke one of your keys at once (a lost or stolen key); asks your password')
    .argument('<kid>', 'the key ID (po keys lists yours)', parseKeyId)
    .option('--yes', 'do not ask for confirmation (required without a terminal)')
    .option('--password-stdin', 'read your current password from standard input (one line)')
    .addHelpText(
      'after',
      `
Orders signed with the key are refused from the moment it is revoked, even those already on their way; orders
accepted before stay, and their evidence still verifies. Revoking cannot be undone: to sign again with the same key,
add it under another ID. You may revoke your last active key (a stolen key must be stoppable), but you cannot order
until you add another (po keygen, then po keys add). A wrong password counts towards the login lockout; you are
emailed about the revocation.

Examples:
  po keys revoke 3q2-7wEhZ1Y9vT0Yx1sVqkq4TQ3xM1jYbI4Kk7r1cWs
  po keys revoke laptop-2026 --yes --password-stdin < password.txt`,
    )
    .action((kid: string, options: { yes?: boolean; passwordStdin?: boolean }, command: Command) =>
      runWithGlobals(command, async (globals) => {
        const { profile: name } = globals;
        if (!options.yes && !isInteractive())
          throw new InputError('usage', 'po keys revoke asks for confirmation on a terminal; without one, pass --yes');
        const session = await customerSessionFor(name);
        const opd = opdClient(readProfile(name).apiUrl);
        if (!options.yes) {
          const listed = await opd.listKeys(session.token);
          const key = listed.keys.find((each) => each.keyId === kid);
          if (!key)
            throw new InputError('declined', `your account has no key ${kid} (${poFor(name)} keys lists yours)`);
          const last = key.status === 'active' && listed.activeKeys === 1;
          const question = `Revoke key ${kid} (${key.alg}, fingerprint ${key.fingerprint})? Orders signed with it are refused from now on.${
            last ? ' It is your last active key: you cannot order until you add another.' : ''
          } [y/N] `;
          if (!(await confirm(question))) throw new InputError('declined', 'not revoked');
        }
        const password = options.passwordStdin
          ? (await readStdinLines(1))[0]!
          : await promptHidden('Current password: ');
        const revoked = await opd.revokeKey(session.token, kid, password);
        if (revoked.activeKeys === 0)
          process.stderr.write(
            `po: you have no active key left: you cannot order until you add one (po keygen, then ${poFor(name)} keys add --key FILE)\n`,
          );
        print(globals, revoked, () =>
          revoked.changed
            ? `revoked key ${kid}: orders signed with it are refused from now on; ${revoked.activeKeys} active ${revoked.activeKeys === 1 ? 'key' : 'keys'} left`
            : `key ${kid} was already revoked (${revoked.key.revokedAt ?? ''})`,
        );
      }),
    );
}
