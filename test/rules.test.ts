/**
 * The docs state the rules in words and tables; the code states them once (shared/rules.ts and the homes it names).
 * These tests read the docs and compare, so that a rule changed in code and not in the docs (or the other way) fails.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LOCKOUT } from '../shared/lockout.js';
import { MAX_BODY_BYTES, ORDER_LIMITS, PASSWORD_LENGTH_RULE, PRODUCT_LIMITS } from '../shared/rules.js';

const doc = (name: string) => readFileSync(name, 'utf8');
/** A number as the docs write it: groups of three digits separated by spaces (16 384, 100 000 000). */
const spaced = (value: number) => value.toLocaleString('en-US').replaceAll(',', ' ');
/** A row of a Markdown table, by its first cell. */
function row(text: string, first: string): string[] {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`| ${first} `));
  if (!line) throw new Error(`no row "${first}"`);
  return line
    .split('|')
    .slice(1, -1)
    .map((cell) => cell.trim());
}

describe('docs/envelope.md §5, the bounds table', () => {
  const text = doc('docs/envelope.md');
  it.each([
    ['envelope length', `≤ ${spaced(ORDER_LIMITS.maxEnvelopeChars)} characters`],
    ['lines per order', `≤ ${ORDER_LIMITS.maxItems}`],
    ['quantity per line', `≤ ${spaced(ORDER_LIMITS.maxQuantity)}`],
    ['unit price', `≤ ${spaced(ORDER_LIMITS.maxUnitPriceCents)} cents`],
    [
      'total',
      `(${ORDER_LIMITS.maxItems} × ${spaced(ORDER_LIMITS.maxQuantity)} × ${spaced(ORDER_LIMITS.maxUnitPriceCents)})`,
    ],
    ['note', `≤ ${ORDER_LIMITS.maxNoteLength}`],
    ['clock skew', `${ORDER_LIMITS.maxClockSkewSeconds} s`],
  ])('states the %s as the code enforces it', (bound, words) => {
    expect(row(text, bound)[1]).toContain(words);
  });

  it('states a total that is every line at its largest', () => {
    expect(ORDER_LIMITS.maxTotalCents).toBe(
      ORDER_LIMITS.maxItems * ORDER_LIMITS.maxQuantity * ORDER_LIMITS.maxUnitPriceCents,
    );
    expect(PRODUCT_LIMITS.maxPriceCents).toBe(ORDER_LIMITS.maxUnitPriceCents);
  });
});

describe('docs/api.md', () => {
  const text = doc('docs/api.md');
  it('states the password length, the lockout and the size limits as the code enforces them', () => {
    expect(text).toContain(`Passwords: ${PASSWORD_LENGTH_RULE}`);
    expect(text).toContain(
      `account locked (${LOCKOUT.maxFailures} failures → ${LOCKOUT.seconds / 60} minutes; each attempt is counted` +
        ` before its password is checked, so concurrent guesses cannot exceed ${LOCKOUT.maxFailures})`,
    );
    expect(text).toContain(
      `envelope over ${spaced(ORDER_LIMITS.maxEnvelopeChars)} characters, body over ${MAX_BODY_BYTES / 1024} KiB`,
    );
    expect(text).toContain(`Within the ${ORDER_LIMITS.maxClockSkewSeconds} s \`iat\` window`);
  });
});

describe('docs/design.md and the README', () => {
  it('state the lockout as the code enforces it', () => {
    const design = doc('docs/design.md').replaceAll('\n', ' ');
    expect(design).toContain(`the count reaches ${LOCKOUT.maxFailures}`);
    expect(design).toContain(`The lock lasts ${LOCKOUT.seconds / 60} minutes`);
    expect(doc('README.md')).toContain(`logins lock after ${LOCKOUT.maxFailures} failures`);
  });
});
