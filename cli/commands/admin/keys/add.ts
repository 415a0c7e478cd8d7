/** `po admin keys add <customer> <public-key-file>`: registers a public key for a customer. */
import type { Command } from 'commander';
import { runAdmin } from '../../../admin.js';
import { readTextFile } from '../../../io.js';

/** Registers `po admin keys add`. */
export function registerAdminKeysAdd(keys: Command): void {
  keys
    .command('add')
    .description('register a public key for a customer')
    .argument('<customer>')
    .argument('<public-key-file>')
    .option('--key-id <kid>', 'key ID (default: SPKI fingerprint)')
    .action((customer: string, file: string, o: { keyId?: string }, command: Command) =>
      runAdmin(
        command,
        async (admin) =>
          admin.customer(customer).addKey({
            publicKeyPem: await readTextFile(file, 'public key'),
            ...(o.keyId ? { keyId: o.keyId } : {}),
          }),
        (k) => `registered key ${k.keyId} for ${k.customerId}`,
      ),
    );
}
