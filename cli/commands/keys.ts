/** `po keys`: the customer's signing keys — ID, algorithm, status, fingerprint — and how many are active. */
import type { Command } from 'commander';
import { opdClient } from '../client.js';
import { runWithGlobals } from '../globals.js';
import { readProfile } from '../profile.js';
import { customerSessionFor } from '../session.js';
import { poFor, print, table } from '../view.js';

/** Registers `po keys`; returns it, for its subcommands. */
export function registerKeys(program: Command): Command {
  return program
    .command('keys')
    .description('list your signing keys (po keys add / po keys revoke to change them)')
    .addHelpText(
      'after',
      `
Every key registered to your account, oldest first: its ID (what orders name as kid), algorithm, status (active keys
sign orders; revoked ones stay listed, so that old evidence still finds its key), when it was added and revoked, and
its fingerprint (SHA-256 of the public key, as po keygen prints it).

Examples:
  po keys
  po keys add --key keys/laptop.key.pem
  po keys revoke <key ID>`,
    )
    .action((_options: unknown, command: Command) =>
      runWithGlobals(command, async (globals) => {
        const { profile: name } = globals;
        const opd = opdClient(readProfile(name).apiUrl);
        const listed = await opd.listKeys((await customerSessionFor(name)).token);
        print(globals, listed, () =>
          [
            table(
              ['KEY ID', 'ALG', 'STATUS', 'ADDED', 'REVOKED', 'FINGERPRINT'],
              listed.keys.map((key) => [
                key.keyId,
                key.alg,
                key.status,
                key.addedAt,
                key.revokedAt ?? '',
                key.fingerprint,
              ]),
            ),
            listed.activeKeys === 0
              ? `No active key: you cannot order until you add one (${poFor(name)} keys add --key FILE).`
              : `${listed.activeKeys} active ${listed.activeKeys === 1 ? 'key' : 'keys'}.`,
          ].join('\n'),
        );
      }),
    );
}
