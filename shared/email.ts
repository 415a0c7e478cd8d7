/** The confirmation email for an accepted order (plain text: nothing to render, nothing to inject). */
import type { OrderRecord } from './orders.js';

const money = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

export function confirmationEmail(order: OrderRecord): { subject: string; text: string } {
  const width = Math.max(...order.lines.map((line) => line.sku.length), 3);
  const lines = order.lines.map(
    (line) =>
      `  ${line.sku.padEnd(width)}  ${String(line.qty).padStart(6)} × ${money(line.unitPriceCents).padStart(10)} = ${money(line.qty * line.unitPriceCents).padStart(12)}   ${line.name}`,
  );
  return {
    subject: `Order ${order.orderId} accepted`,
    text: [
      `Your purchase order ${order.orderId} has been accepted.`,
      '',
      `Signed at:   ${order.signedAt}`,
      `Accepted at: ${order.acceptedAt}`,
      `Signed with: ${order.alg} key ${order.customerKeyId}`,
      '',
      ...lines,
      '',
      `Total: ${money(order.totalCents)}`,
      '',
      'The signed order is kept as evidence; `po orders show` displays it.',
    ].join('\n'),
  };
}
