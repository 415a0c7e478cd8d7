/** `po admin customers add`: a new customer, with an initial password and optionally public keys. */
import type { Command } from 'commander';
import { InputError } from '../../../../shared/errors.js';
import { checkPasswordPolicy } from '../../../../shared/passwords.js';
import { runAdmin } from '../../../admin.js';
import { readTextFile } from '../../../io.js';
import { promptHidden, readStdinLines } from '../../../prompt.js';
import { PASSWORD_LENGTH_RULE } from '../../../../shared/rules.js';

/** What the password policy says of `password`, or undefined when it passes (checked here to ask again at once). */
function policyProblem(password: string, customerId: string): string | undefined {
  try {
    checkPasswordPolicy(password, { customerId });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message.replace('the new password', 'the password') : 'not accepted';
  }
}

/** Asks for a new customer's initial password without echo, twice, until the policy accepts it (3 tries). */
async function askInitialPassword(customerId: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const password = await promptHidden(`Initial password for ${customerId} (${PASSWORD_LENGTH_RULE}): `);
    const problem =
      policyProblem(password, customerId) ??
      ((await promptHidden('The same password again: ')) === password ? undefined : 'the two passwords differ');
    if (problem === undefined) return password;
    if (attempt === 3) throw new InputError('usage', `${problem}; nothing was created`);
    process.stderr.write(`po: ${problem}; try again\n`);
  }
}

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
          let password: string;
          if (o.passwordStdin) {
            password = (await readStdinLines(1))[0]!;
            const problem = policyProblem(password, o.customer);
            if (problem) throw new InputError('usage', `${problem}; nothing was created`);
          } else password = await askInitialPassword(o.customer);
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
            `  they log in with: po login --customer ${c.customerId}`,
          ].join('\n'),
      ),
    );
}
