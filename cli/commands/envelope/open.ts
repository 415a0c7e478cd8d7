/** `po envelope open`: decrypts and verifies an envelope read from standard input, by hand; prints its claims. */
import type { Command } from 'commander';
import { InputError } from '../../../shared/errors.js';
import { openOrder } from '../../../shared/envelope/index.js';
import { checkKeyId, requireX25519, verificationKey } from '../../../shared/keys.js';
import type { VerificationKey } from '../../../shared/keys.js';
import { collectRepeated } from '../../input.js';
import { checkKeyFile, loadPrivateKey, loadPublicKey, readStdin } from '../../io.js';
import { runAction } from '../../output.js';
import { ORDER_LIMITS } from '../../../shared/rules.js';

/** The options of `po envelope open`, as commander parses them. */
interface OpenOptions {
  serverKey: string;
  serverKeyId: string;
  serverPassphraseFile?: string;
  customer: string;
  customerKey: string[];
  keyId?: string;
}

/** Registers `po envelope open` on `po envelope`. */
export function registerEnvelopeOpen(envelope: Command): void {
  envelope
    .command('open')
    .description('decrypt and verify an envelope read from stdin; print the verified claims as JSON')
    .requiredOption('--server-key <file>', "the OPD's X25519 private key (PEM)")
    .requiredOption('--server-key-id <kid>', 'the ID of that server key')
    .option('--server-passphrase-file <file>', 'passphrase of an encrypted server key')
    .requiredOption('--customer <id>', 'the customer the order must come from')
    .option(
      '--customer-key <file>',
      'a public key registered to the customer (PEM); repeat for several',
      collectRepeated,
      [],
    )
    .option('--key-id <kid>', 'key ID of the customer key (default: its SPKI fingerprint; only with one key)')
    .addHelpText(
      'after',
      `
Exit status: 0 with the claims on stdout; 1 when the envelope is rejected; 2 for bad arguments or key files.
Errors are printed on stderr as {"error":{"code":"…","message":"…"}}; the codes are listed in docs/envelope.md.

Example:
  po envelope open --server-key keys/server.key.pem --server-key-id "$SERVER_KID" \\
    --customer alice --customer-key keys/alice.pub.pem < order.jwe`,
    )
    .action((options: OpenOptions) =>
      runAction('json', async () => {
        if (options.customerKey.length === 0) throw new InputError('usage', 'give at least one --customer-key');
        if (options.keyId !== undefined && options.customerKey.length > 1)
          throw new InputError(
            'usage',
            '--key-id names one key; with several --customer-key each uses its fingerprint',
          );
        const serverKid = checkKeyId(options.serverKeyId);
        const serverPrivateKey = await loadPrivateKey(options.serverKey, options.serverPassphraseFile);
        checkKeyFile(options.serverKey, () => requireX25519(serverPrivateKey, 'private'));
        const customerKeys = new Map<string, VerificationKey>();
        for (const file of options.customerKey) {
          const publicKey = await loadPublicKey(file);
          const key = checkKeyFile(file, () => verificationKey(publicKey, options.keyId));
          customerKeys.set(key.kid, key);
        }
        const envelopeText = await readStdin(ORDER_LIMITS.maxEnvelopeChars);
        const opened = await openOrder(envelopeText, {
          customerId: options.customer,
          serverKey: (kid) => (kid === serverKid ? serverPrivateKey : undefined),
          customerKey: (kid) => customerKeys.get(kid),
        });
        process.stdout.write(`${JSON.stringify(opened.claims, null, 2)}\n`);
      }),
    );
}
