/**
 * The GET /admin/audit suites' world: an in-memory audit table that answers queries as DynamoDB does (key conditions,
 * newest first, Limit before the filter, LastEvaluatedKey), records put in it at times before {@link NOW}, and the
 * route called as a staff member.
 */
import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, expect, vi } from 'vitest';
import { auditRecord } from '../../shared/audit-record.js';
import type { Actor, AuditAction, AuditRecord } from '../../shared/audit.js';
import { QueryCommand, apiEvent, bodyOf, ddb, lambdaContext } from './aws.js';
import type { STAFF } from './audit.js';
import { staffSession } from './audit.js';
import { coldStartBeforeEach, read as readFunction, world } from './handlers/read-admin-notify.js';

export const NOW = Date.parse('2026-12-07T12:00:00.000Z');
export const DAY = 86_400_000;
export const cato: Actor = { kind: 'staff', id: 'cato', roles: ['catalog'], requestId: 'r-1' };
export const fran: Actor = { kind: 'staff', id: 'fran', roles: ['finance'], requestId: 'r-2' };

let serial = 0;
/** A record of `action` on `target` by `actor`, `ago` milliseconds before NOW, stored in the world's audit table. */
export function stored(actor: Actor, action: AuditAction, target: string, ago: number): AuditRecord {
  const id = `id${String(serial++).padStart(14, '0')}`;
  const record = auditRecord(actor, { action, target, changes: { n: serial } }, NOW - ago, id);
  world.audit.push(record);
  return record;
}

/** The audit table's queries, answered from `world.audit` as DynamoDB would. */
export function answerQueries(): void {
  ddb.on(QueryCommand, { TableName: 'audit' }).callsFake((input: QueryCommandInput) => {
    const names = input.ExpressionAttributeNames!;
    const values = input.ExpressionAttributeValues!;
    expect(input.KeyConditionExpression).toBe('#key = :key AND #at BETWEEN :since AND :before');
    expect(names['#at']).toBe('recordedAt');
    const key = { undefined: 'target', byActor: 'actor', byTime: 'timeBucket' }[String(input.IndexName)];
    expect(names['#key']).toBe(key);
    expect(values[':since'] <= values[':before']).toBe(true); // DynamoDB refuses a reversed BETWEEN
    const start = input.ExclusiveStartKey?.recordedAt as string | undefined;
    const inRange = world.audit
      .filter((r) => r[key as keyof AuditRecord] === values[':key'])
      .filter((r) => r.recordedAt >= values[':since'] && r.recordedAt <= values[':before'])
      .filter((r) => start === undefined || r.recordedAt < start)
      .sort((a, b) => (a.recordedAt < b.recordedAt ? 1 : -1));
    const evaluated = inRange.slice(0, input.Limit);
    const filters = Object.keys(names).filter((name) => name === '#actor' || name === '#action');
    const items = evaluated.filter((r) =>
      filters.every((name) => r[name.slice(1) as keyof AuditRecord] === values[`:${name.slice(1)}`]),
    );
    const last = evaluated.at(-1);
    return {
      Items: structuredClone(items),
      ...(inRange.length > evaluated.length && last
        ? { LastEvaluatedKey: { target: last.target, recordedAt: last.recordedAt, [key!]: last[key as 'target'] } }
        : {}),
    };
  });
}

/** GET /admin/audit with `query`, as the staff member `who`. */
export const read = (query: Record<string, string> = {}, who: keyof typeof STAFF = 'security') =>
  readFunction(apiEvent({ method: 'GET', resource: '/admin/audit', session: staffSession(who), query }), lambdaContext);

export interface Page {
  since: string;
  until: string;
  records: Array<{ auditId: string } & Record<string, unknown>>;
  next?: string;
}
/** The body of a 200 answer to {@link read}. */
export const page = async (query: Record<string, string> = {}) => bodyOf(await read(query)) as unknown as Page;
export const ids = (records: ReadonlyArray<{ auditId: string }>) => records.map((record) => record.auditId);
/** The audit table's queries sent so far, in order. */
export const queries = () => ddb.commandCalls(QueryCommand, { TableName: 'audit' }).map((c) => c.args[0].input);

/**
 * The audit-read suites' setting, for the calling file: a cold read function before each test, the clock at
 * {@link NOW}, and the in-memory audit table answering queries.
 */
export function auditTableBeforeEach(): void {
  coldStartBeforeEach();
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'], now: NOW });
    answerQueries();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}
