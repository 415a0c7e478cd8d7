/** `po admin customers add`: a new customer, with an initial password and optionally public keys. */
import type { Command } from 'commander';
import { runAdmin } from '../../../admin.js';
import { readTextFile } from '../../../io.js';
import { initialPassword } from '../../../new-password.js';

/** Registers `po admin customers add`. */
export function registerAdminCustomersAdd(customers: Command): void {
  customers
    .command('add')
    .description('create a customer (password asked without echo, or --password-stdin)')
    .requiredOption('--customer <id>', 'customer ID')
    .requiredOption('--email <address>', 'where confirmations go')
    .option(
      '--key <file>',
      'a public key (PEM) to register; repeat for several',
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option('--password-stdin', 'read the initial password from standard input')
    .action((o: { customer: string; email: string; key: string[]; passwordStdin?: boolean }, command: Command) =>
      runAdmin(
        command,
        async (admin) => {
          const password = await initialPassword(o.customer, o.passwordStdin);
          const keys = await Promise.all(
            o.key.map(async (file) => ({ publicKeyPem: await readTextFile(file, 'public key') })),
          );
          return admin.createCustomer({
            customerId: o.customer,
            email: o.email,
            password,
            keys,
          });
        },
        (c) =>
          [
            `created customer ${c.customerId} (${c.email})`,
            c.keyIds.length > 0 ? `  keys: ${c.keyIds.join(', ')}` : '  no keys yet: po admin keys add',
            `  they set up po with: po config --api <this OPD's API URL> --customer ${c.customerId} --key <their private key>; then po login`,
          ].join('\n'),
      ),
    );
}
