/**
 * GET /admin/audit's bound on work: whatever the filter and however many records it skips, one page makes at most
 * MAX_QUERIES_PER_PAGE DynamoDB queries (by time, MAX_TIME_QUERIES_PER_PAGE, in rounds over the day's shards); a page that spends them is short and its `next` goes on exactly where it
 * stopped, so that paging returns every matching record once, newest first. Against the in-memory audit table
 * (test/helpers/audit-trail.ts), thousands of records in it.
 */
import { describe, expect, it } from 'vitest';
import type { Actor, AuditAction, AuditRecord } from '../../shared/audit.js';
import { MAX_QUERIES_PER_PAGE, MAX_TIME_QUERIES_PER_PAGE } from '../../shared/aws/audit.js';
import { DAY, cato, fran, ids, page, queries, stored, auditTableBeforeEach } from '../helpers/audit-trail.js';
import type { Page } from '../helpers/audit-trail.js';

auditTableBeforeEach();

/**
 * `count` records over the last `days` days, spread evenly from just before NOW back; record `n`
 * is done by `who(n)` with `action(n)` on `target(n)`.
 */
function trail(
  count: number,
  days: number,
  what: (n: number) => { actor: Actor; action: AuditAction; target: string },
): AuditRecord[] {
  const spacing = Math.floor((days * DAY) / count);
  return Array.from({ length: count }, (_, n) => {
    const { actor, action, target } = what(n);
    return stored(actor, action, target, 1000 + n * spacing);
  });
}

const newestFirst = (records: AuditRecord[]) =>
  [...records].sort((a, b) => (a.recordedAt < b.recordedAt ? 1 : -1)).map((record) => record.auditId);

/**
 * Every page of `query`, following `next` from the first: the records in order, and how many queries each page made.
 */
async function walk(query: Record<string, string>): Promise<{ got: string[]; perPage: number[]; pages: Page[] }> {
  const got: string[] = [];
  const perPage: number[] = [];
  const pages: Page[] = [];
  let next: string | undefined;
  do {
    const before = queries().length;
    const answer = await page({ ...query, ...(next === undefined ? {} : { cursor: next }) });
    expect(answer.records.length).toBeLessThanOrEqual(Number(query.limit ?? 25));
    perPage.push(queries().length - before);
    pages.push(answer);
    got.push(...ids(answer.records));
    next = answer.next;
  } while (next !== undefined && pages.length < 1_000);
  expect(next, 'the paging ends').toBeUndefined();
  return { got, perPage, pages };
}

describe('GET /admin/audit: the work one page may do', () => {
  it.each(['1', '25', '100'])(
    'by time, a rare action among 9,000 records (limit %s): each page within the bound, every match once, newest first',
    async (limit) => {
      const made = trail(9_000, 3, (n) => ({
        actor: n % 2 ? cato : fran,
        action: n % 97 === 5 ? 'account.credit' : 'product.update',
        target: `SKU-${n % 7}`,
      }));
      const wanted = made.filter((record) => record.action === 'account.credit');
      const { got, perPage, pages } = await walk({ action: 'account.credit', limit });
      expect(Math.max(...perPage)).toBeLessThanOrEqual(MAX_TIME_QUERIES_PER_PAGE);
      expect(got).toEqual(newestFirst(wanted));
      expect(queries().every((query) => query.IndexName === 'byTime')).toBe(true);
      if (limit === '100') expect(pages[0]!.records.length).toBeLessThan(wanted.length); // short, with a next
    },
  );

  it('by time, one match, the oldest of 9,000 records: short pages (empty ones too) with a next, until it', async () => {
    const made = trail(9_000, 3, (n) => ({
      actor: cato,
      action: n === 8_999 ? 'staff.add' : 'product.update',
      target: n === 8_999 ? 'newbie' : 'SKU-1',
    }));
    const { got, perPage, pages } = await walk({ action: 'staff.add', limit: '1' });
    expect(Math.max(...perPage)).toBeLessThanOrEqual(MAX_TIME_QUERIES_PER_PAGE);
    expect(got).toEqual([made.at(-1)!.auditId]);
    expect(pages.length).toBeGreaterThan(1);
    expect(pages[0]).toMatchObject({ records: [], next: expect.any(String) as unknown });
  });

  it('by time, no filter, 4,500 records: each page within the bound, every record once, newest first', async () => {
    const made = trail(4_500, 3, (n) => ({ actor: cato, action: 'product.update', target: `SKU-${n % 5}` }));
    const { got, perPage } = await walk({ limit: '100' });
    expect(Math.max(...perPage)).toBeLessThanOrEqual(MAX_TIME_QUERIES_PER_PAGE);
    expect(got).toEqual(newestFirst(made));
  });

  it('by actor with an action, 12,000 records of that actor: each page within the bound, every match once', async () => {
    const made = trail(12_000, 3, (n) => ({
      actor: fran,
      action: n % 2_000 === 1_999 ? 'account.credit' : 'account.adjustment',
      target: `customer-${n % 3}`,
    }));
    const { got, perPage, pages } = await walk({ actor: 'fran', action: 'account.credit', limit: '10' });
    expect(Math.max(...perPage)).toBeLessThanOrEqual(MAX_QUERIES_PER_PAGE);
    expect(got).toEqual(newestFirst(made.filter((record) => record.action === 'account.credit')));
    expect(pages[0]).toMatchObject({ records: { length: 4 }, next: expect.any(String) as unknown });
    expect(queries().every((query) => query.IndexName === 'byActor')).toBe(true);
  });

  it('by target with an actor, 9,000 records of that target: each page within the bound, every match once', async () => {
    const made = trail(9_000, 3, (n) => ({
      actor: n % 700 === 0 ? cato : fran,
      action: 'product.update',
      target: 'WIDGET-1',
    }));
    const { got, perPage } = await walk({ target: 'WIDGET-1', actor: 'cato', limit: '2' });
    expect(Math.max(...perPage)).toBeLessThanOrEqual(MAX_QUERIES_PER_PAGE);
    expect(got).toEqual(newestFirst(made.filter((record) => record.actor === 'cato')));
    expect(queries().every((query) => query.IndexName === undefined)).toBe(true);
  });

  it('by target, no filter: a full page still reads no more than it returns and one', async () => {
    trail(300, 1, () => ({ actor: cato, action: 'product.update', target: 'WIDGET-1' }));
    await page({ target: 'WIDGET-1', limit: '100' });
    expect(queries().map((query) => query.Limit)).toEqual([101]);
  });
});
