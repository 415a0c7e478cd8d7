/**
 * The readers of the sharded indexes (the work queue, the owed mail) against a stand-in for DynamoDB that is as
 * unhelpful as DynamoDB may be: each shard's items by sort key, ties in an order of its own (not the readers'), pages
 * cut short of their `Limit` when a test says so. Whatever the orders, their shards, their ties and the page sizes,
 * following `next` from the first page gives every entry once, in the one total order (sort key, customer, order ID).
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ORDER_INDEX_SHARDS } from '../contract/tables.js';
import { listMailPage, listOwedMail } from '../shared/aws/mail-outbox.js';
import { listOrdersByStatus } from '../shared/aws/order-queries.js';
import { owedMarker } from '../shared/mail.js';
import type { MailOwed } from '../shared/mail.js';
import { orderStatusShard } from '../shared/orders.js';
import type { OrderStatus } from '../shared/orders.js';
import { CUSTOMER_ID_PATTERN, ORDER_ID_PATTERN } from '../shared/rules.js';
import { shardOf } from '../shared/shards.js';
import { QueryCommand, ddb } from './helpers/aws.js';
import { meets } from './helpers/aws/expressions.js';
import type { Item } from './helpers/aws/expressions.js';

const PATTERNS = { customerId: CUSTOMER_ID_PATTERN, orderId: ORDER_ID_PATTERN };
const INDEX_KEYS: Record<string, [string, string]> = {
  byStatusShard: ['statusShard', 'acceptedAt'],
  emailsOwed: ['emailOwed', 'emailOwedSince'],
  noticesOwed: ['noticeOwed', 'noticeOwedSince'],
};

let stored: Item[] = [];
/** Whether the stand-in returns at most half a query's `Limit` (as DynamoDB does at 1 MB), with a key to go on. */
let shortPages = false;

/** A tie-break of the stand-in's own: a hash of the order ID, so that ties come in no order the readers could assume. */
const scramble = (item: Item) => createHash('sha256').update(String(item.orderId)).digest('hex');

function answer(input: QueryCommandInput) {
  const [key, sort] = INDEX_KEYS[input.IndexName!]!;
  const position = (item: Item) => [item[sort] as string | number, scramble(item)] as const;
  const before = (a: Item, b: Item) => {
    const [x, y] = [position(a), position(b)];
    return x[0] < y[0] || (x[0] === y[0] && x[1] < y[1]);
  };
  const bindings = { names: input.ExpressionAttributeNames, values: input.ExpressionAttributeValues };
  const found = stored
    .filter((item) => item[key] !== undefined && meets(item, input.KeyConditionExpression, bindings))
    .sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  const start = input.ExclusiveStartKey;
  // The start key must name an item the stand-in returned: its position is that item's.
  const from = start ? found.findIndex((item) => item.orderId === start.orderId) + 1 : 0;
  if (start) expect(from, 'the start key is an item of this partition').toBeGreaterThan(0);
  const count = shortPages ? Math.ceil(input.Limit! / 2) : input.Limit!;
  const items = found.slice(from, from + count);
  const last = items.at(-1);
  return {
    Items: structuredClone(items),
    ...(last && from + count < found.length
      ? {
          LastEvaluatedKey: {
            [key]: last[key],
            [sort]: last[sort],
            customerId: last.customerId,
            orderId: last.orderId,
          },
        }
      : {}),
  };
}

beforeEach(() => {
  ddb.reset();
  ddb.on(QueryCommand, { TableName: 'orders' }).callsFake(answer);
  stored = [];
  shortPages = false;
});

/** A valid order ID for `n` (22 characters). */
const orderIdOf = (n: number) => `order-${n}`.padEnd(22, 'x');
/**
 * Order IDs that all fall in shards 0 to 2: orders given these crowd a few shards (many entries, many ties in each),
 * as 32 shards would rarely be with a test's few dozen orders.
 */
const CROWDED = Array.from({ length: 5_000 }, (_, n) => orderIdOf(100_000 + n))
  .filter((id) => shardOf(id, ORDER_INDEX_SHARDS) < 3)
  .slice(0, 100);
/** The ID of the `n`th order of a test: crowded in a few shards, or anywhere. */
const idOf = (n: number, crowded: boolean) => (crowded ? CROWDED[n]! : orderIdOf(n));
/** The total order of the readers. */
const byTotalOrder = (sort: (item: Item) => string | number) => (a: Item, b: Item) =>
  sort(a) < sort(b)
    ? -1
    : sort(a) > sort(b)
      ? 1
      : a.customerId! < b.customerId!
        ? -1
        : a.customerId! > b.customerId!
          ? 1
          : a.orderId! < b.orderId!
            ? -1
            : 1;

/** Every page of a listing, from the first, following `next`; each page checked to hold at most `limit`. */
async function walk<T>(limit: number, page: (cursor?: string) => Promise<{ items: T[]; next?: string }>) {
  const all: T[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1_000; pages++) {
    const { items, next } = await page(cursor);
    expect(items.length).toBeLessThanOrEqual(limit);
    all.push(...items);
    if (next === undefined) return all;
    cursor = next;
  }
  throw new Error('the paging does not end');
}

const customer = fc.constantFrom('alice', 'bob', 'carol');

describe('shardOf', () => {
  it('is FNV-1a over the UTF-8 bytes (its published vectors), modulo the count', () => {
    expect(['', 'a', 'foobar'].map((id) => shardOf(id, 2 ** 32))).toEqual([0x811c9dc5, 0xe40c292c, 0xbf9cf968]);
    expect(shardOf('foobar', ORDER_INDEX_SHARDS)).toBe(0xbf9cf968 % ORDER_INDEX_SHARDS);
    expect(shardOf('é', 2 ** 32)).not.toBe(shardOf('\u00e9'.normalize('NFD'), 2 ** 32)); // bytes, not characters
  });
});

describe('the work queue (GET /admin/orders?status=)', () => {
  const order = fc.record({
    customerId: customer,
    second: fc.integer({ min: 0, max: 3 }), // few times: many ties, within a shard and across shards
    status: fc.constantFrom<OrderStatus>('accepted', 'fulfilled'),
    crowded: fc.boolean(),
  });

  it('pages over every shard give each order of the status once, oldest first, ties by customer then order ID', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(order, { maxLength: 80, size: 'max' }),
        fc.integer({ min: 1, max: 10 }),
        fc.boolean(),
        async (orders, limit, short) => {
          stored = orders.map((o, n) => ({
            customerId: o.customerId,
            orderId: idOf(n, o.crowded),
            status: o.status,
            statusShard: orderStatusShard(o.status, idOf(n, o.crowded)),
            acceptedAt: `2026-12-07T10:00:0${o.second}.000Z`,
          }));
          shortPages = short;
          const got = await walk(limit, async (cursor) => {
            const page = await listOrdersByStatus('accepted', limit, cursor, PATTERNS);
            return { items: page.orders.map((o) => o.orderId), ...(page.next ? { next: page.next } : {}) };
          });
          const wanted = stored
            .filter((item) => item.status === 'accepted')
            .sort(byTotalOrder((item) => item.acceptedAt as string))
            .map((item) => item.orderId);
          expect(got).toEqual(wanted);
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);

  it('more orders at one time in one shard than a page holds: paged exactly, none skipped or repeated', async () => {
    // Nine orders that all fall in shard 5, accepted in the same millisecond.
    const ids: string[] = [];
    for (let n = 0; ids.length < 9; n++) if (shardOf(orderIdOf(n), ORDER_INDEX_SHARDS) === 5) ids.push(orderIdOf(n));
    stored = ids.map((orderId, n) => ({
      customerId: n % 2 ? 'alice' : 'bob',
      orderId,
      status: 'accepted',
      statusShard: orderStatusShard('accepted', orderId),
      acceptedAt: '2026-12-07T10:00:00.000Z',
    }));
    expect(new Set(stored.map((item) => item.statusShard))).toEqual(new Set(['accepted#5']));
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await listOrdersByStatus('accepted', 2, cursor, PATTERNS);
      pages.push(page.orders.map((o) => o.orderId));
      cursor = page.next;
    } while (cursor);
    expect(pages.map((page) => page.length)).toEqual([2, 2, 2, 2, 1]);
    expect(pages.flat()).toEqual(stored.sort(byTotalOrder(() => 0)).map((item) => item.orderId));
    // Every page queried every shard of `accepted`, no other status.
    const keys = ddb
      .commandCalls(QueryCommand)
      .map((call) => call.args[0].input.ExpressionAttributeValues?.[':key'] as unknown);
    expect(new Set(keys)).toEqual(new Set(Array.from({ length: ORDER_INDEX_SHARDS }, (_, k) => `accepted#${k}`)));
  });
});

describe('the owed mail (the sweeper, GET /admin/emails)', () => {
  const mail = fc.record({
    customerId: customer,
    since: fc.integer({ min: 1_000, max: 1_004 }),
    email: fc.constantFrom<MailOwed | undefined>('owed', 'failed', undefined),
    notice: fc.constantFrom<MailOwed | undefined>('owed', 'failed', undefined),
    crowded: fc.boolean(),
  });
  type Mail = { customerId: string; since: number; email?: MailOwed; notice?: MailOwed; crowded: boolean };
  const store = (mails: readonly Mail[]) => {
    stored = mails.map((m, n) => {
      const orderId = idOf(n, m.crowded);
      return {
        customerId: m.customerId,
        orderId,
        ...(m.email ? { emailOwed: owedMarker(m.email, orderId), emailOwedSince: m.since } : {}),
        ...(m.notice ? { noticeOwed: owedMarker(m.notice, orderId), noticeOwedSince: m.since + 1 } : {}),
      };
    });
  };

  it('listOwedMail: `next` passed back as `start` goes on exactly after the last, `before` bounding every page', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(mail, { maxLength: 80, size: 'max' }),
        fc.integer({ min: 1, max: 10 }),
        fc.option(fc.integer({ min: 1_000, max: 1_005 }), { nil: undefined, freq: 2 }),
        fc.boolean(),
        async (mails, limit, before, short) => {
          store(mails);
          shortPages = short;
          const got: string[] = [];
          let start: Record<string, unknown> | undefined;
          for (let pages = 0; pages < 1_000; pages++) {
            const page = await listOwedMail('confirmation', 'owed', limit, {
              ...(before === undefined ? {} : { before }),
              ...(start ? { start } : {}),
            });
            expect(page.mail.length).toBeLessThanOrEqual(limit);
            got.push(...page.mail.map((m) => `${m.since} ${m.orderId}`));
            if (!page.next) break;
            start = page.next;
          }
          const wanted = stored
            .filter((item) => String(item.emailOwed).startsWith('owed#'))
            .filter((item) => before === undefined || (item.emailOwedSince as number) < before)
            .sort(byTotalOrder((item) => item.emailOwedSince as number))
            .map((item) => `${String(item.emailOwedSince)} ${String(item.orderId)}`);
          expect(got).toEqual(wanted);
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);

  it('listMailPage: confirmations then notices, each in the total order, every one once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(mail, { maxLength: 80, size: 'max' }),
        fc.integer({ min: 1, max: 10 }),
        fc.constantFrom<MailOwed>('owed', 'failed'),
        fc.boolean(),
        async (mails, limit, state, short) => {
          store(mails);
          shortPages = short;
          const got = await walk(limit, async (cursor) => {
            const page = await listMailPage(state, limit, cursor, PATTERNS);
            return { items: page.mail.map((m) => `${m.kind} ${m.orderId}`), ...(page.next ? { next: page.next } : {}) };
          });
          const wanted = (['email', 'notice'] as const).flatMap((kind) =>
            stored
              .filter((item) => String(item[`${kind}Owed`]).startsWith(`${state}#`))
              .sort(byTotalOrder((item) => item[`${kind}OwedSince`] as number))
              .map((item) => `${kind} ${String(item.orderId)}`),
          );
          expect(got).toEqual(wanted);
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);
});
