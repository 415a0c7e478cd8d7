/** `po admin …`: the admin routes (the profile must be logged in as an admin). */
import type { Command } from 'commander';
import { InputError } from '../../shared/errors.js';
import { apiClient } from '../api.js';
import { readTextFile } from '../io.js';
import { runAction } from '../output.js';
import { readProfile } from '../profile.js';
import { promptHidden, readStdinLines } from '../prompt.js';
import { sessionFor } from './customer.js';

interface Globals {
  profile: string;
  json?: boolean;
}

const wholeNumber = (value: string, name: string) => {
  if (!/^\d{1,10}$/.test(value)) throw new InputError('usage', `${name} must be a whole number`);
  return Number(value);
};

export function registerAdminCommands(program: Command, globals: (command: Command) => Globals): void {
  const admin = program
    .command('admin')
    .description('administer products, customers, keys, the server key and the receipt key (role admin)');
  const run = (
    command: Command,
    action: (call: (method: string, path: string, body?: unknown) => Promise<unknown>) => Promise<unknown>,
  ) =>
    runAction(globals(command).json ? 'json' : 'line', async () => {
      const { profile: name, json } = globals(command);
      const api = apiClient(readProfile(name).apiUrl);
      const token = sessionFor(name).token;
      const result = await action((method, path, body) =>
        api.call(method, path, { token, ...(body === undefined ? {} : { body }) }),
      );
      process.stdout.write(`${JSON.stringify(result, null, json ? 2 : undefined)}\n`);
    });

  const products = admin.command('products').description('catalogue');
  products
    .command('add')
    .description('add a product')
    .requiredOption('--sku <sku>', 'SKU')
    .requiredOption('--name <name>', 'name')
    .requiredOption('--price-cents <n>', 'unit price in cents')
    .option('--stock <n>', 'initial stock', '0')
    .action((o: { sku: string; name: string; priceCents: string; stock: string }, command: Command) =>
      run(command, (call) =>
        call('POST', '/admin/products', {
          sku: o.sku,
          name: o.name,
          priceCents: wholeNumber(o.priceCents, '--price-cents'),
          stock: wholeNumber(o.stock, '--stock'),
        }),
      ),
    );
  products
    .command('update')
    .description('change a product’s name and/or price')
    .argument('<sku>')
    .option('--name <name>', 'new name')
    .option('--price-cents <n>', 'new unit price in cents')
    .action((sku: string, o: { name?: string; priceCents?: string }, command: Command) =>
      run(command, (call) =>
        call('PATCH', `/admin/products/${encodeURIComponent(sku)}`, {
          ...(o.name ? { name: o.name } : {}),
          ...(o.priceCents ? { priceCents: wholeNumber(o.priceCents, '--price-cents') } : {}),
        }),
      ),
    );
  products
    .command('restock')
    .description('add stock')
    .argument('<sku>')
    .argument('<quantity>')
    .action((sku: string, quantity: string, _o: unknown, command: Command) =>
      run(command, (call) =>
        call('POST', `/admin/products/${encodeURIComponent(sku)}/restock`, {
          quantity: wholeNumber(quantity, 'quantity'),
        }),
      ),
    );

  const customers = admin.command('customers').description('customers');
  customers
    .command('add')
    .description('create a customer (password asked without echo, or --password-stdin)')
    .requiredOption('--customer <id>', 'customer ID')
    .requiredOption('--email <address>', 'where confirmations go')
    .option('--role <role>', 'customer or admin', 'customer')
    .option(
      '--key <file>',
      'a public key (PEM) to register; repeat for several',
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option('--password-stdin', 'read the initial password from standard input')
    .action(
      (
        o: { customer: string; email: string; role: string; key: string[]; passwordStdin?: boolean },
        command: Command,
      ) =>
        run(command, async (call) => {
          const password = o.passwordStdin
            ? (await readStdinLines(1))[0]!
            : await promptHidden(`Initial password for ${o.customer}: `);
          const keys = await Promise.all(
            o.key.map(async (file) => ({ publicKeyPem: await readTextFile(file, 'public key') })),
          );
          return call('POST', '/admin/customers', {
            customerId: o.customer,
            email: o.email,
            password,
            role: o.role,
            keys,
          });
        }),
    );
  customers
    .command('unlock')
    .description('lift a login lock')
    .argument('<customer>')
    .action((customer: string, _o: unknown, command: Command) =>
      run(command, (call) => call('POST', `/admin/customers/${encodeURIComponent(customer)}/unlock`)),
    );

  const keys = admin.command('keys').description('customer keys');
  keys
    .command('add')
    .description('register a public key for a customer')
    .argument('<customer>')
    .argument('<public-key-file>')
    .option('--key-id <kid>', 'key ID (default: SPKI fingerprint)')
    .action((customer: string, file: string, o: { keyId?: string }, command: Command) =>
      run(command, async (call) =>
        call('POST', `/admin/customers/${encodeURIComponent(customer)}/keys`, {
          publicKeyPem: await readTextFile(file, 'public key'),
          ...(o.keyId ? { keyId: o.keyId } : {}),
        }),
      ),
    );
  keys
    .command('revoke')
    .description('revoke a customer key (orders signed with it are refused from now on)')
    .argument('<customer>')
    .argument('<key-id>')
    .action((customer: string, kid: string, _o: unknown, command: Command) =>
      run(command, (call) =>
        call('DELETE', `/admin/customers/${encodeURIComponent(customer)}/keys/${encodeURIComponent(kid)}`),
      ),
    );

  admin
    .command('rotate-server-key')
    .description('create a new server key; the old one decrypts for 7 more days')
    .action((_o: unknown, command: Command) => run(command, (call) => call('POST', '/admin/server-keys/rotate')));
  admin
    .command('rotate-receipt-key')
    .description('create a new receipt signing key; the old one signs no more and stays published for old receipts')
    .action((_o: unknown, command: Command) => run(command, (call) => call('POST', '/admin/receipt-keys/rotate')));
}
