/**
 * `po keys add --key FILE`: adds a key to the customer's own account. FILE is the NEW private key: po derives its
 * public key, signs the proof of possession with it (shared/key-proofs.ts) and sends both with the current password,
 * which it asks for without echo (or reads with --password-stdin). The private key never leaves this machine.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../../shared/errors.js';
import { signKeyProof } from '../../../shared/key-proofs.js';
import { exportPublicKeyPem, signingKey } from '../../../shared/keys.js';
import { opdClient } from '../../client.js';
import { runWithGlobals } from '../../globals.js';
import { parseKeyId } from '../../input.js';
import { checkKeyFile, loadPrivateKey } from '../../io.js';
import { readProfile } from '../../profile.js';
import { promptHidden, readStdinLines } from '../../prompt.js';
import { customerSessionFor } from '../../session.js';
import { poFor, print } from '../../view.js';

interface AddOptions {
  key: string;
  keyId?: string;
  passphraseFile?: string;
  passwordStdin?: boolean;
}

/** Registers `po keys add` on `po keys`. */
export function registerKeysAdd(keys: Command): void {
  keys
    .command('add')
    .description('add a signing key to your account: proves you hold it, asks your password')
    .requiredOption('--key <file>', 'the NEW key’s private key (PEM, as po keygen writes it): it signs the proof')
    .option('--key-id <kid>', 'the ID to register it under (default: its fingerprint)', parseKeyId)
    .option('--passphrase-file <file>', 'passphrase of the new key, if it is encrypted')
    .option('--password-stdin', 'read your current password from standard input (one line)')
    .addHelpText(
      'after',
      `
po reads the new private key, derives its public key, and signs with it a short statement — this customer adds this
key ID at this OPD, now (docs/envelope.md §11) — so that only someone holding the key can add it. The public key,
the statement and your current password are sent; the private key never leaves this machine. A wrong password counts
towards the login lockout. You are emailed about every key added to or revoked from your account.

Examples:
  po keygen --alg ed25519 --out keys --name laptop
  po keys add --key keys/laptop.key.pem
  po config --key keys/laptop.key.pem      (to order with it)`,
    )
    .action((options: AddOptions, command: Command) =>
      runWithGlobals(command, async (globals) => {
        const { profile: name } = globals;
        const session = await customerSessionFor(name);
        const opd = opdClient(readProfile(name).apiUrl);
        // The key is checked (algorithm, size) before anything is asked or sent.
        const privateKey = await loadPrivateKey(options.key, options.passphraseFile);
        const signer = checkKeyFile(options.key, () => signingKey(privateKey, options.keyId));
        const listed = await opd.listKeys(session.token);
        const existing = listed.keys.find((key) => key.keyId === signer.kid);
        if (existing)
          throw new InputError('declined', `your account already has a key ${signer.kid} (${existing.status})`);
        const password = options.passwordStdin
          ? (await readStdinLines(1))[0]!
          : await promptHidden('Current password: ');
        const added = await opd.addKey(session.token, {
          publicKeyPem: exportPublicKeyPem(privateKey),
          ...(options.keyId === undefined ? {} : { keyId: options.keyId }),
          proof: signKeyProof({ customerId: session.customerId, opdId: listed.opdId, signer }),
          password,
        });
        const configure = `${poFor(name)} config --key ${resolve(options.key)}${
          options.keyId === undefined ? '' : ` --key-id ${options.keyId}`
        }`;
        print(globals, added, () =>
          [
            `added key ${added.key.keyId} (${added.key.alg}, fingerprint ${added.key.fingerprint}) to your account; ${added.activeKeys} active ${added.activeKeys === 1 ? 'key' : 'keys'}`,
            `to order with it: ${configure}`,
          ].join('\n'),
        );
      }),
    );
}
