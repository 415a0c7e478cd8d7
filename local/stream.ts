/**
 * The local stand-in for a Lambda event source mapping on a table's stream (the orders table's, the notices table's):
 * polls DynamoDB Local's stream, keeps the records that owe an email (the mapping's filter: `owesEmail`), invokes
 * notify with DynamoDB stream events, and honours partial batch failures: failed records are retried with backoff from
 * the first failure on, and after `maxAttempts` go to the dead-letter file (the SQS queue's role on AWS). Nothing is
 * dropped.
 */
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { _Record as StreamRecord } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './credentials.js';

/** Which table's stream to poll, what to hand its records to, and how hard to retry. */
export interface StreamPollerOptions {
  readonly endpoint: string;
  readonly table: string;
  /**
   * The mapping's filter (shared/services/notify.ts owesEmail, shared/services/notices.ts owesNoticeEmail). Given by
   * the caller like `notify`, not imported here:
   * that module loads the handlers' logger and metrics, which read their settings from the environment once, when
   * loaded, and the local stack sets that environment only when it starts (local/stack.ts).
   */
  readonly owesEmail: (record: DynamoDBRecord) => boolean;
  readonly notify: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;
  /** Where records that failed every attempt are appended as JSON lines (in memory only when unset). */
  readonly deadLetterFile?: string;
  readonly maxAttempts?: number;
  readonly pollMs?: number;
  readonly log?: (line: string) => void;
}

/** A running poller. */
export interface StreamPoller {
  stop(): Promise<void>;
  /** Records given up on (also appended to the dead-letter file). */
  readonly deadLetters: DynamoDBRecord[];
  /** Resolves once every record read so far has been handled (sent, skipped or dead-lettered). */
  drained(): Promise<void>;
}

function toLambdaRecord(record: StreamRecord, streamArn: string): DynamoDBRecord {
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventSource: 'aws:dynamodb',
    eventVersion: '1.1',
    awsRegion: 'local',
    eventSourceARN: streamArn,
    dynamodb: record.dynamodb as DynamoDBRecord['dynamodb'],
  };
}

/** Starts polling a table's stream from its oldest record (TRIM_HORIZON) until `stop`. */
export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const { maxAttempts = 10, pollMs = 200, log = () => undefined } = options;
  const { endpoint } = options;
  const tables = new DynamoDBClient({ region: LOCAL_REGION, endpoint, credentials: LOCAL_CREDENTIALS });
  const streams = new DynamoDBStreamsClient({ region: LOCAL_REGION, endpoint, credentials: LOCAL_CREDENTIALS });
  const description = await tables.send(new DescribeTableCommand({ TableName: options.table }));
  const streamArn = description.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${options.table} has no stream`);

  const iterators = new Map<string, string | undefined>(); // shard → next iterator (undefined once closed)
  const lastSequence = new Map<string, string>(); // shard → last sequence number read
  const pending: Array<{ record: DynamoDBRecord; attempts: number; notBefore: number }> = [];
  const deadLetters: DynamoDBRecord[] = [];
  let stopped = false;
  let idle = true;
  let lastDiscovery = 0;

  const discoverShards = async () => {
    const shards =
      (await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }))).StreamDescription?.Shards ?? [];
    for (const shard of shards) {
      if (!shard.ShardId || iterators.has(shard.ShardId)) continue;
      const after = lastSequence.get(shard.ShardId);
      const { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.ShardId,
          ...(after
            ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
            : { ShardIteratorType: 'TRIM_HORIZON' }),
        }),
      );
      iterators.set(shard.ShardId, ShardIterator);
    }
  };

  const readShards = async () => {
    for (const [shard, iterator] of iterators) {
      if (!iterator) continue;
      let page;
      try {
        page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
      } catch {
        // Expired or trimmed iterator (DynamoDB Local invalidates ones taken on an empty stream): take a new one after
        // the last record read. Re-reading is harmless: notify's claim makes sends idempotent.
        iterators.delete(shard);
        lastDiscovery = 0;
        continue;
      }
      iterators.set(shard, page.NextShardIterator);
      for (const record of page.Records ?? []) {
        if (record.dynamodb?.SequenceNumber) lastSequence.set(shard, record.dynamodb.SequenceNumber);
        const lambdaRecord = toLambdaRecord(record, streamArn);
        if (options.owesEmail(lambdaRecord)) pending.push({ record: lambdaRecord, attempts: 0, notBefore: 0 });
      }
    }
  };

  const deliver = async () => {
    const now = Date.now();
    const ready = pending.filter((entry) => entry.notBefore <= now).slice(0, 10);
    if (ready.length === 0) return;
    let failed: Set<string | undefined>;
    try {
      const result = await options.notify({ Records: ready.map((entry) => entry.record) });
      failed = new Set(result.batchItemFailures.map((failure) => failure.itemIdentifier));
    } catch {
      failed = new Set(ready.map((entry) => entry.record.dynamodb?.SequenceNumber));
    }
    for (const entry of ready) {
      const index = pending.indexOf(entry);
      if (!failed.has(entry.record.dynamodb?.SequenceNumber)) {
        pending.splice(index, 1);
        continue;
      }
      entry.attempts += 1;
      if (entry.attempts >= maxAttempts) {
        pending.splice(index, 1);
        deadLetters.push(entry.record);
        if (options.deadLetterFile)
          appendFileSync(options.deadLetterFile, `${JSON.stringify(entry.record)}\n`, { mode: 0o600 });
        log(
          `notify: record ${entry.record.dynamodb?.SequenceNumber ?? '?'} failed ${maxAttempts} times; dead-lettered`,
        );
      } else {
        entry.notBefore = Date.now() + Math.min(30_000, 250 * 2 ** entry.attempts);
      }
    }
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        if (Date.now() - lastDiscovery > 2000) {
          await discoverShards();
          lastDiscovery = Date.now();
        }
        await readShards();
        await deliver();
        idle = pending.length === 0;
      } catch (error) {
        log(`stream poller: ${error instanceof Error ? error.name : 'error'}; retrying`);
      }
      await sleep(pollMs);
    }
  })();

  return {
    deadLetters,
    async drained() {
      // Two quiet polls in a row: everything read has been handled and nothing new arrived.
      for (let quiet = 0; quiet < 2;) {
        await sleep(pollMs * 2);
        quiet = idle && pending.length === 0 ? quiet + 1 : 0;
      }
    },
    async stop() {
      stopped = true;
      await loop;
      tables.destroy();
      streams.destroy();
    },
  };
}

/** Several pollers as one (every stream the notifier reads): drained once each is, their dead letters together. */
export function allPollers(pollers: readonly StreamPoller[]): StreamPoller {
  return {
    get deadLetters() {
      return pollers.flatMap((poller) => poller.deadLetters);
    },
    async drained() {
      await Promise.all(pollers.map((poller) => poller.drained()));
    },
    async stop() {
      await Promise.all(pollers.map((poller) => poller.stop()));
    },
  };
}
