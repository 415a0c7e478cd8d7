/** What `po` shows: data as JSON with --json, or lines for people; orders and quotes as small tables. */
import { formatMoney } from '../shared/money.js';

/** The global options of an invocation. */
export interface Globals {
  profile: string;
  json?: boolean;
}

/** Prints `data` as JSON with --json, otherwise the human rendering. */
export function print(globals: Globals, data: unknown, human: () => string): void {
  process.stdout.write(globals.json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`);
}

/** An order as the API returns it (docs/api.md). */
export interface OrderView {
  orderId: string;
  customerId: string;
  status: string;
  lines: Array<{ sku: string; name: string; qty: number; unitPriceCents: number; lineTotalCents: number }>;
  totalCents: number;
  currency?: string;
  acceptedAt: string;
  signedAt: string;
  note?: string;
  signature: { alg: string; keyId: string; jws: string; publicKeyPem?: string };
  receipt?: string;
  email: { status: string; sentAt?: string };
}

/** Order lines with prices, as a table: SKU, quantity, unit price, line total, name. */
export function linesTable(
  lines: ReadonlyArray<{ sku: string; name?: string; qty: number; unitPriceCents: number }>,
  indent = '  ',
): string[] {
  const width = Math.max(3, ...lines.map((line) => line.sku.length));
  return [
    `${indent}${'SKU'.padEnd(width)}  ${'QTY'.padStart(6)}  ${'UNIT PRICE'.padStart(12)}  ${'LINE TOTAL'.padStart(14)}  NAME`,
    ...lines.map(
      (line) =>
        `${indent}${line.sku.padEnd(width)}  ${String(line.qty).padStart(6)}  ${formatMoney(line.unitPriceCents).padStart(12)}  ${formatMoney(line.qty * line.unitPriceCents).padStart(14)}  ${line.name ?? ''}`,
    ),
  ];
}

/** An order for people: status, times, signer, lines and total. */
export function describeOrder(order: OrderView): string {
  return [
    `Order ${order.orderId}: ${order.status}`,
    `  signed ${order.signedAt} (${order.signature.alg}, key ${order.signature.keyId}), accepted ${order.acceptedAt}`,
    ...linesTable(order.lines),
    `  total ${formatMoney(order.totalCents, order.currency)} · confirmation email ${order.email.status}${order.email.sentAt ? ` ${order.email.sentAt}` : ''}`,
  ].join('\n');
}
