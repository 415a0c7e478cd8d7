/**
 * Mail drain benchmark (`npm run bench -- --part mail`): how fast the sweeper empties a backlog of owed confirmations
 * on the local stack (DynamoDB Local, the SES emulator), at a rate high enough that the pacer does not bind, so what is
 * measured is the sweep itself (its queries, claims, sends and records, 50 at a time). The backlog is written straight
 * into the orders table as accepted orders whose confirmation has been owed for two minutes, with the stream poller
 * stopped first, so the sweeper alone sends them. Then the SES emulator's store (`GET /store`) must hold each
 * confirmation exactly once. Reported with the drain time of a 130,000-mail backlog (shared/pacing.ts drainSeconds)
 * at the default SesSendRate (14/s) and at the measured rate, each on the AWS schedule (5-minute runs sending 285 s).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalStack } from '../local/stack.js';
import { drainSeconds } from '../shared/pacing.js';
import { owedMarker } from '../shared/mail.js';
import { localDocumentClient } from './dynamodb.js';

/** What `npm run bench -- --part mail` reports. */
export interface MailDrainResult {
  readonly backlog: number;
  /** The SES rate the sweeper was given: high, so that the sweep, not the pacer, sets the pace. */
  readonly configuredRate: number;
  readonly sent: number;
  readonly seconds: number;
  readonly mailsPerSecond: number;
  /** Distinct confirmations the SES emulator stored, and how many it stored more than once (must be 0). */
  readonly received: number;
  readonly duplicates: number;
  readonly missing: number;
  /** Hours to drain 130,000 owed mails on the AWS schedule, at 14/s and at the measured rate. */
  readonly drain130kHours: { readonly atDefaultRate: number; readonly atMeasuredRate: number };
}

const CONFIGURED_RATE = 10_000;
const LARGE_BACKLOG = 130_000;
const DEFAULT_RATE = 14;

/** An accepted order whose confirmation has been owed since `since` (its fields as the order transaction stores them). */
function owedOrder(index: number, since: number): Record<string, unknown> {
  const orderId = `M${String(index).padStart(21, '0')}`;
  return {
    customerId: `drain-${index % 50}`,
    orderId,
    status: 'accepted',
    lines: [{ sku: 'WIDGET-1', name: 'Widget', qty: 2, unitPriceCents: 1250 }],
    totalCents: 2500,
    currency: 'USD',
    acceptedAt: new Date(since).toISOString(),
    signedAt: new Date(since).toISOString(),
    jws: 'eyJ.eyJ.sig',
    alg: 'EdDSA',
    customerKeyId: 'bench-key',
    serverKeyId: 'server-1',
    receipt: 'eyJ.eyJ.receipt-signature',
    email: `drain-${index % 50}@customer.example`,
    emailStatus: 'pending',
    emailOwed: owedMarker('owed', orderId),
    emailOwedSince: since + index,
  };
}

/** Fills a backlog of `backlog` owed confirmations, sweeps it once and checks what the SES emulator received. */
export async function benchMailDrain(log: (line: string) => void, backlog = 2000): Promise<MailDrainResult> {
  log('  starting the local stack (in memory)…');
  const stack = await startLocalStack({
    apiPort: 0,
    inboxPort: 0,
    demoDirectory: mkdtempSync(join(tmpdir(), 'po-bench-mail-')),
    seed: false,
    sesSendRate: CONFIGURED_RATE,
    // The timer stays out of the way: the bench runs the one sweep it measures.
    sweepIntervalMs: 3_600_000,
  });
  try {
    // Held back: the stream would send these orders' confirmations itself.
    await stack.poller.stop();
    const documents = localDocumentClient(stack.dynamodbEndpoint);
    const since = Date.now() - 120_000;
    log(`  writing ${backlog} owed confirmations…`);
    for (let first = 0; first < backlog; first += 25) {
      const items = Array.from({ length: Math.min(25, backlog - first) }, (_, i) => owedOrder(first + i, since));
      await documents.send(
        new BatchWriteCommand({
          RequestItems: { [stack.tables.orders!]: items.map((Item) => ({ PutRequest: { Item } })) },
        }),
      );
    }
    log('  sweeping…');
    const started = performance.now();
    const result = await stack.sweep();
    const seconds = (performance.now() - started) / 1000;
    const { emails } = (await (await fetch(`${stack.inboxUrl}/store`)).json()) as {
      emails: Array<{ subject: string }>;
    };
    const times = new Map<string, number>();
    for (const { subject } of emails) times.set(subject, (times.get(subject) ?? 0) + 1);
    const expected = Array.from({ length: backlog }, (_, i) => `Order M${String(i).padStart(21, '0')} accepted`);
    const mailsPerSecond = result.sent / seconds;
    // Loaded only now: that module loads the handlers' logger, which reads the settings the stack set (local/stack.ts).
    const { SWEEP_SCHEDULE } = await import('../shared/services/deliver.js');
    const hours = (rate: number) => Number((drainSeconds(LARGE_BACKLOG, rate, SWEEP_SCHEDULE) / 3600).toFixed(2));
    return {
      backlog,
      configuredRate: CONFIGURED_RATE,
      sent: result.sent,
      seconds: Number(seconds.toFixed(2)),
      mailsPerSecond: Number(mailsPerSecond.toFixed(1)),
      received: expected.filter((subject) => times.has(subject)).length,
      duplicates: [...times.values()].filter((count) => count > 1).length,
      missing: expected.filter((subject) => !times.has(subject)).length,
      drain130kHours: { atDefaultRate: hours(DEFAULT_RATE), atMeasuredRate: hours(mailsPerSecond) },
    };
  } finally {
    await stack.stop();
  }
}
