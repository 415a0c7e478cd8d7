/**
 * The audit table (shared/audit.ts). A record is only ever put, never updated or deleted (IAM grants the stack's roles
 * nothing else, and the put only inside a TransactWriteItems: infra/access.ts), always as one action of the
 * transaction whose change it records. Read back newest first by target (the table), by actor (`byActor`) or by time
 * (`byTime`, a day's records spread over {@link AUDIT_TIME_SHARDS} partitions).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { AUDIT_BY_ACTOR, AUDIT_BY_TIME, AUDIT_TIME_SHARDS } from '../../contract/tables.js';
import { auditRecord } from '../audit-record.js';
import type { Actor, AuditEntry, AuditRecord } from '../audit.js';
import { MAX_DAYS_PER_PAGE, daysBackFrom, endOfDayBefore } from '../audit-query.js';
import type { AuditFilter, AuditPosition } from '../audit-query.js';
import { config } from '../config.js';
import { dynamo, guarded } from './clients.js';
import type { TransactItem } from './transactions.js';

/**
 * The transaction action that writes `record`: a put that never replaces a record (its key is new, or the whole
 * transaction is cancelled).
 */
export function auditPut(record: AuditRecord): TransactItem {
  return {
    Put: {
      TableName: config().tables.audit,
      Item: record,
      ConditionExpression: 'attribute_not_exists(recordedAt)',
    },
  };
}

/** The transaction action that records `entry`, done by `actor` at `now`: {@link auditPut} of its record. */
export function auditAction(actor: Actor, entry: AuditEntry, now = Date.now()): TransactItem {
  return auditPut(auditRecord(actor, entry, now));
}

/** One page of the trail, newest first, and where the next one starts (if there may be more). */
export interface AuditPage {
  readonly records: AuditRecord[];
  /** The next page's exclusive upper bound on `recordedAt`. */
  readonly next?: string;
}

/**
 * Most DynamoDB requests (Query calls) one page read by target or by actor may make: one partition, one query after
 * another. A filter is applied after DynamoDB reads the items (its `Limit` counts the items read, not those that
 * match), so without a bound a page's work grew with the records it skipped: a rare action at 1,000 records a day
 * took 3,507 queries for one page, and a few thousand a day would pass the function's timeout. 40 queries of at most
 * {@link FILTERED_QUERY_LIMIT} items read at most 8,000 items; a page that spends them answers what it found, short,
 * with a `next` that goes on exactly where it stopped.
 */
export const MAX_QUERIES_PER_PAGE = 40;

/**
 * Most queries one page read by time may make: at most 10 rounds of one query per shard of a day, each round's queries
 * made together. A day is started only with a whole round left, so a page walks at most
 * {@link MAX_DAYS_PER_PAGE} days of one round each with some rounds to spare.
 */
export const MAX_TIME_QUERIES_PER_PAGE = 10 * AUDIT_TIME_SHARDS;

/**
 * Items one filtered query of a single partition reads (its `Limit`): many, since only some of them match. A query
 * without a filter reads the records wanted and one more (whether there are more is then known).
 */
const FILTERED_QUERY_LIMIT = 200;

/**
 * Items one filtered query of a time shard reads, whatever the page wants: a round of {@link AUDIT_TIME_SHARDS} of them
 * reads 800 items, as a round of 4 shards of 200 did, so a filtered page reads at most 10 × 800 = 8,000 items.
 */
const FILTERED_SHARD_QUERY_LIMIT = Math.ceil(800 / AUDIT_TIME_SHARDS);

/** A partition to read: the table's (by target) or an index's (by actor, by time bucket). */
interface Partition {
  readonly index?: string;
  readonly key: 'target' | 'actor' | 'timeBucket';
  readonly value: string;
}

/** How far a partition has been read, from the top of the page's range down. */
interface Reading {
  readonly partition: Partition;
  /** The records read that match the filter, newest first. */
  readonly records: AuditRecord[];
  /** The `LastEvaluatedKey` to go on from; none once the partition is read to `since`. */
  start?: Record<string, unknown>;
  done: boolean;
  /** The `recordedAt` of the last item read: every item from there up to the range's top has been read. */
  reached?: string;
}

/** What a page may still spend: DynamoDB Query calls. */
interface Budget {
  left: number;
}

/**
 * The records of `filter` in `position`'s range, newest first, at most `limit`: by target (the table's partition), else
 * by actor (`byActor`), else by time (`byTime`: day by day from the range's top, every shard of a day merged, at most
 * {@link MAX_DAYS_PER_PAGE} days per page). At most {@link MAX_QUERIES_PER_PAGE} queries (by time,
 * {@link MAX_TIME_QUERIES_PER_PAGE}): a page that stops at either
 * bound may hold fewer than `limit` records, and a `next`.
 */
export async function queryAudit(filter: AuditFilter, position: AuditPosition, limit: number): Promise<AuditPage> {
  if (filter.target !== undefined || filter.actor !== undefined) {
    const budget: Budget = { left: MAX_QUERIES_PER_PAGE };
    const reading = unread(
      filter.target !== undefined
        ? { key: 'target', value: filter.target }
        : { index: AUDIT_BY_ACTOR.name, key: 'actor', value: filter.actor! },
    );
    while (wantsMore(reading, limit) && budget.left > 0) await readMore(reading, filter, position, limit, budget);
    if (reading.records.length > limit) {
      const records = reading.records.slice(0, limit);
      return { records, next: records.at(-1)!.recordedAt };
    }
    // Every record from `reached` up has been read and is in this page: the next goes on below it.
    return reading.done ? { records: reading.records } : { records: reading.records, next: reading.reached! };
  }
  const budget: Budget = { left: MAX_TIME_QUERIES_PER_PAGE };
  const records: AuditRecord[] = [];
  // One more day than a page walks: whether there are days left is then known.
  const days = daysBackFrom(position.before, position.since, MAX_DAYS_PER_PAGE + 1);
  for (const [walked, day] of days.entries()) {
    if (walked === MAX_DAYS_PER_PAGE || budget.left < AUDIT_TIME_SHARDS)
      return { records, next: endOfDayBefore(days[walked - 1]!) };
    const need = limit - records.length;
    const shards = Array.from({ length: AUDIT_TIME_SHARDS }, (_, shard) =>
      unread({ index: AUDIT_BY_TIME.name, key: 'timeBucket', value: `${day}#${shard}` }),
    );
    // In rounds of one query per shard that wants more, while the budget has a whole round left (it has the first:
    // MAX_TIME_QUERIES_PER_PAGE is more than a day's shards, and a day is started only with a round left).
    let round = shards.filter((shard) => wantsMore(shard, need));
    while (round.length > 0 && budget.left >= round.length) {
      await Promise.all(round.map((shard) => readMore(shard, filter, position, need, budget)));
      round = shards.filter((shard) => wantsMore(shard, need));
    }
    // Every shard has been read from the top down to where it stopped: the records above the highest of those
    // points are all known (the next page reads the others again). ISO times: the highest sorts last.
    const frontier = shards
      .flatMap((shard) => (shard.done ? [] : [shard.reached!]))
      .sort()
      .at(-1);
    const known = shards
      .flatMap((shard) => shard.records)
      .filter((record) => frontier === undefined || record.recordedAt >= frontier)
      .sort(newestFirst);
    records.push(...known.slice(0, need));
    if (known.length > need) return { records, next: records.at(-1)!.recordedAt };
    if (frontier !== undefined) return { records, next: frontier };
    // The whole day is in this page: the next, if the page is full, starts with the day before.
    if (records.length === limit)
      return walked < days.length - 1 ? { records, next: endOfDayBefore(day) } : { records };
  }
  return { records };
}

const newestFirst = (a: AuditRecord, b: AuditRecord) =>
  a.recordedAt < b.recordedAt ? 1 : a.recordedAt > b.recordedAt ? -1 : 0;

const unread = (partition: Partition): Reading => ({ partition, records: [], done: false });

/** Whether a reading of `want` records goes on: until it has one more than wanted (whether there are more is known). */
const wantsMore = (reading: Reading, want: number) => !reading.done && reading.records.length <= want;

/**
 * One query more of a partition in `[since, before)`, newest first, from where `reading` stopped: the records that
 * match what of `filter` the partition key does not already say are added to it. Spends one of `budget`.
 */
async function readMore(
  reading: Reading,
  filter: AuditFilter,
  { since, before }: AuditPosition,
  want: number,
  budget: Budget,
): Promise<void> {
  const { partition } = reading;
  // BETWEEN is inclusive and DynamoDB refuses one whose bounds are reversed: an empty range is read as empty.
  if (since >= before) {
    reading.done = true;
    return;
  }
  const filters = (['actor', 'action'] as const).filter((name) => filter[name] !== undefined && name !== partition.key);
  budget.left -= 1;
  const page = await guarded('the audit trail', 'Query', () =>
    dynamo().send(
      new QueryCommand({
        TableName: config().tables.audit,
        ...(partition.index ? { IndexName: partition.index } : {}),
        KeyConditionExpression: '#key = :key AND #at BETWEEN :since AND :before',
        ...(filters.length > 0 ? { FilterExpression: filters.map((name) => `#${name} = :${name}`).join(' AND ') } : {}),
        ExpressionAttributeNames: {
          '#key': partition.key,
          '#at': 'recordedAt',
          ...Object.fromEntries(filters.map((name) => [`#${name}`, name])),
        },
        ExpressionAttributeValues: {
          ':key': partition.value,
          ':since': since,
          ':before': before,
          ...Object.fromEntries(filters.map((name) => [`:${name}`, filter[name]])),
        },
        ScanIndexForward: false,
        // Always 2 items or more, of which at most one is `before`'s own: where a query stops is below `before`, so a
        // page that ends there hands out a cursor that has moved on, however few records it found.
        Limit:
          filters.length === 0
            ? want + 1
            : partition.key === 'timeBucket'
              ? FILTERED_SHARD_QUERY_LIMIT
              : Math.max(FILTERED_QUERY_LIMIT, want + 1),
        ...(reading.start ? { ExclusiveStartKey: reading.start } : {}),
      }),
    ),
  );
  // `before` is exclusive: the record it names (the last of the previous page) is not read again.
  reading.records.push(...((page.Items ?? []) as AuditRecord[]).filter((record) => record.recordedAt !== before));
  reading.start = page.LastEvaluatedKey;
  if (reading.start === undefined) reading.done = true;
  else reading.reached = reading.start.recordedAt as string;
}
