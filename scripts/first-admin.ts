/**
 * `npm run first-admin -- --table <CustomersTableName> --region <region> --customer <id> --email <address>`
 *
 * Creates the first administrator of a deployed stack, through the same registration code as the admin route
 * (password policy, scrypt hash). Uses your AWS credentials (the usual SDK chain) and asks for the password without
 * echo (or reads it from standard input with --password-stdin). Later admins are created with `po admin customers add`.
 */
import { Command } from 'commander';
import { promptHidden, readStdinLines } from '../cli/prompt.js';

const program = new Command('npm run first-admin --')
  .requiredOption('--table <name>', 'the customers table (stack output CustomersTableName)')
  .requiredOption('--region <region>', 'AWS region of the stack')
  .requiredOption('--customer <id>', 'the admin’s customer ID')
  .requiredOption('--email <address>', 'the admin’s email address')
  .option('--password-stdin', 'read the password from standard input')
  .parse();
const options = program.opts<{
  table: string;
  region: string;
  customer: string;
  email: string;
  passwordStdin?: boolean;
}>();

// Only the customers table is used; the other settings are required by the config module but not touched here.
Object.assign(process.env, {
  AWS_REGION: options.region,
  CUSTOMERS_TABLE: options.table,
  INVENTORY_TABLE: 'unused',
  ORDERS_TABLE: 'unused',
  KEYS_TABLE: 'unused',
  LEDGER_TABLE: 'unused',
  IDEMPOTENCY_TABLE: 'unused',
  KMS_KEY_ID: 'unused',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  POWERTOOLS_METRICS_DISABLED: 'true',
});
const { registerCustomer } = await import('../shared/services/admin.js');
try {
  const password = options.passwordStdin
    ? (await readStdinLines(1))[0]!
    : await promptHidden(`Password for ${options.customer} (12–256 characters): `);
  await registerCustomer({ customerId: options.customer, email: options.email, password, role: 'admin', keys: [] });
  process.stdout.write(
    `created admin ${options.customer}; next: po --profile <name> config --api <ApiUrl> --customer ${options.customer}\n`,
  );
} catch (error) {
  const coded = error as { code?: string; message?: string };
  process.stderr.write(`first-admin: ${coded.message ?? 'failed'}${coded.code ? ` [${coded.code}]` : ''}\n`);
  process.exitCode = 1;
}
