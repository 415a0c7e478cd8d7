/** `po trust server-key|receipt-key <fingerprint>`: accepts the OPD's new key once its fingerprint has been checked. */
import type { Command } from 'commander';
import { InputError } from '../../shared/errors.js';
import { opdClient } from '../client.js';
import { runWithGlobals } from '../globals.js';
import { keyCache } from '../key-cache.js';
import { readProfile } from '../profile.js';
import { trustKey } from '../trust.js';
import { print } from '../view.js';

/** Registers `po trust`. */
export function registerTrust(program: Command): void {
  program
    .command('trust')
    .description("accept the OPD's new server or receipt key, after checking its fingerprint with the OPD")
    .argument('<what>', 'server-key or receipt-key')
    .argument('<fingerprint>', 'the fingerprint po printed, as the OPD confirmed it (base64url SHA-256 of the key)')
    .addHelpText(
      'after',
      `
po trusts the OPD's keys the way ssh trusts a host: the first ones are pinned, and a changed key stops po order
before anything is sent. Check the new fingerprint with the OPD by another channel (phone, its published notice;
its admin sees it when rotating), then accept it. The key is accepted only if the OPD's key has exactly that
fingerprint.

Example: po trust server-key 3q2-7wQ…   (a fingerprint that starts with "-" goes after --: po trust server-key -- -x…)`,
    )
    .action((what: string, fingerprint: string, _options: unknown, command: Command) =>
      runWithGlobals(command, async (globals) => {
        if (what !== 'server-key' && what !== 'receipt-key')
          throw new InputError('usage', `po trust takes server-key or receipt-key, not "${what.slice(0, 32)}"`);
        const { profile: name } = globals;
        const kind = what === 'server-key' ? 'server' : 'receipt';
        const { apiUrl } = readProfile(name);
        const api = opdClient(apiUrl); // refuses a profile without an API URL
        // The key just accepted is kept for the next po order (cli/key-cache.ts), which then need not ask for it.
        const before = await trustKey(api, name, kind, fingerprint, keyCache(name, apiUrl ?? ''));
        print(
          globals,
          {
            trusted: kind,
            kid: before.current.kid,
            fingerprint: before.current.fingerprint,
            previous: before.pinned ?? null,
          },
          () =>
            `now trusting the OPD's ${kind} key ${before.current.kid} (fingerprint ${before.current.fingerprint})${before.pinned && before.pinned.fingerprint !== before.current.fingerprint ? `, instead of ${before.pinned.fingerprint}` : ''}`,
        );
      }),
    );
}
