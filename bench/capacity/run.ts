/**
 * `npm run capacity`: the capacity model, counted from the code. Starts the local stack in memory with a recorder
 * between the handlers and DynamoDB Local (bench/capacity/recorder.ts), makes the mix's population, drives the mix
 * through the API (bench/capacity/mix.ts), waits until the notifier has sent every email it owes, and reports each
 * table's and index's hottest partition and the orders a second at which it reaches its limit on DynamoDB; then the
 * API Gateway, Lambda and SES ceilings. A table to stdout, bench/results/capacity.json, progress on stderr.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalStack } from '../../local/stack.js';
import type { LocalStack } from '../../local/stack.js';
import { postOrder, publishedServerKey } from '../customers.js';
import { localDocumentClient } from '../dynamodb.js';
import { HOT_SKU, customerIds, driveMix, planMix, spreadSkus } from './mix.js';
import type { MixParameters } from './mix.js';
import { createCatalogue, createCustomers, createStaff, setStockShards } from './population.js';
import { startRecorder } from './recorder.js';
import { report } from './report.js';

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Every option, its default, and what it sets. */
const OPTIONS = {
  orders: [3000, 'orders in the mix'],
  skus: [200, 'spread SKUs'],
  customers: [300, 'ordinary customers (the large one comes on top)'],
  staff: [20, 'clerks who fulfil orders'],
  'hot-share': [0.3, 'share of order lines on the hot SKU'],
  'large-factor': [10, "the large customer's orders, as a multiple of an ordinary customer's"],
  'max-lines': [3, 'lines per order: 1 to this many'],
  'cancel-share': [0.05, 'share of orders their customer cancels'],
  'fulfil-share': [0.9, 'share of orders a clerk fulfils'],
  'stock-shards': [8, 'stock shards asked for the hot SKU (1 where the code has none)'],
  clients: [8, 'concurrent clients'],
  seed: [23, "the mix planner's seed"],
  'ses-rate': [14, "the stack's SesSendRate parameter: emails/s the sweeper may send"],
  backlog: [130_000, 'owed emails whose drain time is reported'],
} as const;

const { values } = parseArgs({
  options: {
    help: { type: 'boolean' },
    ...Object.fromEntries(Object.keys(OPTIONS).map((name) => [name, { type: 'string' as const }])),
  },
});
if (values.help) {
  log('usage: npm run capacity [-- --option value …]\n');
  for (const [name, [fallback, what]] of Object.entries(OPTIONS))
    log(`  --${name.padEnd(13)} ${what} (default ${fallback})`);
  log('\nPrints a table to stdout and writes bench/results/capacity.json; progress goes to stderr.');
  process.exit(0);
}
const option = (name: keyof typeof OPTIONS): number => {
  const given = (values as Record<string, string | undefined>)[name];
  const value = given === undefined ? OPTIONS[name][0] : Number(given);
  if (!Number.isFinite(value) || value < 0) {
    log(`--${name} must be a number ≥ 0 (got ${given})`);
    process.exit(2);
  }
  return value;
};
const parameters: MixParameters = {
  orders: option('orders'),
  skus: option('skus'),
  customers: option('customers'),
  staff: option('staff'),
  hotShare: option('hot-share'),
  largeFactor: option('large-factor'),
  maxLines: option('max-lines'),
  cancelShare: option('cancel-share'),
  fulfilShare: option('fulfil-share'),
  stockShards: option('stock-shards'),
  clients: option('clients'),
  seed: option('seed'),
};

/** Waits until the pollers have handled every record and no order owes an email (any shard of the owed indexes). */
async function mailDrained(stack: LocalStack, timeoutMs: number): Promise<number> {
  const documents = localDocumentClient(stack.dynamodbEndpoint);
  const deadline = Date.now() + timeoutMs;
  let owed = 0;
  try {
    do {
      await stack.poller.drained();
      let cursor: Record<string, unknown> | undefined;
      owed = 0;
      do {
        const page = await documents.send(
          new ScanCommand({
            TableName: stack.tables.orders!,
            Select: 'COUNT',
            FilterExpression: 'begins_with(emailOwed, :owed) OR begins_with(noticeOwed, :owed)',
            ExpressionAttributeValues: { ':owed': 'owed' },
            ...(cursor ? { ExclusiveStartKey: cursor } : {}),
          }),
        );
        owed += page.Count ?? 0;
        cursor = page.LastEvaluatedKey;
      } while (cursor);
      if (owed > 0) await sleep(500);
    } while (owed > 0 && Date.now() < deadline);
  } finally {
    documents.destroy();
  }
  return owed;
}

const emailsInInbox = async (stack: LocalStack) =>
  ((await (await fetch(`${stack.inboxUrl}/store`)).json()) as { emails: unknown[] }).emails.length;

log('capacity: starting the local stack (in memory) with the recorder in front of DynamoDB Local…');
const stack = await startLocalStack({
  apiPort: 0,
  inboxPort: 0,
  demoDirectory: mkdtempSync(join(tmpdir(), 'po-capacity-')),
  seed: false,
  // The scheduled sweeper's cadence on AWS: a run of a few minutes meets it at most once.
  sweepIntervalMs: 300_000,
});
const recorder = await startRecorder(stack.dynamodbEndpoint, stack.tables);
try {
  // The handlers' client now goes through the recorder; the stream pollers still read DynamoDB Local directly (stream
  // reads are not charged as table reads).
  process.env.DYNAMODB_ENDPOINT = recorder.endpoint;
  (await import('../../shared/config.js')).resetConfig();
  (await import('../../shared/aws/clients.js')).resetClients();
  const { opdId } = (await import('../../shared/config.js')).config();

  const skus = [...spreadSkus(parameters.skus), HOT_SKU];
  log(`  ${skus.length} products, ${parameters.staff} clerks and an administrator…`);
  await createCatalogue(skus);
  const { clerks, admin } = await createStaff(stack.apiUrl, parameters.staff);
  const shards = await setStockShards(stack.apiUrl, admin, HOT_SKU, parameters.stockShards);
  log(`  hot SKU: ${shards.note}`);
  const ids = customerIds(parameters.customers);
  log(`  ${ids.length} customers (Ed25519 keys, credited, logged in)…`);
  const customers = await createCustomers(stack.apiUrl, ids);
  const server = await publishedServerKey(stack.apiUrl);
  // Warm-up, not counted: the key rings' first unwrap, the first order's code paths.
  await postOrder(
    stack.apiUrl,
    customers[0]!,
    (await import('../customers.js')).sealOne(customers[0]!, skus[0]!, server),
  );
  await mailDrained(stack, 60_000);
  const emailsBefore = await emailsInInbox(stack);

  const plan = planMix(parameters);
  log(`  driving ${plan.length} orders with ${parameters.clients} clients (every DynamoDB request counted)…`);
  recorder.recording = true;
  const outcome = await driveMix(
    { apiUrl: stack.apiUrl, customers, clerks, server, opdId, log },
    plan,
    parameters.clients,
  );
  log(`  ${outcome.accepted} accepted in ${outcome.seconds.toFixed(0)} s; waiting for the notifier's emails…`);
  const owedLeft = await mailDrained(stack, 600_000);
  recorder.recording = false;
  const emails = (await emailsInInbox(stack)) - emailsBefore;
  report({
    parameters,
    shards,
    outcome,
    owedLeft,
    emails,
    units: recorder.units,
    requests: Object.fromEntries(recorder.requests),
    refusals: Object.fromEntries(recorder.refusals),
    clerks: clerks.map((clerk) => clerk.id),
    largeCustomer: ids.at(-1)!,
    sesRate: option('ses-rate'),
    backlog: option('backlog'),
  });
} finally {
  await stack.stop();
  await recorder.stop();
}
