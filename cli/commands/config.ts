/** `po config`: shows or sets the profile: the OPD's API URL, the customer (or staff) ID, the signing key. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../shared/errors.js';
import { checkKeyId } from '../../shared/keys.js';
import { checkApiUrl } from '../api.js';
import { runWithGlobals } from '../globals.js';
import { deleteSession, readProfile, writeProfile } from '../profile.js';
import { print } from '../view.js';

/** Registers `po config`. */
export function registerConfig(program: Command): void {
  program
    .command('config')
    .description('show or set this profile: API URL, customer or staff ID, signing key')
    .option('--api <url>', 'the OPD API URL (https://…, or http://127.0.0.1:… for a local stack)')
    .option('--customer <id>', 'your customer ID')
    .option('--staff <id>', 'your staff ID, if you work for the OPD (instead of a customer ID)')
    .option('--key <file>', 'your private signing key (PEM)')
    .option('--key-id <kid>', 'the key ID the OPD registered it under (default: its SPKI fingerprint)')
    .option('--passphrase-file <file>', 'passphrase file of an encrypted key')
    .action(
      (
        options: {
          api?: string;
          customer?: string;
          staff?: string;
          key?: string;
          keyId?: string;
          passphraseFile?: string;
        },
        command: Command,
      ) =>
        runWithGlobals(command, (globals) => {
          const { profile: name } = globals;
          const profile = readProfile(name);
          if (options.customer !== undefined && options.staff !== undefined)
            throw new InputError(
              'usage',
              'a profile is a customer’s (--customer) or a staff member’s (--staff), not both',
            );
          const before = { apiUrl: profile.apiUrl, customerId: profile.customerId, staffId: profile.staffId };
          if (options.api !== undefined) profile.apiUrl = checkApiUrl(options.api);
          if (options.customer !== undefined) {
            profile.customerId = options.customer;
            delete profile.staffId;
          }
          if (options.staff !== undefined) {
            profile.staffId = options.staff;
            delete profile.customerId;
          }
          // A session belongs to one account at one OPD: its token must never be sent to another server.
          const elsewhere =
            before.apiUrl !== profile.apiUrl ||
            before.customerId !== profile.customerId ||
            before.staffId !== profile.staffId;
          const ended = elsewhere && deleteSession(name);
          if (ended)
            process.stderr.write(
              `po: the session of profile ${name} ended here (another OPD or account); run po login\n`,
            );
          // Absolute, so that po works from any directory afterwards.
          if (options.key !== undefined) profile.key = resolve(options.key);
          if (options.keyId !== undefined) profile.keyId = checkKeyId(options.keyId);
          if (options.passphraseFile !== undefined) profile.passphraseFile = resolve(options.passphraseFile);
          if (Object.values(options).some((value) => value !== undefined)) writeProfile(name, profile);
          print(globals, { profile: name, ...profile }, () =>
            [
              `profile ${name}`,
              ...Object.entries(profile).map(
                ([key, value]) => `  ${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`,
              ),
            ].join('\n'),
          );
          return Promise.resolve();
        }),
    );
}
