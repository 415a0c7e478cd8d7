/**
 * `npm start`: the whole OPD on 127.0.0.1 with no AWS account (see README, "Quick start").
 *
 *   npm start -- [--api-port 3000] [--inbox-port 8005] [--data-dir .po-local] [--in-memory] [--verbose]
 */
import { Command, Option } from 'commander';
import { join, resolve } from 'node:path';
import { configDirectory, readProfile, writeProfile } from '../cli/profile.js';
import { trustCommand } from '../cli/trust.js';
import { LocalStackError } from './errors.js';
import { startLocalStack } from './stack.js';

const program = new Command('npm start --')
  .description('Run the purchase-order system locally: API, DynamoDB Local, KMS, SES emulator with web inbox.')
  .addOption(new Option('--api-port <port>', 'API port').default('3000').env('PO_API_PORT'))
  .addOption(new Option('--inbox-port <port>', 'SES emulator and web inbox port').default('8005').env('PO_INBOX_PORT'))
  .addOption(new Option('--data-dir <dir>', 'where data is kept between runs').default('.po-local').env('PO_DATA_DIR'))
  .option('--in-memory', 'keep nothing between runs (demo keys still go to <data-dir>/demo)')
  .option(
    '--verbose',
    "print the handlers' INFO logs and every metric (EMF JSON), as on Lambda; default: warnings only",
  )
  .showHelpAfterError();
program.parse();
const options = program.opts<{
  apiPort: string;
  inboxPort: string;
  dataDir: string;
  inMemory?: boolean;
  verbose?: boolean;
}>();

function port(value: string, name: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 65535) {
    process.stderr.write(`po-local: ${name} must be a port number (1–65535), got "${value}"\n`);
    process.exit(2);
  }
  return number;
}

const dataDirectory = resolve(options.dataDir);
const say = (line: string) => process.stdout.write(`${line}\n`);
say(`Starting the OPD locally (${options.inMemory ? 'in memory' : `data in ${dataDirectory}`})…`);

try {
  const started = Date.now();
  const stack = await startLocalStack({
    apiPort: port(options.apiPort, '--api-port'),
    inboxPort: port(options.inboxPort, '--inbox-port'),
    ...(options.inMemory ? {} : { dataDirectory }),
    demoDirectory: join(dataDirectory, 'demo'),
    verbose: options.verbose === true,
    log: (line) => say(`  ${line}`),
  });
  // CLI profiles for the demo customers, so `po --profile alice …` works at once. What a profile already holds (its
  // pinned keys, its session) is kept: a stack started afresh (--in-memory) has a new server key, and po must then
  // stop at it like at any changed key, so the profile is told how to accept it instead.
  const published = (await (await fetch(`${stack.apiUrl}/server-key`)).json()) as { fingerprint: string };
  const receipts = (await (await fetch(`${stack.apiUrl}/receipt-keys`)).json()) as { current: string };
  const notices: string[] = [];
  for (const customer of stack.demo) {
    const existing = readProfile(customer.customerId);
    const pins = Object.keys(existing.receiptKeys ?? {});
    if (existing.serverKey && existing.serverKey.fingerprint !== published.fingerprint)
      notices.push(trustCommand('server', published.fingerprint, customer.customerId));
    if (pins.length > 0 && !pins.includes(receipts.current))
      notices.push(trustCommand('receipt', receipts.current, customer.customerId));
    writeProfile(customer.customerId, {
      ...existing,
      apiUrl: stack.apiUrl,
      customerId: customer.customerId,
      key: customer.privateKeyFile,
    });
  }
  // And one per demo staff member: a staff profile logs in at /staff/login.
  for (const member of stack.staff) {
    const existing = readProfile(member.staffId);
    delete existing.customerId;
    delete existing.key;
    writeProfile(member.staffId, { ...existing, apiUrl: stack.apiUrl, staffId: member.staffId });
  }
  if (notices.length > 0)
    say(
      `  Some demo profiles trust other keys than this stack's (rotated since, or a new stack); po stops at them.\n` +
        `  These are this stack's keys; to accept them:\n${notices.map((line) => `    ${line}`).join('\n')}`,
    );
  const customers = stack.demo.map(
    (d) => `    ${d.customerId.padEnd(10)} ${d.password}   ${d.alg} key ${d.privateKeyFile}`,
  );
  const staff = stack.staff.map((d) => `    ${d.staffId.padEnd(10)} ${d.password}   ${d.roles.join(', ')}`);
  const clerk = stack.staff.find((d) => d.staffId === 'clerk');
  const alice = stack.demo.find((d) => d.customerId === 'alice');
  say(`
Ready in ${((Date.now() - started) / 1000).toFixed(1)} s.

  API     ${stack.apiUrl}            (curl ${stack.apiUrl}/health)
  Portal  ${stack.apiUrl}/portal/    (customers, in a browser: log in as a demo customer, make a key on the Keys page)
  Console ${stack.apiUrl}/console/   (the OPD's staff, in a browser: log in as a demo staff member below)
  Inbox   ${stack.inboxUrl}            (confirmation emails in the browser; GET /store for JSON)

  Demo customers (local only; also in ${join(dataDirectory, 'demo', 'credentials.json')}):
${customers.join('\n')}
  Demo staff, one per role (also in ${join(dataDirectory, 'demo', 'staff.json')}):
${staff.join('\n')}
  po profiles are ready in ${configDirectory()} (one per demo customer and staff member).

  Next, in another terminal (once: npm link, so that po works in every directory):
    po --profile alice login                            # password: ${alice?.password ?? ''}
    po --profile alice account                          # balance, keys, ledger
    po --profile alice products
    po --profile alice order WIDGET-1:3 GADGET-2:1      # shows the quote, asks, checks the receipt
    po --profile alice orders
    po --profile alice orders export <order-id> --out order.evidence.json
    po verify order.evidence.json                       # offline
    po --profile alice orders cancel <order-id>         # signed; stock and balance come back
    po --profile clerk login                            # password: ${clerk?.password ?? ''}
    po --profile clerk admin orders                     # the OPD's queue; po admin orders fulfil <order-id>
  then open ${stack.inboxUrl} to see the confirmation.

Ctrl-C stops everything.`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal}: stopping…`);
    void stack.stop().then(() => {
      say('stopped.');
      process.exit(0);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (error) {
  if (error instanceof LocalStackError) {
    process.stderr.write(`po-local: ${error.message}\n  → ${error.remedy}\n`);
    process.exit(1);
  }
  process.stderr.write(`po-local: could not start (${error instanceof Error ? error.message : String(error)})\n`);
  process.exit(1);
}
