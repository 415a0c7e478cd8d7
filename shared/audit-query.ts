/**
 * `GET /admin/audit`'s query: its parameters checked (every one, the unknown refused), the time range it reads, and
 * its opaque cursor. The range is `[since, until]`; a page reads it from the top down and hands out, as its cursor,
 * where the next one starts (an exclusive upper bound on `recordedAt`) with the range, so that a default `since` does
 * not move between pages. Pure: the reads are shared/aws/audit.ts.
 */
import { AUDIT_ACTION_NAMES, AUDIT_ACTOR_PATTERN, AUDIT_TARGET_PATTERN, isAuditAction } from './audit.js';
import type { AuditAction } from './audit.js';
import { quoted } from './display.js';
import { ApiError } from './errors.js';
import { pageLimit } from './http.js';
import { ISO_TIME_PATTERN, decodeCursor, encodeCursor, invalidCursor } from './paging.js';

/** What the records must match: each given member is a condition. */
export interface AuditFilter {
  readonly actor?: string;
  readonly target?: string;
  readonly action?: AuditAction;
}

/** Where a page reads: records with `since <= recordedAt < before` (ISO 8601 times; `before` may carry `#id`). */
export interface AuditPosition {
  readonly since: string;
  readonly before: string;
}

/** A checked `GET /admin/audit` query. */
export interface AuditQuery {
  readonly filter: AuditFilter;
  readonly position: AuditPosition;
  /** The range asked for, as the answer says it (the default `since` included). */
  readonly since: string;
  readonly until: string;
  readonly limit: number;
}

/** How far back the trail is read when no `since` is given: 30 days before `until`. */
const DEFAULT_WINDOW_DAYS = 30;
/** Most days one page of the time index walks (each day is one query per shard). */
export const MAX_DAYS_PER_PAGE = 7;
/**
 * How far past this function's clock a cursor's `until` may be: the cursor was handed out by an instance whose clock
 * said `until` was at most now, and the clocks of two instances may differ a little. Nothing is recorded later.
 */
export const CURSOR_CLOCK_ALLOWANCE_MS = 5 * 60_000;

const DAY_MS = 86_400_000;
/** The parameters the route takes. */
const PARAMETERS = ['actor', 'target', 'action', 'since', 'until', 'limit', 'cursor'] as const;
/** A page's exclusive upper bound: a record's `recordedAt` (`time#auditId`), or a time followed by `#~` (above all). */
const BEFORE_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#(?:[A-Za-z0-9_-]{16}|~)$/;

const invalid = (message: string) => new ApiError('invalid_request', message);

/**
 * An ISO 8601 date (`2026-12-07`, midnight UTC) or date and time with a zone (`2026-12-07T10:00Z`,
 * `2026-12-07T10:00:00.000+01:00`), as epoch milliseconds; `undefined` for anything else, impossible dates included.
 */
export function parseIsoTime(text: string): number | undefined {
  const match =
    /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|([+-])(\d{2}):(\d{2})))?$/.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '0', zone, sign, zoneH, zoneM] = match;
  const time = Date.UTC(+year!, +month! - 1, +day!, +hour, +minute, +second, +fraction.padEnd(3, '0'));
  const date = new Date(time);
  // Date.UTC rolls 2026-02-30 over to March: a date that does not come back as written does not exist.
  if (date.getUTCFullYear() !== +year! || date.getUTCMonth() !== +month! - 1 || date.getUTCDate() !== +day!)
    return undefined;
  if (+hour > 23 || +minute > 59 || +second > 59 || +year! < 1970) return undefined;
  if (zone === undefined || zone === 'Z') return time;
  if (+zoneH! > 14 || +zoneM! > 59) return undefined;
  return time - (sign === '+' ? 1 : -1) * (+zoneH! * 60 + +zoneM!) * 60_000;
}

/** A time parameter, checked. @throws ApiError `invalid_request` */
function timeParameter(name: string, text: string): number {
  const time = parseIsoTime(text);
  if (time === undefined)
    throw invalid(
      `${name} must be an ISO 8601 date or time with its zone, such as 2026-12-07 or 2026-12-07T10:00:00Z, not ${quoted(text, 40)}`,
    );
  return time;
}

/**
 * Checks `GET /admin/audit`'s query string. `now` bounds `until` (nothing is recorded later).
 * @throws ApiError `invalid_request` naming the parameter and what it must be
 */
export function parseAuditQuery(
  parameters: Readonly<Record<string, string | undefined>> | null,
  now: number,
): AuditQuery {
  const query = parameters ?? {};
  for (const name of Object.keys(query))
    if (!(PARAMETERS as readonly string[]).includes(name))
      throw invalid(`unknown query parameter ${quoted(name, 40)}: this route takes ${PARAMETERS.join(', ')}`);
  const { actor, target, action, since, until, limit, cursor } = query;
  if (actor !== undefined && !AUDIT_ACTOR_PATTERN.test(actor))
    throw invalid('actor must be a staff ID, a customer ID or an operator tool’s name (at most 128 characters)');
  if (target !== undefined && !AUDIT_TARGET_PATTERN.test(target))
    throw invalid('target must be a SKU, a customer, staff, order or key ID (at most 128 characters)');
  if (action !== undefined && !isAuditAction(action))
    throw invalid(`action must be one of ${AUDIT_ACTION_NAMES.join(', ')}; not ${quoted(action, 40)}`);
  const filter: AuditFilter = {
    ...(actor === undefined ? {} : { actor }),
    ...(target === undefined ? {} : { target }),
    ...(action === undefined ? {} : { action }),
  };
  // Checked as every list route checks it.
  const pageSize = pageLimit({ queryStringParameters: { limit } });
  if (cursor !== undefined) {
    if (since !== undefined || until !== undefined)
      throw invalid('a cursor carries its time range: send the filters with it, not since or until');
    const at = checkedCursor(cursor, now);
    return {
      filter,
      position: { since: at.since, before: at.before },
      since: at.since,
      until: at.until,
      limit: pageSize,
    };
  }
  const upper = Math.min(until === undefined ? now : timeParameter('until', until), now);
  const lower = since === undefined ? upper - DEFAULT_WINDOW_DAYS * DAY_MS : timeParameter('since', since);
  if (lower > upper) throw invalid('since must not be later than until (or than now)');
  const range = { since: new Date(lower).toISOString(), until: new Date(upper).toISOString() };
  return { filter, position: { since: range.since, before: `${range.until}#~` }, ...range, limit: pageSize };
}

/** A stored time (`ISO_TIME_PATTERN`) in epoch milliseconds; `undefined` if no such date, or before 1970. */
function storedTime(text: string): number | undefined {
  const time = Date.parse(text);
  return time >= 0 && new Date(time).toISOString() === text ? time : undefined;
}

/**
 * A cursor's range and position, every member checked before anything is read: times that exist, `since` from 1970,
 * `until` no later than now (and {@link CURSOR_CLOCK_ALLOWANCE_MS}), the position inside `[since, until]`. A page
 * hands out nothing else, so anything else is forged or damaged: reading it could walk days without end (a range
 * from year 0 to 9999 is 3.65 million days).
 * @throws ApiError `invalid_request` ({@link invalidCursor})
 */
function checkedCursor(cursor: string, now: number): { before: string; since: string; until: string } {
  const at = decodeCursor<{ before: string; since: string; until: string }>(cursor, {
    before: BEFORE_PATTERN,
    since: ISO_TIME_PATTERN,
    until: ISO_TIME_PATTERN,
  });
  const since = storedTime(at.since);
  const until = storedTime(at.until);
  // The position's time: `time#auditId` (the last record a page read) or `time#~` (all of that millisecond read).
  const position = storedTime(at.before.slice(0, at.before.indexOf('#')));
  if (since === undefined || until === undefined || position === undefined) throw invalidCursor();
  if (!(since <= position && position <= until && until <= now + CURSOR_CLOCK_ALLOWANCE_MS)) throw invalidCursor();
  return at;
}

/** The cursor of the page after one that ended at `before` (exclusive), in the range of `query`. */
export function auditCursor(query: Pick<AuditQuery, 'since' | 'until'>, before: string): string {
  return encodeCursor({ before, since: query.since, until: query.until });
}

/**
 * The days (`YYYY-MM-DD`, UTC) from the day of `before` back to the day of `since`, newest first: at most `most` of
 * them (a page walks a few; the range may span years).
 */
export function daysBackFrom(before: string, since: string, most: number): string[] {
  const days: string[] = [];
  const last = Date.parse(`${since.slice(0, 10)}T00:00:00.000Z`);
  for (let day = Date.parse(`${before.slice(0, 10)}T00:00:00.000Z`); day >= last && days.length < most; day -= DAY_MS)
    days.push(new Date(day).toISOString().slice(0, 10));
  return days;
}

/** The exclusive upper bound that takes in all of the day before `day` and nothing later. */
export function endOfDayBefore(day: string): string {
  return `${new Date(Date.parse(`${day}T00:00:00.000Z`) - 1).toISOString()}#~`;
}
