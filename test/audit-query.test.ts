/** The audit query's pure parts: ISO 8601 times as the route takes them, and the days a time walk reads. */
import { describe, expect, it } from 'vitest';
import { MAX_DAYS_PER_PAGE, daysBackFrom, endOfDayBefore, parseIsoTime } from '../shared/audit-query.js';

describe('parseIsoTime', () => {
  it.each([
    ['2026-12-07', '2026-12-07T00:00:00.000Z'],
    ['2026-12-07T10:00Z', '2026-12-07T10:00:00.000Z'],
    ['2026-12-07T10:00:05Z', '2026-12-07T10:00:05.000Z'],
    ['2026-12-07T10:00:05.5Z', '2026-12-07T10:00:05.500Z'],
    ['2026-12-07T10:00:00.123+01:30', '2026-12-07T08:30:00.123Z'],
    ['2026-12-07T23:00:00-02:00', '2026-12-08T01:00:00.000Z'],
    ['2028-02-29', '2028-02-29T00:00:00.000Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(new Date(parseIsoTime(text)!).toISOString()).toBe(iso);
  });

  it.each([
    '',
    'yesterday',
    '2026-12-7',
    '2026-13-01',
    '2026-02-30',
    '2027-02-29',
    '2026-12-07T24:00Z',
    '2026-12-07T10:60Z',
    '2026-12-07T10:00', // no zone: whose 10:00?
    '2026-12-07T10:00:00+15:00',
    '2026-12-07T10:00:00.1234Z',
    '1969-12-31',
    ' 2026-12-07',
    '2026-12-07\u0000',
    '１２３４-12-07',
  ])('refuses %j', (text) => {
    expect(parseIsoTime(text)).toBeUndefined();
  });
});

describe('the days of a time walk', () => {
  it('runs from the day of the upper bound back to the day of since, both included', () => {
    expect(daysBackFrom('2026-12-02T01:00:00.000Z#~', '2026-11-29T23:00:00.000Z', 8)).toEqual([
      '2026-12-02',
      '2026-12-01',
      '2026-11-30',
      '2026-11-29',
    ]);
    expect(daysBackFrom('2026-11-28T23:59:59.999Z#~', '2026-11-29T00:00:00.000Z', 8)).toEqual([]);
  });

  it('holds at most the days asked for, however long the range: never the whole of it', () => {
    // From year 9999 to 1970: 2.9 million days, of which a page walks 7 (and looks at the 8th).
    const days = daysBackFrom('9999-12-31T23:59:59.999Z#~', '1970-01-01T00:00:00.000Z', MAX_DAYS_PER_PAGE + 1);
    expect(days).toHaveLength(8);
    expect([days[0], days.at(-1)]).toEqual(['9999-12-31', '9999-12-24']);
    expect(daysBackFrom('2026-12-02T01:00:00.000Z#~', '2026-11-01T00:00:00.000Z', 2)).toEqual([
      '2026-12-02',
      '2026-12-01',
    ]);
  });

  it('goes on below a day with a bound that takes in the whole day before it and nothing of its own', () => {
    const bound = endOfDayBefore('2026-12-01');
    expect(bound).toBe('2026-11-30T23:59:59.999Z#~');
    expect('2026-11-30T23:59:59.999Z#zzzzzzzzzzzzzzzz' < bound).toBe(true);
    expect('2026-12-01T00:00:00.000Z#AAAAAAAAAAAAAAAA' > bound).toBe(true);
  });
});
