/**
 * What a person types on the command line, checked before anything is signed or sent, with sentences that name the
 * argument as it was typed and say what would be right: never a regular expression or a JSON path. Every problem here
 * is a usage error (exit 2).
 */
import { InvalidArgumentError } from 'commander';
import { shortened } from '../shared/display.js';
import { InputError } from '../shared/errors.js';
import { parseIsoTime } from '../shared/audit-query.js';
import { parseMoney } from '../shared/money.js';
import { KEY_ID_PATTERN, KEY_ID_RULE, ORDER_ID_PATTERN, ORDER_LIMITS, SKU_PATTERN } from '../shared/rules.js';

const usage = (message: string) => new InputError('usage', message);
const shown = (text: string) => JSON.stringify(shortened(text, 80));

/** A whole number, as typed (no sign, no decimals, no exponent). */
const WHOLE = /^\d+$/;

/**
 * Order lines `SKU:QTY`, each one checked on its own terms, then together (no SKU twice, at most 50 lines).
 * @throws InputError `usage` naming the line and the fix, e.g. `WIDGET-1:0 — quantity must be at least 1`
 */
export function checkOrderLines(texts: readonly string[]): Array<{ sku: string; qty: number }> {
  if (texts.length === 0) throw usage('name at least one line to order, as SKU:QTY (e.g. WIDGET-1:3)');
  if (texts.length > ORDER_LIMITS.maxItems)
    throw usage(
      `an order has at most ${ORDER_LIMITS.maxItems} lines, not ${texts.length}; split it into several orders`,
    );
  const lines = texts.map((text) => {
    const separator = text.lastIndexOf(':');
    if (separator < 0) throw usage(`${shown(text)} — an order line is SKU:QTY, for example WIDGET-1:3`);
    const sku = text.slice(0, separator);
    const quantity = text.slice(separator + 1);
    if (sku === '') throw usage(`${shown(text)} — the SKU is missing before the ":"`);
    if (!SKU_PATTERN.test(sku))
      throw usage(
        `${shown(text)} — a SKU is 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit`,
      );
    if (quantity === '') throw usage(`${shown(text)} — the quantity is missing after the ":"`);
    if (/^-\d/.test(quantity) || quantity === '0' || /^0+$/.test(quantity))
      throw usage(`${shown(text)} — quantity must be at least 1`);
    if (!WHOLE.test(quantity)) throw usage(`${shown(text)} — quantity must be a whole number, like ${sku}:3`);
    const qty = Number(quantity);
    if (qty > ORDER_LIMITS.maxQuantity)
      throw usage(`${shown(text)} — quantity must be at most ${ORDER_LIMITS.maxQuantity.toLocaleString('en-US')}`);
    return { sku, qty };
  });
  const seen = new Map<string, number>();
  for (const line of lines) {
    const before = seen.get(line.sku);
    if (before !== undefined)
      throw usage(
        `${line.sku} appears on two lines — put the whole quantity on one line (${line.sku}:${before + line.qty})`,
      );
    seen.set(line.sku, line.qty);
  }
  return lines;
}

/**
 * `--limit`, parsed as commander reads it (a usage error, exit 2, before anything is sent): a whole number from 1 to 100.
 * @throws InvalidArgumentError
 */
export function parseLimit(text: string): string {
  if (!WHOLE.test(text) || Number(text) < 1 || Number(text) > 100)
    throw new InvalidArgumentError('--limit is how many to show at once: a whole number from 1 to 100.');
  return String(Number(text));
}

/**
 * An order ID argument, parsed as commander reads it: the OPD's IDs are 22 to 86 base64url characters.
 * @throws InvalidArgumentError
 */
export function parseOrderId(text: string): string {
  if (!ORDER_ID_PATTERN.test(text))
    throw new InvalidArgumentError('an order ID is 22 to 86 letters, digits, "-" and "_" (po orders lists yours).');
  return text;
}

/**
 * A key ID argument, parsed as commander reads it (a usage error, exit 2, before anything is sent).
 * @throws InvalidArgumentError
 */
export function parseKeyId(text: string): string {
  if (!KEY_ID_PATTERN.test(text)) throw new InvalidArgumentError(`a key ID is ${KEY_ID_RULE} (po keys lists yours).`);
  return text;
}

/**
 * A whole number an admin command takes (`--stock`, a restock's quantity): up to 10 digits; `name` says which in the
 * error.
 * @throws InputError `usage`
 */
export function wholeNumber(value: string, name: string): number {
  if (!/^\d{1,10}$/.test(value))
    throw new InputError('usage', `${name} must be a whole number, not ${JSON.stringify(value.slice(0, 40))}`);
  return Number(value);
}

/**
 * `--price` as people write it (24.50, 3, 0.99), in cents.
 * @throws InputError `usage`
 */
export function priceCents(value: string): number {
  const cents = parseMoney(value);
  if (cents === undefined || cents < 0)
    throw new InputError(
      'usage',
      `--price is an amount like 24.50 (at most two decimals), not ${JSON.stringify(value.slice(0, 40))}`,
    );
  return cents;
}

/** Collects a repeatable option (`--item`, `--customer-key`): every value given, in order. */
export function collectRepeated(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** How long each unit of a relative time (`30m`, `12h`, `2d`, `1w`) is, in milliseconds. */
const TIME_UNITS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A time option (`--since`, `--until`), parsed as commander reads it: an ISO 8601 date or time with its zone
 * (`2026-12-07`, `2026-12-07T10:00Z`), or a span back from now (`30m`, `12h`, `2d`, `1w`). Returns the ISO time, UTC.
 * @throws InvalidArgumentError
 */
export function parseTimeOption(text: string, now = Date.now()): string {
  const relative = /^(\d{1,6})([mhdw])$/.exec(text);
  const time = relative ? now - Number(relative[1]) * TIME_UNITS[relative[2]!]! : parseIsoTime(text);
  if (time === undefined || !Number.isFinite(time) || time < 0)
    throw new InvalidArgumentError(
      `a time is an ISO 8601 date or time with its zone (2026-12-07, 2026-12-07T10:00Z) or a span back from now (30m, 12h, 2d, 1w), not ${shown(text)}.`,
    );
  return new Date(time).toISOString();
}
