/**
 * GET /admin/audit's cursor, checked member by member before anything is read: a cursor a page would not hand out
 * (a range from year 0 to 9999, since after until, until in the future, a position outside the range, a date that
 * does not exist, not JSON, 10 KB) is a 400 that costs no DynamoDB request; one handed out by an instance whose clock
 * is a little ahead is read.
 */
import { describe, expect, it, vi } from 'vitest';
import { AUDIT_TIME_SHARDS } from '../../contract/tables.js';
import { CURSOR_CLOCK_ALLOWANCE_MS } from '../../shared/audit-query.js';
import { bodyOf } from '../helpers/aws.js';
import { DAY, NOW, cato, ids, page, queries, read, stored, auditTableBeforeEach } from '../helpers/audit-trail.js';

auditTableBeforeEach();

const iso = (time: number) => new Date(time).toISOString();
/** A cursor as a page encodes one: base64url JSON. */
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A cursor with the members given, the others those of a first page's over the last 30 days. */
const cursor = (members: { since?: string; until?: string; before?: string }) =>
  cursorOf({ since: iso(NOW - 30 * DAY), until: iso(NOW), before: `${iso(NOW)}#~`, ...members });

describe('GET /admin/audit: the cursor', () => {
  it.each([
    [
      'a range from year 0 to 9999',
      cursor({
        since: '0000-01-01T00:00:00.000Z',
        until: '9999-12-31T23:59:59.999Z',
        before: '9999-12-31T23:59:59.999Z#~',
      }),
    ],
    ['since before 1970', cursor({ since: '1969-12-31T23:59:59.999Z' })],
    ['since year 0', cursor({ since: '0000-01-01T00:00:00.000Z' })],
    [
      'since after until',
      cursor({ since: iso(NOW - DAY), until: iso(NOW - 2 * DAY), before: `${iso(NOW - 2 * DAY)}#~` }),
    ],
    ['until far in the future', cursor({ until: '2099-01-01T00:00:00.000Z', before: '2099-01-01T00:00:00.000Z#~' })],
    ['until in year 9999, read from now', cursor({ until: '9999-12-31T23:59:59.999Z' })],
    ['until a day ahead of now', cursor({ until: iso(NOW + DAY) })],
    ['until just past the clock allowance', cursor({ until: iso(NOW + CURSOR_CLOCK_ALLOWANCE_MS + 1) })],
    ['a position above until', cursor({ until: iso(NOW - DAY) })],
    ['a position in year 9999', cursor({ before: '9999-12-31T23:59:59.999Z#~' })],
    ['a position below since', cursor({ before: `${iso(NOW - 31 * DAY)}#~` })],
    ['a position at a record below since', cursor({ before: `${iso(NOW - 31 * DAY)}#AAAAAAAAAAAAAAAA` })],
    ['a date that does not exist', cursor({ since: '2026-02-30T00:00:00.000Z' })],
    ['a position on a date that does not exist', cursor({ before: '2026-11-31T00:00:00.000Z#~' })],
    ['an hour that does not exist', cursor({ until: '2026-12-06T24:00:00.000Z' })],
    ['a position that is no record key', cursor({ before: `${iso(NOW)}#` })],
    ['a member more', cursorOf({ since: iso(NOW - DAY), until: iso(NOW), before: `${iso(NOW)}#~`, shard: '9' })],
    ['a member missing', cursorOf({ since: iso(NOW - DAY), until: iso(NOW) })],
    ['times as numbers', cursorOf({ since: 0, until: NOW, before: NOW })],
    ['not JSON', Buffer.from('not json {').toString('base64url')],
    ['JSON, not an object', cursorOf(['since', 'until'])],
    ['not base64url', 'eyJ4Ijox+/=='],
    ['10 KB', 'A'.repeat(10_240)],
    [
      '10 KB of JSON',
      cursorOf({ since: iso(NOW - DAY), until: iso(NOW), before: `${iso(NOW)}#~`, x: 'x'.repeat(7_600) }),
    ],
  ])('refuses %s: 400 invalid_request, the cursor named, no DynamoDB request', async (_what, forged) => {
    const response = await read({ action: 'staff.add', limit: '1', cursor: forged });
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({
      error: { code: 'invalid_request', message: expect.stringContaining('invalid cursor') as unknown },
    });
    expect(queries()).toEqual([]);
  });

  it('reads a cursor whose until is a little ahead of this clock (another instance’s clock)', async () => {
    const made = [1, 2, 3].map((n) => stored(cato, 'product.update', 'WIDGET-1', n * 1000));
    vi.setSystemTime(NOW - CURSOR_CLOCK_ALLOWANCE_MS + 1000);
    const answer = await page({ limit: '2', cursor: cursor({ before: `${iso(NOW)}#~` }) });
    expect(ids(answer.records)).toEqual(ids(made.slice(0, 2)));
    const rest = await page({ limit: '2', cursor: answer.next! });
    expect(ids(rest.records)).toEqual(ids(made.slice(2)));
  });

  it('reads a range from 1970 (since as a parameter) a week at a page, and pages on from there', async () => {
    const old = stored(cato, 'product.update', 'WIDGET-1', 20 * DAY);
    const first = await page({ since: '1970-01-01', limit: '10' });
    expect(first.records).toEqual([]);
    expect(new Set(queries().map((query) => String(query.ExpressionAttributeValues![':key']))).size).toBe(
      7 * AUDIT_TIME_SHARDS,
    );
    const second = await page({ limit: '10', cursor: first.next! });
    const third = await page({ limit: '10', cursor: second.next! });
    expect(ids([...second.records, ...third.records])).toEqual([old.auditId]);
    expect(third.since).toBe('1970-01-01T00:00:00.000Z');
    expect(third.next).toBeDefined();
  });
});
