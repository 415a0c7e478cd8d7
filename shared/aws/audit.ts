/**
 * The audit table (shared/audit.ts). A record is only ever put, never updated or deleted (IAM grants the stack's roles
 * nothing else, and the put only inside a TransactWriteItems: infra/access.ts), always as one action of the
 * transaction whose change it records. Read back newest first by target (the table), by actor (`byActor`) or by time
 * (`byTime`, a day's records spread over {@link AUDIT_TIME_SHARDS} partitions).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { AUDIT_BY_ACTOR, AUDIT_BY_TIME, AUDIT_TIME_SHARDS } from '../../contract/tables.js';
import { auditRecord } from '../audit.js';
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

/** A partition to read: the table's (by target) or an index's (by actor, by time bucket). */
interface Partition {
  readonly index?: string;
  readonly key: 'target' | 'actor' | 'timeBucket';
  readonly value: string;
}

/**
 * The records of `filter` in `position`'s range, newest first, at most `limit`: by target (the table's partition), else
 * by actor (`byActor`), else by time (`byTime`: day by day from the range's top, every shard of a day merged, at most
 * {@link MAX_DAYS_PER_PAGE} days per page; a page that stops there may hold fewer than `limit` records and a `next`).
 */
export async function queryAudit(filter: AuditFilter, position: AuditPosition, limit: number): Promise<AuditPage> {
  if (filter.target !== undefined || filter.actor !== undefined) {
    const partition: Partition =
      filter.target !== undefined
        ? { key: 'target', value: filter.target }
        : { index: AUDIT_BY_ACTOR.name, key: 'actor', value: filter.actor! };
    const { records, more } = await newestIn(partition, filter, position, limit);
    return more ? { records, next: records.at(-1)!.recordedAt } : { records };
  }
  const records: AuditRecord[] = [];
  // One more day than a page walks: whether there are days left is then known.
  const days = daysBackFrom(position.before, position.since, MAX_DAYS_PER_PAGE + 1);
  for (const [walked, day] of days.entries()) {
    if (walked === MAX_DAYS_PER_PAGE) return { records, next: endOfDayBefore(days[walked - 1]!) };
    const need = limit - records.length;
    const shards = await Promise.all(
      Array.from({ length: AUDIT_TIME_SHARDS }, (_, shard) =>
        newestIn({ index: AUDIT_BY_TIME.name, key: 'timeBucket', value: `${day}#${shard}` }, filter, position, need),
      ),
    );
    const merged = shards.flatMap((shard) => shard.records).sort(newestFirst);
    records.push(...merged.slice(0, need));
    if (records.length === limit) {
      const more = merged.length > need || shards.some((shard) => shard.more) || walked < days.length - 1;
      return more ? { records, next: records.at(-1)!.recordedAt } : { records };
    }
  }
  return { records };
}

const newestFirst = (a: AuditRecord, b: AuditRecord) =>
  a.recordedAt < b.recordedAt ? 1 : a.recordedAt > b.recordedAt ? -1 : 0;

/**
 * At most `want` records of one partition in `[since, before)`, newest first, matching what of `filter` the partition
 * key does not already say; and whether there are more.
 */
async function newestIn(
  partition: Partition,
  filter: AuditFilter,
  { since, before }: AuditPosition,
  want: number,
): Promise<{ records: AuditRecord[]; more: boolean }> {
  const records: AuditRecord[] = [];
  // BETWEEN is inclusive and DynamoDB refuses one whose bounds are reversed: an empty range is read as empty.
  if (since >= before) return { records, more: false };
  const filters = (['actor', 'action'] as const).filter((name) => filter[name] !== undefined && name !== partition.key);
  let start: Record<string, unknown> | undefined;
  do {
    const page = await guarded('the audit trail', 'Query', () =>
      dynamo().send(
        new QueryCommand({
          TableName: config().tables.audit,
          ...(partition.index ? { IndexName: partition.index } : {}),
          KeyConditionExpression: '#key = :key AND #at BETWEEN :since AND :before',
          ...(filters.length > 0
            ? { FilterExpression: filters.map((name) => `#${name} = :${name}`).join(' AND ') }
            : {}),
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
          // One more than wanted: whether there are more is then known without another page.
          Limit: want + 1,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      ),
    );
    // `before` is exclusive: the record it names (the last of the previous page) is not read again.
    records.push(...((page.Items ?? []) as AuditRecord[]).filter((record) => record.recordedAt !== before));
    start = page.LastEvaluatedKey;
  } while (start && records.length <= want);
  return { records: records.slice(0, want), more: records.length > want || start !== undefined };
}
