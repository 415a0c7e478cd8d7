/**
 * What `po` shows: data as JSON with --json, or lines for people; orders, accounts, quotes and pages as small tables.
 */
import type { AccountView, LedgerEntryView } from '../shared/accounts.js';
import { showable } from '../shared/display.js';
import { formatMoney } from '../shared/money.js';
import type { OrderView } from '../shared/orders.js';
import type { Globals } from './globals.js';

/** Prints `data` as JSON with --json, otherwise the human rendering. */
export function print(globals: Globals, data: unknown, human: () => string): void {
  process.stdout.write(globals.json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`);
}

/**
 * Order lines with prices, as a table: SKU, quantity, unit price, line total (the currency in their headers), and the
 * name when lines have one.
 */
export function linesTable(
  lines: ReadonlyArray<{ sku: string; name?: string; qty: number; unitPriceCents: number }>,
  currency: string | undefined,
  indent = '  ',
): string[] {
  const width = Math.max(3, ...lines.map((line) => line.sku.length));
  const named = lines.some((line) => line.name !== undefined);
  const row = (sku: string, qty: string, unit: string, total: string, name: string) =>
    `${indent}${sku.padEnd(width)}  ${qty.padStart(6)}  ${unit.padStart(16)}  ${total.padStart(16)}${named ? `  ${name}` : ''}`;
  return [
    row(
      'SKU',
      'QTY',
      `UNIT PRICE${currency ? ` (${currency})` : ''}`,
      `LINE TOTAL${currency ? ` (${currency})` : ''}`,
      'NAME',
    ),
    ...lines.map((line) =>
      row(
        line.sku,
        String(line.qty),
        formatMoney(line.unitPriceCents),
        formatMoney(line.qty * line.unitPriceCents),
        line.name ?? '',
      ),
    ),
  ];
}

/** An order for people: status, times, signer, lines and total. */
export function describeOrder(order: OrderView): string {
  const cancellation = order.cancellation;
  return [
    `Order ${order.orderId}: ${order.status}`,
    `  signed ${order.signedAt} (${order.signature.alg}, key ${order.signature.keyId}), accepted ${order.acceptedAt}`,
    ...(order.fulfilledAt ? [`  fulfilled ${order.fulfilledAt}`] : []),
    ...(cancellation
      ? [
          `  cancelled ${order.cancelledAt ?? ''} by ${cancellation.by === 'opd' ? `the OPD (${cancellation.actor})` : 'you'}${cancellation.reason ? `: ${cancellation.reason}` : ''}; refunded in ledger entry ${cancellation.refundEntry}`,
        ]
      : []),
    ...linesTable(order.lines, order.currency),
    ...(order.note === undefined ? [] : [`  note: ${showable(order.note)}`]),
    `  total ${formatMoney(order.totalCents, order.currency)}${order.ledgerEntry ? ` (paid: ledger entry ${order.ledgerEntry})` : ''} · confirmation email ${order.email.status}${order.email.sentAt ? ` ${order.email.sentAt}` : ''}`,
  ].join('\n');
}

/** Ledger entries as a table, newest first. */
export function ledgerTable(entries: readonly LedgerEntryView[], indent = '  '): string[] {
  const row = (entry: string, at: string, type: string, amount: string, after: string, what: string) =>
    `${indent}${entry.padStart(5)}  ${at.padEnd(24)}  ${type.padEnd(10)}  ${amount.padStart(14)}  ${after.padStart(14)}  ${what}`;
  return [
    row('#', 'WHEN', 'TYPE', 'AMOUNT', 'BALANCE', 'ORDER / REFERENCE'),
    ...entries.map((e) =>
      row(
        String(e.entry),
        e.at,
        e.type,
        formatMoney(e.amountCents),
        formatMoney(e.balanceAfterCents),
        e.orderId ?? e.reference ?? '',
      ),
    ),
  ];
}

/** An account for people: balance, keys, the ledger page, and how to see more (`more`: the command that lists it). */
export function describeAccount(account: AccountView, more: string): string {
  return [
    `Account ${account.customerId}: balance ${formatMoney(account.balanceCents, account.currency)} (${account.entries} ledger ${account.entries === 1 ? 'entry' : 'entries'})`,
    'Keys:',
    ...table(
      ['KEY ID', 'ALG', 'STATUS', 'ADDED', 'REVOKED'],
      account.keys.map((key) => [key.keyId, key.alg, key.status, key.addedAt, key.revokedAt ?? '']),
    )
      .split('\n')
      .map((line) => `  ${line}`),
    account.ledger.length === 0 ? 'No ledger entries.' : 'Ledger (newest first):',
    ...(account.ledger.length === 0 ? [] : ledgerTable(account.ledger)),
    ...(account.next ? [`More: ${more} --cursor ${account.next}`] : []),
  ].join('\n');
}

/** A table for people: a header row and columns padded to their widest cell (by code point). */
export function table(headers: readonly string[], rawRows: ReadonlyArray<readonly string[]>): string {
  // A cell is one line of visible text, whatever the OPD or a hand-edited profile holds.
  const rows = rawRows.map((row) => row.map((cell) => showable(cell).replace(/[\n\t]/g, ' ')));
  const width = (text: string) => [...text].length;
  const widths = headers.map((header, column) =>
    Math.max(width(header), ...rows.map((row) => width(row[column] ?? ''))),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell + ' '.repeat(widths[column]! - width(cell))))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** A page of a listing for people: what it is, its table (when it has rows), and how to get the next page. */
export function pageText(title: string, headers: string[], rows: string[][], more: string | undefined): string {
  return [title, ...(rows.length === 0 ? [] : [table(headers, rows)]), ...(more ? [more] : [])].join('\n');
}

/**
 * How to call po for a profile, as printed in a command a person copies (a "More:" line, a trust command): with
 * `--profile` unless it is the default one, so that the copied command runs against the same OPD and session.
 */
export function poFor(profileName: string): string {
  return profileName === 'default' ? 'po' : `po --profile ${profileName}`;
}
