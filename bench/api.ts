/**
 * API benchmark (part 2): orders per second and p50/p99 latency through the local API (authorizer — cached for POST
 * /orders, as API Gateway does —, order handler, envelope opening, receipt, the DynamoDB transaction) at 1, 8 and 32
 * concurrent clients, each client a customer of its own, on one hot SKU and on spread SKUs; and in the same run the
 * bare DynamoDB Local rate for the same transaction shape (the same items, conditions and return values) without our
 * code, in alternating rounds (medians compared). Conservation is checked after every round: stock (initial = final + units accepted, one stored order per
 * acceptance) and money (each customer's balance fell by exactly what it paid, one ledger entry per order).
 *
 * Envelopes are sealed before the clock starts: the client runs in this process too, and sealing is client work.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand as DocumentScanCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { accountWrites } from '../shared/aws/accounts.js';
import { sealOrder } from '../shared/envelope/index.js';
import { exportPublicKeyPem, parsePublicKeyPem, signingKey } from '../shared/keys.js';
import type { SigningKey } from '../shared/keys.js';
import { startLocalStack } from '../local/stack.js';

export interface ApiBenchResult {
  readonly scenario: 'hot SKU' | 'spread SKUs';
  readonly clients: number;
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

const CLIENTS = [1, 8, 32];
/**
 * Rounds per scenario: ours and bare alternate (ours first, then bare first, …) and the medians are compared, so that
 * neither side always meets DynamoDB Local's JVM warmer, and one slow round does not decide a ratio.
 */
const ROUNDS = 3;
/** One customer per client: a customer's orders commit one at a time by design (its ledger is numbered). */
const CUSTOMERS = Math.max(...CLIENTS);
const SPREAD_SKUS = 50;
const ORDERS_PER_CLIENT = (clients: number) => ({ 1: 150, 8: 50 })[clients] ?? 20;
const PRICE = 100;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/**
 * Runs `perClient` calls of `work(client, n)` on each of `clients` concurrent workers; returns the latencies (ms,
 * sorted) and the elapsed seconds.
 */
async function drive(
  perClient: number,
  clients: number,
  work: (client: number, n: number) => Promise<void>,
): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let n = 0; n < perClient; n++) {
        const t = process.hrtime.bigint();
        await work(client, n);
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

export async function benchApi(log: (line: string) => void): Promise<ApiBenchResult[]> {
  log('  starting the local stack (in memory)…');
  const stack = await startLocalStack({
    apiPort: 0,
    inboxPort: 0,
    demoDirectory: mkdtempSync(join(tmpdir(), 'po-bench-')),
    seed: false,
  });
  try {
    const { registerCustomer } = await import('../shared/services/admin.js');
    const { createProduct } = await import('../shared/aws/catalog.js');
    const { postLedgerEntry } = await import('../shared/aws/accounts.js');
    const password = `bench ${randomBytes(8).toString('hex')}`;
    const customers: Array<{ id: string; signer: SigningKey; token: string }> = [];
    log(`  registering ${CUSTOMERS} customers (Ed25519) and logging them in…`);
    for (let i = 0; i < CUSTOMERS; i++) {
      const id = `bench-${i}`;
      const pair = generateKeyPairSync('ed25519');
      await registerCustomer({
        customerId: id,
        email: `${id}@bench.local`,
        password,
        role: 'customer',
        keys: [{ publicKeyPem: exportPublicKeyPem(pair.publicKey) }],
      });
      // Enough that money never refuses an order: the bench measures acceptance.
      await postLedgerEntry(id, { type: 'credit', amountCents: 1e14, reference: 'bench', actor: 'bench' });
      const login = (await (
        await fetch(`${stack.apiUrl}/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ customerId: id, password }),
        })
      ).json()) as { token: string };
      customers.push({ id, signer: signingKey(pair.privateKey), token: login.token });
    }
    const serverKey = (await (await fetch(`${stack.apiUrl}/server-key`)).json()) as {
      kid: string;
      publicKeyPem: string;
    };
    const server = { kid: serverKey.kid, publicKey: parsePublicKeyPem(serverKey.publicKeyPem) };
    const documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        region: 'eu-west-1',
        endpoint: stack.dynamodbEndpoint,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        maxAttempts: 1,
      }),
    );
    const stockOf = async (sku: string) =>
      Number(
        (
          await documents.send(
            new GetCommand({ TableName: stack.tables.inventory, Key: { sku }, ConsistentRead: true }),
          )
        ).Item?.stock,
      );

    const accountOf = async (customerId: string) => {
      const item = (
        await documents.send(
          new GetCommand({ TableName: stack.tables.customers, Key: { customerId }, ConsistentRead: true }),
        )
      ).Item;
      return { balanceCents: Number(item?.balanceCents), ledgerSeq: Number(item?.ledgerSeq) };
    };
    const post = async (customer: (typeof customers)[number], envelope: string) => {
      const response = await fetch(`${stack.apiUrl}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${customer.token}` },
        body: JSON.stringify({ envelope }),
      });
      await response.arrayBuffer();
      return response.status;
    };
    const seal = (customer: (typeof customers)[number], sku: string) =>
      sealOrder({
        customerId: customer.id,
        items: [{ sku, qty: 1, unitPriceCents: PRICE }],
        currency: 'USD',
        signer: customer.signer,
        server,
      });

    // Warm-up, not measured: cold key rings (KMS unwrap), JIT, DynamoDB Local's own warm-up, and each customer's
    // first order (its key and account read once, its authorizer answer kept), as a warm function would have.
    log('  warming up…');
    await createProduct({ sku: 'WARMUP', name: 'warm-up', priceCents: PRICE, stock: 10_000 });
    await drive(3, CUSTOMERS, async (client) => {
      await post(customers[client]!, seal(customers[client]!, 'WARMUP'));
    });

    // The bare side's customers: the same attributes the order transaction's account condition reads.
    const bareCustomer = (client: number) => `bare-${client}`;
    const bareSeq = new Map<string, number>();
    for (let client = 0; client < CUSTOMERS; client++) {
      await documents.send(
        new PutCommand({
          TableName: stack.tables.customers,
          Item: {
            customerId: bareCustomer(client),
            role: 'customer',
            tokenVersion: 1,
            balanceCents: 1e14,
            ledgerSeq: 0,
            keys: { k1: { status: 'active' } },
          },
        }),
      );
      bareSeq.set(bareCustomer(client), 0);
    }

    const results: ApiBenchResult[] = [];
    let run = 0;
    /** One round of a scenario: ours and bare on fresh SKUs, in the given order; conservation checked after it. */
    const round = async (scenario: 'hot SKU' | 'spread SKUs', clients: number, bareFirst: boolean) => {
      run++;
      const perClient = ORDERS_PER_CLIENT(clients);
      const total = perClient * clients;
      const skus =
        scenario === 'hot SKU' ? [`HOT-${run}`] : Array.from({ length: SPREAD_SKUS }, (_, i) => `SPREAD-${run}-${i}`);
      const initialStock = total * 2; // enough for every order: the bench measures acceptance, not refusal
      for (const sku of skus) await createProduct({ sku, name: sku, priceCents: PRICE, stock: initialStock });
      const skuOf = (client: number, n: number) => skus[(client * perClient + n) % skus.length]!;

      // Our code: envelopes sealed up front, then posted through the local API.
      const envelopes = Array.from({ length: clients }, (_, client) =>
        Array.from({ length: perClient }, (_, n) => seal(customers[client]!, skuOf(client, n))),
      );
      const before = await Promise.all(customers.slice(0, clients).map((c) => accountOf(c.id)));
      let accepted = 0;
      let failures = 0;
      const runOurs = () =>
        drive(perClient, clients, async (client, n) => {
          if ((await post(customers[client]!, envelopes[client]![n]!)) === 201) accepted++;
          else failures++;
        });

      // Bare DynamoDB Local: the same transaction shape, same concurrency, same retry policy.
      const bareSkus = skus.map((sku) => `BARE-${sku}`);
      for (const sku of bareSkus)
        await documents.send(
          new PutCommand({
            TableName: stack.tables.inventory,
            Item: { sku, name: sku, priceCents: PRICE, stock: initialStock },
          }),
        );
      const runBare = () =>
        drive(perClient, clients, async (client, n) => {
          const customerId = bareCustomer(client);
          const sku = bareSkus[(client * perClient + n) % bareSkus.length]!;
          for (let attempt = 0; attempt < 10; attempt++) {
            const seen = bareSeq.get(customerId)!;
            try {
              await documents.send(
                new TransactWriteCommand({
                  TransactItems: [
                    {
                      Put: {
                        TableName: stack.tables.orders,
                        // As large as ours: the signed order and the receipt are most of an order item.
                        Item: {
                          customerId,
                          orderId: randomBytes(16).toString('base64url'),
                          lines: [{ sku, name: sku, qty: 1, unitPriceCents: PRICE }],
                          jws: envelopes[client]![n]!,
                        },
                        ConditionExpression: 'attribute_not_exists(orderId)',
                        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                      },
                    },
                    {
                      Update: {
                        TableName: stack.tables.inventory,
                        Key: { sku },
                        UpdateExpression: 'SET stock = stock - :qty',
                        ConditionExpression: 'attribute_exists(sku) AND stock >= :qty AND priceCents = :price',
                        ExpressionAttributeValues: { ':qty': 1, ':price': PRICE },
                        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                      },
                    },
                    // The account's debit and its ledger entry, built by the code the order path uses.
                    ...accountWrites(
                      { balanceCents: 1e14 - seen * PRICE, ledgerSeq: seen },
                      {
                        customerId,
                        entry: seen + 1,
                        type: 'order',
                        amountCents: -PRICE,
                        balanceAfterCents: 1e14 - (seen + 1) * PRICE,
                        currency: 'USD',
                        actor: customerId,
                        at: new Date().toISOString(),
                      },
                      { tokenVersion: 1, role: 'customer', keyId: 'k1' },
                    ),
                  ],
                }),
              );
              bareSeq.set(customerId, seen + 1);
              return;
            } catch {
              await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 25 * 2 ** attempt)));
            }
          }
        });
      const bare = bareFirst ? await runBare() : undefined;
      const ours = await runOurs();
      const bareTimed = bare ?? (await runBare());

      // Conservation: initial = final + accepted, and one stored order per acceptance.
      let finalStock = 0;
      for (const sku of skus) finalStock += await stockOf(sku);
      let ordersForRun = 0;
      let cursor: Record<string, unknown> | undefined;
      do {
        const page = await documents.send(
          new DocumentScanCommand({
            TableName: stack.tables.orders,
            Select: 'COUNT',
            FilterExpression: 'begins_with(customerId, :bench) AND begins_with(#lines[0].sku, :prefix)',
            ExpressionAttributeNames: { '#lines': 'lines' },
            ExpressionAttributeValues: {
              ':bench': 'bench-',
              ':prefix': scenario === 'hot SKU' ? `HOT-${run}` : `SPREAD-${run}-`,
            },
            ExclusiveStartKey: cursor,
          }),
        );
        ordersForRun += page.Count ?? 0;
        cursor = page.LastEvaluatedKey;
      } while (cursor);
      const stockConserved =
        skus.length * initialStock === finalStock + accepted && ordersForRun === accepted && failures === 0;
      // Money: every customer paid exactly for its accepted orders, each with one ledger entry, and no more.
      const after = await Promise.all(customers.slice(0, clients).map((c) => accountOf(c.id)));
      const moneyConserved =
        after.every((account, client) => {
          const paid = before[client]!.balanceCents - account.balanceCents;
          return paid === (account.ledgerSeq - before[client]!.ledgerSeq) * PRICE && paid === perClient * PRICE;
        }) && failures === 0;
      return {
        ours,
        oursPerSec: total / ours.seconds,
        barePerSec: total / bareTimed.seconds,
        total,
        stockConserved,
        moneyConserved,
      };
    };

    for (const scenario of ['hot SKU', 'spread SKUs'] as const) {
      for (const clients of CLIENTS) {
        const rounds = [];
        for (let r = 0; r < ROUNDS; r++) rounds.push(await round(scenario, clients, r % 2 === 1));
        const middle = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
        const ordersPerSec = Math.round(middle(rounds.map((r) => r.oursPerSec)));
        const bareOrdersPerSec = Math.round(middle(rounds.map((r) => r.barePerSec)));
        const latencies = rounds.flatMap((r) => r.ours.latencies).sort((a, b) => a - b);
        const stockConserved = rounds.every((r) => r.stockConserved);
        const moneyConserved = rounds.every((r) => r.moneyConserved);
        results.push({
          scenario,
          clients,
          orders: rounds.reduce((sum, r) => sum + r.total, 0),
          ordersPerSec,
          p50Ms: Number(percentile(latencies, 50).toFixed(1)),
          p99Ms: Number(percentile(latencies, 99).toFixed(1)),
          bareOrdersPerSec,
          ratio: Number((ordersPerSec / bareOrdersPerSec).toFixed(2)),
          stockConserved,
          moneyConserved,
        });
        log(
          `  ${scenario}, ${clients} client(s): ${ordersPerSec} orders/s (bare ${bareOrdersPerSec}; medians of ${ROUNDS} alternating rounds), conserved: stock ${stockConserved}, money ${moneyConserved}`,
        );
      }
    }
    documents.destroy();
    return results;
  } finally {
    await stack.stop();
  }
}
