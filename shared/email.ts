/** The confirmation email for an accepted order (plain text: nothing to render, nothing to inject). */
import { formatMoney } from './money.js';
import type { OrderRecord } from './orders.js';
import { jwsDigest } from './receipts.js';

export function confirmationEmail(order: OrderRecord): { subject: string; text: string } {
  const width = Math.max(...order.lines.map((line) => line.sku.length), 3);
  const lines = order.lines.map(
    (line) =>
      `  ${line.sku.padEnd(width)}  ${String(line.qty).padStart(6)} × ${formatMoney(line.unitPriceCents).padStart(10)} = ${formatMoney(line.qty * line.unitPriceCents).padStart(12)}   ${line.name}`,
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
      `Total: ${formatMoney(order.totalCents, order.currency)}`,
      '',
      'The OPD has signed a receipt for exactly the order you signed:',
      `  order digest   (SHA-256 of your signed order): ${jwsDigest(order.jws)}`,
      `  receipt digest (SHA-256 of the OPD's receipt): ${jwsDigest(order.receipt)}`,
      '`po orders export` writes the evidence (your signed order and the receipt); `po verify` checks it offline.',
    ].join('\n'),
  };
}
