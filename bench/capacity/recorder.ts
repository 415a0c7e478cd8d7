/**
 * The capacity model's recorder: an HTTP proxy between the handlers' SDK client and DynamoDB Local that sees every
 * request and answer (AWS JSON, `X-Amz-Target`) and counts what each would cost on DynamoDB (bench/capacity/count.ts),
 * with no change to the product's code: the local stack's DynamoDB endpoint is pointed at it.
 *
 * For a write it needs the item before and after: it reads each touched item itself (GetItem, ConsistentRead) before
 * forwarding the request and again after it succeeded. So that no other write slips in between where that matters —
 * items of tables with indexes, whose entries are counted from the two images — the proxy holds a lock per such item
 * from the first read to the last (locks taken in one order, so two transactions cannot wait on each other): writes
 * to one order, audit or notice item through the proxy are serialised, which DynamoDB does not do, so transaction
 * conflicts between them cannot be observed here. Items of tables without indexes (stock, accounts, ledger, staff)
 * are not locked: a write between the reads could change the size counted by a few bytes. For a read with a projection, and for every Query and Scan, it reads again
 * without projection or filter, because DynamoDB charges the whole items (or index entries) a read evaluated; a
 * Query's second reading can differ from the first under concurrent writes (a small imprecision).
 */
import { createServer, request as httpRequest, Agent } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { DynamoDBClient, GetItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/credentials.js';
import { closeServer, listenOnLoopback } from '../../local/ports.js';
import { itemReadCost, queryCost, writeCost } from './count.js';
import type { Units } from './count.js';
import { TABLE_SHAPES } from './partitions.js';
import type { TableShape } from './partitions.js';
import type { Item, ReadMode } from './sizing.js';
import { keyOf, plain, queriedKey, toSdk, usedBy, writeTargets } from './wire.js';
import type { WireItem } from './wire.js';

/** The running recorder. */
export interface Recorder {
  /** Where the handlers' SDK client should send its requests. */
  readonly endpoint: string;
  /** Counting on or off (off: requests only pass through). */
  recording: boolean;
  /** Every unit counted while recording. */
  readonly units: Units[];
  /** Requests seen while recording, per `Operation table`. */
  readonly requests: Map<string, number>;
  /** Refused writes seen while recording, per operation and DynamoDB's reasons (`TransactWriteItems None,Conflict…`). */
  readonly refusals: Map<string, number>;
  stop(): Promise<void>;
}

interface Forwarded {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems', 'BatchWriteItem']);
const REFUSALS = ['ConditionalCheckFailedException', 'TransactionCanceledException'];
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

/** A request member that should be a string, or '' if it is not. */
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

const readBody = (message: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    message.on('data', (chunk: Buffer) => chunks.push(chunk));
    message.on('end', () => resolve(Buffer.concat(chunks)));
    message.on('error', reject);
  });

/**
 * Starts the recorder in front of DynamoDB Local at `target`, whose tables are named `physical` (logical name →
 * physical name, as the local stack reports them).
 */
export async function startRecorder(target: string, physical: Readonly<Record<string, string>>): Promise<Recorder> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const direct = new DynamoDBClient({ region: LOCAL_REGION, endpoint: target, credentials: LOCAL_CREDENTIALS });
  const shapes = new Map<string, TableShape>(
    TABLE_SHAPES.filter((shape) => physical[shape.name] !== undefined).map((shape) => [physical[shape.name]!, shape]),
  );
  const locks = new Map<string, Promise<void>>();

  const forward = (message: IncomingMessage, body: Buffer) =>
    new Promise<Forwarded>((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: message.method,
          path: message.url,
          headers: { ...message.headers, host: upstream.host, 'accept-encoding': 'identity' },
          agent,
        },
        (response) => {
          readBody(response)
            .then((answer) => resolve({ status: response.statusCode ?? 500, headers: response.headers, body: answer }))
            .catch(reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  /** Runs `work` holding the lock of every item in `keys` (taken in sorted order). */
  const withLocks = async <T>(keys: readonly string[], work: () => Promise<T>): Promise<T> => {
    const releases: Array<() => void> = [];
    for (const key of [...new Set(keys)].sort()) {
      const previous = locks.get(key) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((resolve) => (release = resolve));
      const chained = previous.then(() => mine);
      locks.set(key, chained);
      await previous;
      releases.push(() => {
        release();
        if (locks.get(key) === chained) locks.delete(key);
      });
    }
    try {
      return await work();
    } finally {
      for (const release of releases) release();
    }
  };

  const getItem = async (table: string, key: WireItem): Promise<Item | undefined> =>
    plain((await direct.send(new GetItemCommand({ TableName: table, Key: toSdk(key), ConsistentRead: true }))).Item);

  const recorder: Recorder = {
    endpoint: '',
    recording: false,
    units: [],
    requests: new Map(),
    refusals: new Map(),
    stop: async () => {
      server.closeAllConnections();
      await closeServer(server);
      agent.destroy();
      direct.destroy();
    },
  };
  const count = (...units: Units[]) => recorder.units.push(...units);

  const recordWrite = async (operation: string, input: Record<string, unknown>, send: () => Promise<Forwarded>) => {
    const targets = writeTargets(operation, input, (table, item) => {
      const shape = shapes.get(table);
      return shape ? keyOf(shape, item) : undefined;
    }).filter((touched) => shapes.has(touched.physical));
    // Only items of tables with indexes are locked: there a write that slipped in between could move an index entry
    // the images would then miscount. Elsewhere it could only change the item's size by a few bytes, and a lock would
    // serialise every order on a hot SKU's stock item.
    const lockKeys = targets
      .filter((touched) => shapes.get(touched.physical)!.indexes.length > 0)
      .map((touched) => `${touched.physical}|${JSON.stringify(touched.key)}`);
    return withLocks(lockKeys, async () => {
      const before = await Promise.all(targets.map((touched) => getItem(touched.physical, touched.key)));
      const answer = await send();
      const errorType =
        answer.status === 200 ? '' : ((JSON.parse(answer.body.toString()) as { __type?: string }).__type ?? '');
      const refused = REFUSALS.some((name) => errorType.endsWith(name));
      if (answer.status !== 200 && !refused) return answer;
      if (refused) {
        const reasons = (JSON.parse(answer.body.toString()) as { CancellationReasons?: Array<{ Code?: string }> })
          .CancellationReasons;
        const why = `${operation} ${reasons ? reasons.map((reason) => reason.Code).join(',') : 'ConditionalCheckFailed'}`;
        recorder.refusals.set(why, (recorder.refusals.get(why) ?? 0) + 1);
      }
      const after = refused
        ? targets.map((touched) => (touched.action === 'Put' ? plain(touched.item) : undefined))
        : await Promise.all(targets.map((touched) => getItem(touched.physical, touched.key)));
      targets.forEach((touched, i) =>
        count(
          ...writeCost(shapes.get(touched.physical)!, {
            action: touched.action,
            key: plain(touched.key)!,
            before: before[i],
            after: refused && touched.action !== 'Put' ? before[i] : after[i],
            transactional: operation === 'TransactWriteItems',
            refused,
            operation,
          }),
        ),
      );
      return answer;
    });
  };

  const recordRead = async (operation: string, input: Record<string, unknown>, answer: Forwarded) => {
    if (answer.status !== 200) return;
    const output = JSON.parse(answer.body.toString()) as Record<string, unknown>;
    const shape = shapes.get(text(input.TableName));
    const mode = (consistent: unknown): ReadMode => (consistent === true ? 'consistent' : 'eventual');
    if (operation === 'GetItem' && shape) {
      const projected = input.ProjectionExpression !== undefined || input.AttributesToGet !== undefined;
      const item = projected
        ? await getItem(text(input.TableName), input.Key as WireItem)
        : plain(output.Item as WireItem);
      count(itemReadCost(shape, plain(input.Key as WireItem)!, item, mode(input.ConsistentRead)));
    } else if (operation === 'BatchGetItem') {
      const unprocessed = JSON.stringify(output.UnprocessedKeys ?? {});
      for (const [table, request] of Object.entries(input.RequestItems as Record<string, Record<string, unknown>>)) {
        const batchShape = shapes.get(table);
        if (!batchShape) continue;
        for (const key of request.Keys as WireItem[]) {
          if (unprocessed.includes(JSON.stringify(key))) continue;
          count(itemReadCost(batchShape, plain(key)!, await getItem(table, key), mode(request.ConsistentRead)));
        }
      }
    } else if (operation === 'TransactGetItems') {
      for (const entry of input.TransactItems as Array<{ Get: { TableName: string; Key: WireItem } }>) {
        const getShape = shapes.get(entry.Get.TableName);
        if (getShape)
          count(
            itemReadCost(
              getShape,
              plain(entry.Get.Key)!,
              await getItem(entry.Get.TableName, entry.Get.Key),
              'transactional',
            ),
          );
      }
    } else if ((operation === 'Query' || operation === 'Scan') && shape) {
      const index = shape.indexes.find((candidate) => candidate.name === input.IndexName);
      const readShape = index ?? shape;
      const keyCondition = text(input.KeyConditionExpression);
      const again: QueryCommandInput = {
        TableName: text(input.TableName),
        ...(index ? { IndexName: index.name, Select: 'ALL_PROJECTED_ATTRIBUTES' } : { Select: 'ALL_ATTRIBUTES' }),
        ...(keyCondition ? { KeyConditionExpression: keyCondition, ...usedBy(keyCondition, input) } : {}),
        ...(input.ExclusiveStartKey ? { ExclusiveStartKey: toSdk(input.ExclusiveStartKey as WireItem) } : {}),
        ...(typeof input.Limit === 'number' ? { Limit: input.Limit } : {}),
        ...(input.ScanIndexForward === false ? { ScanIndexForward: false } : {}),
        ...(input.ConsistentRead === true ? { ConsistentRead: true } : {}),
      };
      const evaluated =
        operation === 'Query'
          ? (await direct.send(new QueryCommand(again))).Items
          : (await direct.send(new ScanCommand(again))).Items;
      const partition = operation === 'Query' ? queriedKey(input, readShape.partitionKey) : '(scan)';
      count(
        queryCost(
          readShape,
          partition,
          (evaluated ?? []).map((item) => plain(item)!),
          mode(input.ConsistentRead),
          operation,
        ),
      );
    }
  };

  const server = createServer((message, response) => {
    void (async () => {
      const body = await readBody(message);
      const operation = String(message.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const send = () => forward(message, body);
      let answer: Forwarded;
      if (!recorder.recording) answer = await send();
      else {
        const input = JSON.parse(body.toString() || '{}') as Record<string, unknown>;
        const table = shapes.get(text(input.TableName))?.name ?? text(input.TableName);
        const name = `${operation}${table ? ` ${table}` : ''}`;
        recorder.requests.set(name, (recorder.requests.get(name) ?? 0) + 1);
        if (WRITES.has(operation)) answer = await recordWrite(operation, input, send);
        else {
          answer = await send();
          await recordRead(operation, input, answer);
        }
      }
      const headers = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !HOP_HEADERS.has(name)));
      response.writeHead(answer.status, { ...headers, 'content-length': answer.body.length });
      response.end(answer.body);
    })().catch((error: unknown) => {
      process.stderr.write(`capacity recorder: ${error instanceof Error ? error.message : String(error)}\n`);
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(
        JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'recorder' }),
      );
    });
  });
  const { url } = await listenOnLoopback(server, 0, 'the capacity recorder');
  return Object.assign(recorder, { endpoint: url });
}
