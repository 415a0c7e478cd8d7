/**
 * `npm run first-admin -- --staff-table <StaffTableName> --audit-table <AuditTableName> --region <region>
 *   --staff <id> --email <address>`
 *
 * Creates the first staff administrator (role `admin`: every permission, staff:write included) of a deployed stack,
 * through the same code as `POST /admin/staff` (password policy, scrypt hash, the count of staff:write holders, the
 * audit record, in one transaction). Uses your AWS credentials (the usual SDK chain); the audit trail names the actor
 * `first-admin`. Asks for the password without echo (or reads it from standard input with --password-stdin). Later
 * staff are added with `po admin staff add`.
 */
import { Command } from 'commander';
import { promptHidden, readStdinLines } from '../cli/prompt.js';

const program = new Command('npm run first-admin --')
  .requiredOption('--staff-table <name>', 'the staff table (stack output StaffTableName)')
  .requiredOption('--audit-table <name>', 'the audit table (stack output AuditTableName)')
  .requiredOption('--region <region>', 'AWS region of the stack')
  .requiredOption('--staff <id>', 'the administrator’s staff ID')
  .requiredOption('--email <address>', 'the administrator’s email address')
  .option('--password-stdin', 'read the password from standard input')
  .parse();
const options = program.opts<{
  staffTable: string;
  auditTable: string;
  region: string;
  staff: string;
  email: string;
  passwordStdin?: boolean;
}>();

// Only the staff and audit tables are used; the other settings are required by the config module but not touched.
Object.assign(process.env, {
  AWS_REGION: options.region,
  STAFF_TABLE: options.staffTable,
  AUDIT_TABLE: options.auditTable,
  CUSTOMERS_TABLE: 'unused',
  INVENTORY_TABLE: 'unused',
  ORDERS_TABLE: 'unused',
  KEYS_TABLE: 'unused',
  LEDGER_TABLE: 'unused',
  IDEMPOTENCY_TABLE: 'unused',
  NOTICES_TABLE: 'unused',
  KMS_KEY_ID: 'unused',
  LOG_LEVEL: 'ERROR',
  METRICS_DISABLED: 'true',
});
const { addStaff } = await import('../shared/services/staff.js');
try {
  const password = options.passwordStdin
    ? (await readStdinLines(1))[0]!
    : await promptHidden(`Password for ${options.staff} (12–256 characters): `);
  await addStaff(
    { staffId: options.staff, email: options.email, password, roles: ['admin'] },
    { kind: 'operator', id: 'first-admin', roles: [], requestId: 'first-admin' },
  );
  process.stdout.write(
    `created staff administrator ${options.staff}; next: po --profile <name> config --api <ApiUrl> --staff ${options.staff}\n`,
  );
} catch (error) {
  const coded = error as { code?: string; message?: string };
  process.stderr.write(`first-admin: ${coded.message ?? 'failed'}${coded.code ? ` [${coded.code}]` : ''}\n`);
  process.exitCode = 1;
}
