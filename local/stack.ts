/**
 * The whole OPD on one machine: DynamoDB Local, the local KMS endpoint, the SES emulator, the API adapter and the
 * stream pollers, all running the same handler code as AWS. Tables come from contract/tables.ts; keys are provisioned
 * by the custom-resource handler (the code rotation uses); the demo catalogue and customers (local/demo.ts) go through
 * the admin services. Used by `npm start` (local/start.ts) and by the end-to-end tests.
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { CloudFormationCustomResourceCreateEvent } from 'aws-lambda';
import { tableEnvironmentVariable, TABLES } from '../contract/tables.js';
import { startLocalApi } from './api.js';
import { buildWebApps } from './web-apps.js';
import type { Authorizer } from './api.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './credentials.js';
import { seedDemo } from './demo.js';
import type { DemoCustomer, DemoStaff } from './demo.js';
import { createTables, startDynamoDbLocal } from './dynamodb.js';
import type { DynamoDbLocal } from './dynamodb.js';
import { keepInbox, releaseInbox, startSesEmulator } from './inbox.js';
import { startLocalKms } from './kms.js';
import { loadOrCreateKmsKey } from './kms-key.js';
import { closeServer, ensurePortFree, freePort, listeningPort } from './ports.js';
import { allPollers, startStreamPoller } from './stream.js';
import type { StreamPoller } from './stream.js';
import type { SweepResult } from '../shared/services/notify.js';

/** What to start and where to keep it. */
export interface LocalStackOptions {
  /** API port (0 = any free port). */
  readonly apiPort: number;
  /** SES emulator and web inbox port (0 = any free port). */
  readonly inboxPort: number;
  /** Keep data (DynamoDB files, the local KMS key, demo keys) here; `undefined` = everything in memory. */
  readonly dataDirectory?: string;
  /** Where demo keys and credentials are written (default: `<dataDirectory>/demo`). Required in memory mode. */
  readonly demoDirectory: string;
  /** Seed the demo catalogue and customers (default true). */
  readonly seed?: boolean;
  /** Progress and trouble lines (starting, seeding, a failed mail sweep, a dead-lettered email); default: none. */
  readonly log?: (line: string) => void;
  /**
   * Print what the handlers print on Lambda: their INFO logs and every metric (one EMF JSON line each). Default: their
   * warnings and errors only, and no metrics.
   */
  readonly verbose?: boolean;
  /** How often the mail sweeper runs (the scheduled Lambda on AWS runs every 5 minutes); default 60 s. */
  readonly sweepIntervalMs?: number;
  /** Emails per second the sweeper may send (the stack's `SesSendRate`); default the configuration's, 14. */
  readonly sesSendRate?: number;
}

/** The running stack: where each piece answers, the demo logins, and how to stop it (or only its inbox). */
export interface LocalStack {
  readonly apiUrl: string;
  readonly inboxUrl: string;
  readonly dynamodbEndpoint: string;
  readonly kmsUrl: string;
  readonly demo: readonly DemoCustomer[];
  /** The demo staff, one per role. */
  readonly staff: readonly DemoStaff[];
  /** The notifier's stream pollers (orders, notices) as one. */
  readonly poller: StreamPoller;
  readonly tables: Readonly<Record<string, string>>;
  /** Runs the mail sweeper once, now (it also runs on its timer). */
  sweep(): Promise<SweepResult>;
  /** Stops the SES emulator (to test that no email is lost while it is down). */
  stopInbox(): Promise<void>;
  /** Starts it again on the same port. */
  startInbox(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The logging and metrics settings of the handlers (shared/observability.ts) on the local stack: by default warnings and errors
 * only and no metrics, for a terminal a person reads; `verbose`, INFO and every metric's EMF line, as on Lambda.
 * shared/observability.ts reads them once, when it is loaded: that is, when the first module that logs is loaded. Nothing this module or local/start.ts imports statically may load one (test/local/logging.test.ts).
 */
export function observabilityEnvironment(options: Pick<LocalStackOptions, 'verbose'>): Record<string, string> {
  return {
    SERVICE_NAME: 'purchase-orders-local',
    LOG_LEVEL: options.verbose ? 'INFO' : 'WARN',
    METRICS_DISABLED: options.verbose ? 'false' : 'true',
  };
}

/** Starts everything; on any failure stops what was started and throws (LocalStackError for known causes). */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? (() => undefined);
  const stoppers: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
  };
  try {
    await ensurePortFree(options.apiPort, '--api-port');
    await ensurePortFree(options.inboxPort, '--inbox-port');
    if (options.dataDirectory) mkdirSync(join(options.dataDirectory, 'dynamodb'), { recursive: true, mode: 0o700 });
    mkdirSync(options.demoDirectory, { recursive: true, mode: 0o700 });

    log('starting DynamoDB Local…');
    const dynamodb: DynamoDbLocal = await startDynamoDbLocal({
      port: await freePort(),
      ...(options.dataDirectory ? { dataDirectory: join(options.dataDirectory, 'dynamodb') } : {}),
    });
    stoppers.push(() => dynamodb.stop());

    const kmsKey = loadOrCreateKmsKey(options.dataDirectory);
    const kms = await startLocalKms(kmsKey);
    stoppers.push(() => closeServer(kms.server));

    if (options.dataDirectory) {
      const kept = keepInbox(join(options.dataDirectory, 'inbox.json'));
      if (kept > 0) log(`inbox: ${kept} email(s) kept from earlier runs`);
    } else releaseInbox();
    stoppers.push(() => Promise.resolve(releaseInbox()));
    let inbox: Server = await startSesEmulator(options.inboxPort);
    const inboxPort = await listeningPort(inbox, options.inboxPort);
    stoppers.push(() => closeServer(inbox));

    const tables = await createTables(dynamodb.endpoint, 'po-');
    Object.assign(process.env, {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      ...Object.fromEntries(TABLES.map((table) => [tableEnvironmentVariable(table.name), tables[table.name]])),
      KMS_KEY_ID: kmsKey.alias,
      SES_SENDER: 'orders@opd.local',
      DYNAMODB_ENDPOINT: dynamodb.endpoint,
      KMS_ENDPOINT: kms.url,
      SES_ENDPOINT: `http://127.0.0.1:${inboxPort}`,
      ...(options.sesSendRate === undefined ? {} : { SES_SEND_RATE: String(options.sesSendRate) }),
      ...observabilityEnvironment(options),
    });
    (await import('../shared/config.js')).resetConfig();
    (await import('../shared/aws/clients.js')).resetClients();

    // The first keys, exactly as the deploy-time custom resource makes them.
    const provision = (await import('../functions/provision/index.js')).handler;
    const provisioned = await provision({
      RequestType: 'Create',
      ResourceProperties: {},
    } as unknown as CloudFormationCustomResourceCreateEvent);
    log(`server key ${provisioned.Data?.ServerKeyId ?? '?'}`);

    const { customers: demo, staff } =
      options.seed === false ? { customers: [], staff: [] } : await seedDemo(options.demoDirectory, log);

    // Imported only now: the handlers read the environment set above when they load.
    const handlers = {
      login: (await import('../functions/login/index.js')).handler,
      password: (await import('../functions/password/index.js')).handler,
      order: (await import('../functions/order/index.js')).handler,
      read: (await import('../functions/read/index.js')).handler,
      admin: (await import('../functions/admin/index.js')).handler,
    };
    const authorizer: Authorizer = (await import('../functions/authorizer/index.js')).authorize;
    buildWebApps();
    const api = await startLocalApi({ handlers, authorizer }, options.apiPort);
    stoppers.push(() => closeServer(api.server));

    // The notifier's two event source mappings: the orders stream and the notices stream, each with its filter.
    const notify = (await import('../functions/notify/index.js')).notify;
    const { owesEmail } = await import('../shared/services/notify.js');
    const { owesNoticeEmail } = await import('../shared/services/notices.js');
    const streams: StreamPoller[] = [];
    for (const [table, owes] of [
      [tables.orders!, owesEmail],
      [tables.notices!, owesNoticeEmail],
    ] as const) {
      const started = await startStreamPoller({
        endpoint: dynamodb.endpoint,
        table,
        owesEmail: owes,
        notify,
        ...(options.dataDirectory ? { deadLetterFile: join(options.dataDirectory, 'dead-letters.jsonl') } : {}),
        log,
      });
      stoppers.push(() => started.stop());
      streams.push(started);
    }
    const poller = allPollers(streams);

    // The mail sweeper on a timer, as the scheduled rule runs it on AWS; one run at a time.
    const sweepOnce = (await import('../functions/sweeper/index.js')).sweep;
    let sweeping: Promise<SweepResult> | undefined;
    const sweep = () => (sweeping ??= sweepOnce().finally(() => (sweeping = undefined)));
    const sweeper = setInterval(() => {
      sweep().catch((error: unknown) => log(`mail sweep failed: ${error instanceof Error ? error.name : 'error'}`));
    }, options.sweepIntervalMs ?? 60_000);
    sweeper.unref();
    stoppers.push(async () => {
      clearInterval(sweeper);
      await sweeping?.catch(() => undefined);
    });

    return {
      apiUrl: api.url,
      inboxUrl: `http://127.0.0.1:${inboxPort}`,
      dynamodbEndpoint: dynamodb.endpoint,
      kmsUrl: kms.url,
      demo,
      staff,
      poller,
      tables,
      stopInbox: () => closeServer(inbox),
      startInbox: async () => {
        inbox = await startSesEmulator(inboxPort);
        await listeningPort(inbox, inboxPort);
      },
      sweep,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
