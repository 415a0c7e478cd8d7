/**
 * API benchmark (part 2): orders per second and p50/p99 latency through the local API (authorizer, order handler,
 * envelope opening, the DynamoDB transaction) at 1, 8 and 32 concurrent clients, on one hot SKU and on spread SKUs;
 * and in the same run the bare DynamoDB Local rate for the same transactions without our code. Stock conservation is
 * checked after every run: initial stock = final stock + units accepted, and one stored order per acceptance.
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
  /** bare ÷ ours. */
  readonly ratio: number;
  readonly stockConserved: boolean;
}

const CLIENTS = [1, 8, 32];
const CUSTOMERS = 8;
const SPREAD_SKUS = 50;
const ORDERS_PER_RUN = (clients: number) => (clients === 1 ? 150 : 400);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** Runs `work(i)` for i in [0, total) with `clients` concurrent workers; returns latencies (ms) and elapsed seconds. */
async function drive(
  total: number,
  clients: number,
  work: (i: number) => Promise<void>,
): Promise<{ latencies: number[]; seconds: number }> {
  let next = 0;
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < total) {
        const i = next++;
        const t = process.hrtime.bigint();
        await work(i);
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

    // Warm-up, not measured: cold key rings (KMS unwrap), JIT, DynamoDB Local's own warm-up.
    log('  warming up…');
    await createProduct({ sku: 'WARMUP', name: 'warm-up', priceCents: 100, stock: 1000 });
    await drive(60, 8, async (i) => {
      const customer = customers[i % CUSTOMERS]!;
      const envelope = sealOrder({
        customerId: customer.id,
        items: [{ sku: 'WARMUP', qty: 1, unitPriceCents: 100 }],
        currency: 'USD',
        signer: customer.signer,
        server,
      });
      await (
        await fetch(`${stack.apiUrl}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${customer.token}` },
          body: JSON.stringify({ envelope }),
        })
      ).arrayBuffer();
    });

    const results: ApiBenchResult[] = [];
    let run = 0;
    for (const scenario of ['hot SKU', 'spread SKUs'] as const) {
      for (const clients of CLIENTS) {
        run++;
        const total = ORDERS_PER_RUN(clients);
        const skus =
          scenario === 'hot SKU' ? [`HOT-${run}`] : Array.from({ length: SPREAD_SKUS }, (_, i) => `SPREAD-${run}-${i}`);
        const initialStock = total * 2; // enough for every order: the bench measures acceptance, not refusal
        for (const sku of skus) await createProduct({ sku, name: sku, priceCents: 100, stock: initialStock });
        const skuOf = (i: number) => skus[i % skus.length]!;

        // Our code: envelopes sealed up front, then posted through the local API.
        const envelopes = Array.from({ length: total }, (_, i) =>
          sealOrder({
            customerId: customers[i % CUSTOMERS]!.id,
            items: [{ sku: skuOf(i), qty: 1, unitPriceCents: 100 }],
            currency: 'USD',
            signer: customers[i % CUSTOMERS]!.signer,
            server,
          }),
        );
        let accepted = 0;
        let failures = 0;
        const ours = await drive(total, clients, async (i) => {
          const response = await fetch(`${stack.apiUrl}/orders`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${customers[i % CUSTOMERS]!.token}` },
            body: JSON.stringify({ envelope: envelopes[i] }),
          });
          await response.arrayBuffer();
          if (response.status === 201) accepted++;
          else failures++;
        });

        // Bare DynamoDB Local: the same transaction shape (order put, conditional decrement, conditional debit, ledger
        // put), same concurrency.
        const bareSkus = skus.map((sku) => `BARE-${sku}`);
        for (let c = 0; c < CUSTOMERS; c++)
          await documents.send(
            new PutCommand({
              TableName: stack.tables.customers,
              Item: { customerId: `bare-${c}`, balanceCents: 1e14, ledgerSeq: 0 },
            }),
          );
        for (const sku of bareSkus)
          await documents.send(
            new PutCommand({
              TableName: stack.tables.inventory,
              Item: { sku, name: sku, priceCents: 100, stock: initialStock },
            }),
          );
        const bare = await drive(total, clients, async (i) => {
          for (let attempt = 0; attempt < 10; attempt++) {
            try {
              await documents.send(
                new TransactWriteCommand({
                  TransactItems: [
                    {
                      Put: {
                        TableName: stack.tables.orders,
                        Item: {
                          customerId: `bare-${i % CUSTOMERS}`,
                          orderId: randomBytes(16).toString('base64url'),
                          lines: [{ sku: bareSkus[i % bareSkus.length], qty: 1 }],
                        },
                        ConditionExpression: 'attribute_not_exists(orderId)',
                      },
                    },
                    {
                      Update: {
                        TableName: stack.tables.inventory,
                        Key: { sku: bareSkus[i % bareSkus.length] },
                        UpdateExpression: 'SET stock = stock - :qty',
                        ConditionExpression: 'attribute_exists(sku) AND stock >= :qty AND priceCents = :price',
                        ExpressionAttributeValues: { ':qty': 1, ':price': 100 },
                      },
                    },
                    {
                      Update: {
                        TableName: stack.tables.customers,
                        Key: { customerId: `bare-${i % CUSTOMERS}` },
                        UpdateExpression: 'SET balanceCents = balanceCents - :debit ADD ledgerSeq :one',
                        ConditionExpression: 'balanceCents >= :debit',
                        ExpressionAttributeValues: { ':debit': 100, ':one': 1 },
                      },
                    },
                    {
                      Put: {
                        TableName: stack.tables.ledger,
                        Item: {
                          customerId: `bare-${i % CUSTOMERS}`,
                          entry: randomBytes(6).readUIntBE(0, 6),
                          type: 'order',
                          amountCents: -100,
                        },
                      },
                    },
                  ],
                }),
              );
              return;
            } catch {
              await new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * 2 ** attempt)); // same retry policy
            }
          }
        });

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
        const ordersPerSec = Math.round(total / ours.seconds);
        const bareOrdersPerSec = Math.round(total / bare.seconds);
        results.push({
          scenario,
          clients,
          orders: total,
          ordersPerSec,
          p50Ms: Number(percentile(ours.latencies, 50).toFixed(1)),
          p99Ms: Number(percentile(ours.latencies, 99).toFixed(1)),
          bareOrdersPerSec,
          ratio: Number((bareOrdersPerSec / ordersPerSec).toFixed(2)),
          stockConserved,
        });
        log(
          `  ${scenario}, ${clients} client(s): ${ordersPerSec} orders/s (bare ${bareOrdersPerSec}), conserved: ${stockConserved}`,
        );
      }
    }
    documents.destroy();
    return results;
  } finally {
    await stack.stop();
  }
}
