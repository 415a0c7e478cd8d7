/**
 * Money: amounts are integers in hundredths of the currency unit ("cents"), never floating point. The catalogue has
 * one currency, an ISO 4217 code with two minor digits (config.ts checks that), so cents are exact.
 */

/** An ISO 4217 alphabetic code, as it appears in the signed claims. */
export const CURRENCY_PATTERN = /^[A-Z]{3}$/;

/** `1250` → `"12.50"`; with a currency, `"USD 12.50"`. */
export function formatMoney(cents: number, currency?: string): string {
  const magnitude = Math.abs(cents);
  const amount = `${cents < 0 ? '-' : ''}${Math.floor(magnitude / 100)}.${String(magnitude % 100).padStart(2, '0')}`;
  return currency === undefined ? amount : `${currency} ${amount}`;
}

/** The total of order lines: Σ qty × unit price. Exact: bounded inputs keep it far below 2^53. */
export function linesTotalCents(
  lines: ReadonlyArray<{ readonly qty: number; readonly unitPriceCents: number }>,
): number {
  return lines.reduce((sum, line) => sum + line.qty * line.unitPriceCents, 0);
}

/** True when `currency` is a known ISO 4217 code whose amounts have exactly two minor digits (USD, EUR, GBP…). */
export function hasCents(currency: string): boolean {
  if (!CURRENCY_PATTERN.test(currency) || !Intl.supportedValuesOf('currency').includes(currency)) return false;
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions();
  return digits.maximumFractionDigits === 2 && digits.minimumFractionDigits === 2;
}

/**
 * Reads an amount typed by a person, in currency units with at most two decimals: `"150"`, `"12.5"`, `"-20.05"` →
 * cents. Exact (no floating point); `undefined` for anything else (`"1e3"`, `"12.345"`, `"0x10"`, `" 5"`).
 */
export function parseMoney(text: string): number | undefined {
  const match = /^(-?)(\d{1,13})(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) return undefined;
  const cents = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return match[1] === '-' ? -cents : cents;
}
