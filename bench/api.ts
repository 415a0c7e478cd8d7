/**
 * API benchmark (part 2): orders per second and p50/p99 latency through the local API (authorizer — cached for POST
 * /orders, as API Gateway does —, order handler, envelope opening, receipt, the DynamoDB transaction) at 1, 8 and 32
 * concurrent clients, each client a customer of its own, on one hot SKU (its stock split over {@link HOT_SHARDS}
 * shards, as its operator would split it) and on spread SKUs (unsplit); and in the same run the bare DynamoDB Local
 * rate for the same transaction shape (the same items, shards, conditions and return values) without our code, in
 * alternating rounds (medians compared). Conservation is checked after every round: stock (initial = Σ shards + units
 * accepted, one stored order per acceptance) and money (each customer's balance fell by exactly what it paid, one
 * ledger entry per order).
 *
 * Envelopes are sealed before the clock starts: the client runs in this process too, and sealing is client work.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { createProduct } from '../shared/aws/catalog.js';
import type { rebalanceStock, setShardCount } from '../shared/aws/stock.js';
import type { ServerPublicKey } from '../shared/envelope/index.js';
import { mailAttributes } from '../shared/mail.js';
import { startLocalStack } from '../local/stack.js';
import type { LocalStack } from '../local/stack.js';
import { bareCustomer, bareSku, createBareCustomers, createBareProducts, placeBareOrder } from './bare.js';
import { BENCH_OPERATOR, postOrder, PRICE, publishedServerKey, registerCustomers, sealOne } from './customers.js';
import type { BenchCustomer } from './customers.js';
import { accountOf, anOrderOf, countOrders, localDocumentClient, stockOf } from './dynamodb.js';
import { drive, median, percentile } from './measure.js';

/** One scenario at one concurrency: a row of the table `npm run bench` prints. */
export interface ApiBenchResult {
  readonly scenario: 'hot SKU' | 'spread SKUs';
  readonly clients: number;
  /** How many shards each SKU's stock was split over (on both sides). */
  readonly stockShards: number;
  readonly orders: number;
  readonly ordersPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly bareOrdersPerSec: number;
  /** ours ÷ bare: the share of the bare database's rate the whole order path achieves (goal ≥ 0.8). */
  readonly ratio: number;
  readonly stockConserved: boolean;
  readonly moneyConserved: boolean;
}

type Scenario = ApiBenchResult['scenario'];

const CLIENTS = [1, 8, 32];
/**
 * Rounds per scenario: ours and bare alternate (ours first, then bare first, …) and the medians are compared, so that
 * neither side always meets DynamoDB Local's JVM warmer, and one slow round does not decide a ratio.
 */
const ROUNDS = 3;
/** One customer per client: a customer's orders commit one at a time by design (its ledger is numbered). */
const CUSTOMERS = Math.max(...CLIENTS);
const SPREAD_SKUS = 50;
/**
 * How many shards the hot SKU's stock is split over. One item takes about 500 orders/s on AWS (2 write units per
 * transactional decrement, 1,000 per item), and on DynamoDB Local concurrent transactions on one item conflict and
 * retry; 8 shards put 32 clients at 4 per item, and in AWS terms carry a SKU to about 4,000 orders/s.
 */
const HOT_SHARDS = 8;
const ORDERS_PER_CLIENT = (clients: number) => ({ 1: 150, 8: 50 })[clients] ?? 20;

/** What every round works with: the running stack, its customers on both sides, and the direct database client. */
interface Bench {
  readonly stack: LocalStack;
  readonly customers: readonly BenchCustomer[];
  readonly server: ServerPublicKey;
  readonly documents: DynamoDBDocumentClient;
  /** One of our warm-up orders as stored: the bare side's order items copy its attributes (bench/bare.ts). */
  readonly template: Readonly<Record<string, unknown>>;
  /** Each bare customer's last ledger entry number (bench/bare.ts). */
  readonly bareSeq: Map<string, number>;
  /** shared/aws/catalog.ts createProduct and shared/aws/stock.ts's operations, loaded once the stack has set the
   * environment they read: the benchmark's products are made as an operator makes them. */
  readonly createProduct: typeof createProduct;
  readonly setShardCount: typeof setShardCount;
  readonly rebalanceStock: typeof rebalanceStock;
}

/** One round's measurements and checks. */
interface Round {
  readonly shards: number;
  readonly ours: { latencies: number[]; seconds: number };
  readonly oursPerSec: number;
  readonly barePerSec: number;
  readonly total: number;
  readonly stockConserved: boolean;
  readonly moneyConserved: boolean;
}

/** Runs every scenario at every concurrency; starts a local stack in memory for it and stops it after. */
export async function benchApi(log: (line: string) => void): Promise<ApiBenchResult[]> {
  log('  starting the local stack (in memory)…');
  const stack = await startLocalStack({
    apiPort: 0,
    inboxPort: 0,
    demoDirectory: mkdtempSync(join(tmpdir(), 'po-bench-')),
    seed: false,
  });
  try {
    const { createProduct } = await import('../shared/aws/catalog.js');
    const { setShardCount, rebalanceStock } = await import('../shared/aws/stock.js');
    const customers = await registerCustomers(stack.apiUrl, CUSTOMERS, log);
    const server = await publishedServerKey(stack.apiUrl);
    const documents = localDocumentClient(stack.dynamodbEndpoint);

    // Warm-up, not measured: cold key rings (KMS unwrap), JIT, DynamoDB Local's own warm-up, and each customer's
    // first order (its key and account read once, its authorizer answer kept), as a warm function would have.
    log('  warming up…');
    await createProduct({ sku: 'WARMUP', name: 'warm-up', priceCents: PRICE, stock: 10_000 }, BENCH_OPERATOR);
    await drive(3, CUSTOMERS, async (client) => {
      await postOrder(stack.apiUrl, customers[client]!, sealOne(customers[client]!, 'WARMUP', server));
    });

    const bareSeq = await createBareCustomers(documents, stack.tables, CUSTOMERS);
    const template = await bareTemplate(documents, stack.tables.orders!, customers[0]!.id);
    const bench: Bench = {
      stack,
      customers,
      server,
      documents,
      template,
      bareSeq,
      createProduct,
      setShardCount,
      rebalanceStock,
    };

    const results: ApiBenchResult[] = [];
    let run = 0;
    for (const scenario of ['hot SKU', 'spread SKUs'] as const) {
      for (const clients of CLIENTS) {
        const rounds = [];
        for (let r = 0; r < ROUNDS; r++) rounds.push(await round(bench, ++run, scenario, clients, r % 2 === 1));
        const result = summary(scenario, clients, rounds);
        results.push(result);
        log(
          `  ${scenario}, ${clients} client(s): ${result.ordersPerSec} orders/s (bare ${result.bareOrdersPerSec}; medians of ${ROUNDS} alternating rounds), conserved: stock ${result.stockConserved}, money ${result.moneyConserved}`,
        );
      }
    }
    documents.destroy();
    return results;
  } finally {
    await stack.stop();
  }
}

/**
 * What a bare order item copies: one of `customerId`'s stored orders, its confirmation's state as the order path
 * writes it (owed, pending), whatever the stream poller has done to it since.
 */
async function bareTemplate(
  documents: DynamoDBDocumentClient,
  table: string,
  customerId: string,
): Promise<Record<string, unknown>> {
  const stored = await anOrderOf(documents, table, customerId);
  if (!stored) throw new Error('no warm-up order was stored');
  const mail = mailAttributes('confirmation');
  const template = Object.fromEntries(
    Object.entries(stored).filter(([name]) => !(Object.values(mail) as string[]).includes(name)),
  );
  return { ...template, [mail.status]: 'pending', [mail.owed]: 'owed', [mail.owedSince]: Date.now() };
}

/**
 * One round of a scenario: ours and bare on fresh SKUs (named after the round number `run`), in the given order;
 * conservation checked after it.
 */
async function round(
  bench: Bench,
  run: number,
  scenario: Scenario,
  clients: number,
  bareFirst: boolean,
): Promise<Round> {
  const { stack, customers, documents } = bench;
  const perClient = ORDERS_PER_CLIENT(clients);
  const total = perClient * clients;
  const skuPrefix = scenario === 'hot SKU' ? `HOT-${run}` : `SPREAD-${run}-`;
  const skus =
    scenario === 'hot SKU' ? [`HOT-${run}`] : Array.from({ length: SPREAD_SKUS }, (_, i) => `SPREAD-${run}-${i}`);
  const shards = scenario === 'hot SKU' ? HOT_SHARDS : 1;
  // Each shard holds enough for every order of the round, so that no order finds the shard it picked short: neither
  // side ever falls back to reading the shards and taking from several (the bench measures the common path).
  const stockPerShard = total;
  const initialStock = stockPerShard * shards;
  for (const sku of skus) {
    await bench.createProduct({ sku, name: sku, priceCents: PRICE, stock: initialStock }, BENCH_OPERATOR);
    if (shards > 1) {
      // As an operator splits a hot SKU: PATCH /admin/products/{sku} {"stockShards": N}, then a rebalance.
      await bench.setShardCount(sku, shards, BENCH_OPERATOR);
      const split = await bench.rebalanceStock(sku, BENCH_OPERATOR);
      if (split.some((shard) => shard.stock !== stockPerShard)) throw new Error(`${sku} was not split evenly`);
    }
  }
  const skuOf = (client: number, n: number) => skus[(client * perClient + n) % skus.length]!;

  // Our code: envelopes sealed up front, then posted through the local API.
  const envelopes = Array.from({ length: clients }, (_, client) =>
    Array.from({ length: perClient }, (_, n) => sealOne(customers[client]!, skuOf(client, n), bench.server)),
  );
  const accounts = () =>
    Promise.all(customers.slice(0, clients).map((c) => accountOf(documents, stack.tables.customers!, c.id)));
  const before = await accounts();
  let accepted = 0;
  let failures = 0;
  const runOurs = () =>
    drive(perClient, clients, async (client, n) => {
      if ((await postOrder(stack.apiUrl, customers[client]!, envelopes[client]![n]!)) === 201) accepted++;
      else failures++;
    });

  // Bare DynamoDB Local: the same transaction shape, same concurrency, same retry policy.
  const bareSkus = skus.map(bareSku);
  await createBareProducts(documents, stack.tables, bareSkus, stockPerShard, shards);
  const runBare = () =>
    drive(perClient, clients, (client, n) =>
      placeBareOrder(documents, stack.tables, bench.bareSeq, {
        customerId: bareCustomer(client),
        sku: bareSkus[(client * perClient + n) % bareSkus.length]!,
        shards,
        jws: envelopes[client]![n]!,
        template: bench.template,
      }),
    );
  const bare = bareFirst ? await runBare() : undefined;
  const ours = await runOurs();
  const bareTimed = bare ?? (await runBare());

  // Conservation: initial = Σ shards + accepted, still split as it was, no shard below zero, and one stored order per
  // acceptance.
  let finalStock = 0;
  let splitHeld = true;
  for (const sku of skus) {
    const stock = await stockOf(documents, stack.tables.inventory!, sku);
    finalStock += stock.total;
    splitHeld &&= stock.stockShards === shards && stock.shards.every((units) => units >= 0);
  }
  const ordersForRun = await countOrders(documents, stack.tables.orders!, skuPrefix);
  const stockConserved =
    skus.length * initialStock === finalStock + accepted && splitHeld && ordersForRun === accepted && failures === 0;
  // Money: every customer paid exactly for its accepted orders, each with one ledger entry, and no more.
  const after = await accounts();
  const moneyConserved =
    after.every((account, client) => {
      const paid = before[client]!.balanceCents - account.balanceCents;
      return paid === (account.ledgerSeq - before[client]!.ledgerSeq) * PRICE && paid === perClient * PRICE;
    }) && failures === 0;
  return {
    shards,
    ours,
    oursPerSec: total / ours.seconds,
    barePerSec: total / bareTimed.seconds,
    total,
    stockConserved,
    moneyConserved,
  };
}

/** A scenario's result from its rounds: median rates, latency percentiles over every round, conservation in all. */
function summary(scenario: Scenario, clients: number, rounds: readonly Round[]): ApiBenchResult {
  const ordersPerSec = Math.round(median(rounds.map((r) => r.oursPerSec)));
  const bareOrdersPerSec = Math.round(median(rounds.map((r) => r.barePerSec)));
  const latencies = rounds.flatMap((r) => r.ours.latencies).sort((a, b) => a - b);
  return {
    scenario,
    clients,
    stockShards: rounds[0]!.shards,
    orders: rounds.reduce((sum, r) => sum + r.total, 0),
    ordersPerSec,
    p50Ms: Number(percentile(latencies, 50).toFixed(1)),
    p99Ms: Number(percentile(latencies, 99).toFixed(1)),
    bareOrdersPerSec,
    ratio: Number((ordersPerSec / bareOrdersPerSec).toFixed(2)),
    stockConserved: rounds.every((r) => r.stockConserved),
    moneyConserved: rounds.every((r) => r.moneyConserved),
  };
}
