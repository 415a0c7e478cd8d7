/**
 * GET /admin/audit against an in-memory audit table (test/helpers/audit-trail.ts) that answers queries as DynamoDB
 * does (key conditions, newest first, Limit before the filter, LastEvaluatedKey): by target, by actor, by time across
 * days and shards, paged with its cursor; every hostile or malformed query parameter a 400 before anything is read.
 */
import { describe, expect, it, vi } from 'vitest';
import { AUDIT_TIME_SHARDS } from '../../contract/tables.js';
import { bodyOf } from '../helpers/aws.js';
import {
  DAY,
  NOW,
  cato,
  fran,
  ids,
  page,
  queries,
  read,
  stored,
  auditTableBeforeEach,
} from '../helpers/audit-trail.js';

auditTableBeforeEach();

describe('GET /admin/audit', () => {
  it('by target: that target’s records, newest first, from the table itself; the range it read said', async () => {
    const older = stored(cato, 'product.update', 'WIDGET-1', 3 * DAY);
    const newer = stored(cato, 'product.restock', 'WIDGET-1', 1000);
    stored(cato, 'product.update', 'GADGET-2', 2000);
    const answer = await page({ target: 'WIDGET-1' });
    expect(answer).toEqual({
      since: new Date(NOW - 30 * DAY).toISOString(),
      until: new Date(NOW).toISOString(),
      records: [
        {
          auditId: newer.auditId,
          time: newer.time,
          actor: 'cato',
          actorKind: 'staff',
          actorRoles: ['catalog'],
          action: 'product.restock',
          target: 'WIDGET-1',
          targetType: 'product',
          changes: newer.changes,
          requestId: 'r-1',
        },
        expect.objectContaining({ auditId: older.auditId }),
      ],
    });
    expect(queries().map((query) => query.IndexName)).toEqual([undefined]);
  });

  it('pages with its cursor: no record twice, none left out, and the cursor keeps the range', async () => {
    const made = [1, 2, 3, 4, 5].map((n) => stored(cato, 'product.update', 'WIDGET-1', n * 1000));
    const first = await page({ target: 'WIDGET-1', limit: '2' });
    vi.setSystemTime(NOW + 5 * DAY); // a default range would move; the cursor's does not
    const second = await page({ target: 'WIDGET-1', limit: '2', cursor: first.next! });
    const third = await page({ target: 'WIDGET-1', limit: '2', cursor: second.next! });
    expect([...first.records, ...second.records, ...third.records].map((r) => r.auditId)).toEqual(ids(made));
    expect(third.next).toBeUndefined();
    expect([second.since, second.until]).toEqual([first.since, first.until]);
  });

  it('by actor and action: the byActor index, the action as a filter, a full page however many it skips', async () => {
    const wanted = [stored(fran, 'account.credit', 'alice', 1000), stored(fran, 'account.credit', 'bob', 9000)];
    for (let n = 0; n < 5; n++) stored(fran, 'account.adjustment', 'alice', 2000 + n);
    stored(cato, 'account.credit', 'alice', 500);
    const answer = await page({ actor: 'fran', action: 'account.credit', limit: '2' });
    expect(ids(answer.records)).toEqual(ids(wanted));
    expect(queries()[0]).toMatchObject({ IndexName: 'byActor', FilterExpression: '#action = :action' });
  });

  it('by time: every shard of each day merged newest first, 7 days a page at most, then a cursor to go on', async () => {
    const made = Array.from({ length: 11 }, (_, day) =>
      [0, 1, 2].map((n) => stored(day % 2 ? cato : fran, 'product.update', `SKU-${n}`, day * DAY + n * 60_000)),
    ).flat();
    stored(cato, 'product.update', 'TOO-OLD', 13 * DAY);
    const first = await page({ since: new Date(NOW - 12 * DAY).toISOString(), limit: '100' });
    expect(ids(first.records)).toEqual(ids(made.slice(0, 21))); // today and the 6 days before
    expect(new Set(queries().map((query) => String(query.ExpressionAttributeValues![':key']))).size).toBe(
      7 * AUDIT_TIME_SHARDS,
    );
    expect(queries().every((query) => query.IndexName === 'byTime')).toBe(true);
    const second = await page({ limit: '100', cursor: first.next! });
    expect(ids(second.records)).toEqual(ids(made.slice(21)));
    expect(second.next).toBeUndefined();
  });

  it('by time: a page full within a day goes on from its last record', async () => {
    const made = [1, 2, 3, 4, 5].map((n) => stored(cato, 'product.update', `SKU-${n}`, n * 1000));
    const first = await page({ limit: '3' });
    const second = await page({ limit: '3', cursor: first.next! });
    expect([...ids(first.records), ...ids(second.records)]).toEqual(ids(made));
  });

  it('since and until bound the records, both included; until is at most now', async () => {
    const inside = [stored(cato, 'product.update', 'W', 2 * DAY), stored(cato, 'product.update', 'W', 4 * DAY)];
    stored(cato, 'product.update', 'W', 1 * DAY);
    stored(cato, 'product.update', 'W', 5 * DAY);
    const answer = await page({ target: 'W', since: inside[1]!.time, until: inside[0]!.time });
    expect(ids(answer.records)).toEqual(ids(inside));
    expect((await page({ until: '2099-01-01' })).until).toBe(new Date(NOW).toISOString());
  });

  it.each([
    ['an unknown parameter', { customer: 'alice' }, 'unknown query parameter "customer"'],
    ['a parameter name of 10 KB', { ['x'.repeat(10_240)]: '1' }, 'unknown query parameter'],
    ['a time that is no ISO 8601', { since: 'yesterday' }, 'since must be an ISO 8601'],
    ['a date that does not exist', { until: '2026-02-30' }, 'until must be an ISO 8601'],
    ['a time without its zone', { since: '2026-12-01T10:00' }, 'since must be an ISO 8601'],
    ['since after until', { since: '2026-12-05', until: '2026-12-01' }, 'since must not be later than until'],
    ['an unknown action', { action: 'product.delete' }, 'action must be one of product.add, product.update'],
    ['an actor with a NUL', { actor: 'fran\u0000' }, 'actor must be'],
    ['a target of 10 KB', { target: 'W'.repeat(10_240) }, 'target must be'],
    ['a malformed percent-escape', { target: 'W%ZZ' }, 'target must be'],
    ['an action with a percent-escape', { action: 'product.%75pdate' }, 'action must be one of'],
    ['a limit of 0', { limit: '0' }, 'limit must be'],
    ['a cursor it did not hand out', { cursor: 'eyJ4IjoxfQ' }, 'invalid cursor'],
    ['a cursor with since', { cursor: 'eyJ4IjoxfQ', since: '2026-12-01' }, 'a cursor carries its time range'],
  ])('refuses %s: 400 invalid_request, nothing read', async (_what, query, message) => {
    const response = await read(query);
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({
      error: { code: 'invalid_request', message: expect.stringContaining(message) as unknown },
    });
    expect(queries()).toEqual([]);
  });

  it('needs audit:read: a clerk is refused, naming it; finance and security read', async () => {
    expect(bodyOf(await read({}, 'clerk'))).toMatchObject({ error: { code: 'forbidden', permission: 'audit:read' } });
    expect((await read({}, 'finance')).statusCode).toBe(200);
    expect((await read({}, 'security')).statusCode).toBe(200);
  });
});
