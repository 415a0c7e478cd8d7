/** The confirmation email for an accepted order (plain text: nothing to render, nothing to inject). */
import { formatMoney } from './money.js';
import { amountPaid } from './orders.js';
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

/** The notice of an order's last status change (cancelled or fulfilled). */
export function noticeEmail(order: OrderRecord): { subject: string; text: string } {
  if (order.status === 'cancelled') {
    const cancellation = order.cancellation;
    const refunded = amountPaid(order);
    return {
      subject: `Order ${order.orderId} cancelled`,
      text: [
        `Your purchase order ${order.orderId} has been cancelled${cancellation?.by === 'opd' ? ' by the OPD' : ' as you asked'}.`,
        ...(cancellation?.reason ? ['', `Reason: ${cancellation.reason}`] : []),
        '',
        `Cancelled at: ${order.cancelledAt ?? ''}`,
        `Refunded:     ${formatMoney(refunded, order.currency)} (ledger entry ${cancellation?.refundEntry ?? '-'})`,
        '',
        ...(cancellation ? [`The OPD signed a cancellation receipt: SHA-256 ${jwsDigest(cancellation.receipt)}`] : []),
        '`po orders export` writes the evidence; `po verify` checks it offline.',
      ].join('\n'),
    };
  }
  return {
    subject: `Order ${order.orderId} fulfilled`,
    text: [
      `Your purchase order ${order.orderId} has been fulfilled.`,
      '',
      `Fulfilled at: ${order.fulfilledAt ?? ''}`,
      `Total:        ${formatMoney(order.totalCents, order.currency)}`,
    ].join('\n'),
  };
}
