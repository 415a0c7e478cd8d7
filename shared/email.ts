/**
 * The emails to customers: plain text, and the same text as HTML (escaped, preformatted: nothing to render, nothing to
 * inject). Customer text in them (a note, a reason) goes through {@link showable}, a product's name through
 * {@link showableLine}.
 */
import { htmlOf, showable, showableLine } from './display.js';
import { formatMoney } from './money.js';
import { amountPaid } from './orders.js';
import type { OrderRecord } from './orders.js';
import { jwsDigest } from './receipts.js';
import type { AccountNotice } from './notices.js';

/** An email to a customer: subject, plain text, and the same text as HTML. */
export interface Email {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

const email = (subject: string, lines: readonly string[]): Email => {
  const text = lines.join('\n');
  return { subject, text, html: htmlOf(text) };
};

/** The confirmation of an accepted order: what was signed, the total, the note, and the digests of the evidence. */
export function confirmationEmail(order: OrderRecord): Email {
  const width = Math.max(...order.lines.map((line) => line.sku.length), 3);
  const lines = order.lines.map(
    (line) =>
      `  ${line.sku.padEnd(width)}  ${String(line.qty).padStart(6)} × ${formatMoney(line.unitPriceCents).padStart(10)} = ${formatMoney(line.qty * line.unitPriceCents).padStart(12)}   ${showableLine(line.name)}`,
  );
  return email(`Order ${order.orderId} accepted`, [
    `Your purchase order ${order.orderId} has been accepted.`,
    '',
    `Signed at:   ${order.signedAt}`,
    `Accepted at: ${order.acceptedAt}`,
    `Signed with: ${order.alg} key ${order.customerKeyId}`,
    '',
    ...lines,
    '',
    `Total: ${formatMoney(order.totalCents, order.currency)}`,
    ...(order.note === undefined ? [] : ['', `Your note: ${showable(order.note)}`]),
    '',
    'The OPD has signed a receipt for exactly the order you signed:',
    `  order digest   (SHA-256 of your signed order): ${jwsDigest(order.jws)}`,
    `  receipt digest (SHA-256 of the OPD's receipt): ${jwsDigest(order.receipt)}`,
    '`po orders export` writes the evidence (your signed order and the receipt); `po verify` checks it offline.',
  ]);
}

/** The notice of an order's last status change (cancelled or fulfilled). */
export function noticeEmail(order: OrderRecord): Email {
  if (order.status === 'cancelled') {
    const cancellation = order.cancellation;
    const refunded = amountPaid(order);
    return email(`Order ${order.orderId} cancelled`, [
      `Your purchase order ${order.orderId} has been cancelled${cancellation?.by === 'opd' ? ' by the OPD' : ' as you asked'}.`,
      ...(cancellation?.reason ? ['', `Reason: ${showable(cancellation.reason)}`] : []),
      '',
      `Cancelled at: ${order.cancelledAt ?? ''}`,
      `Refunded:     ${formatMoney(refunded, order.currency)} (ledger entry ${cancellation?.refundEntry ?? '-'})`,
      '',
      ...(cancellation ? [`The OPD signed a cancellation receipt: SHA-256 ${jwsDigest(cancellation.receipt)}`] : []),
      '`po orders export` writes the evidence; `po verify` checks it offline.',
    ]);
  }
  return email(`Order ${order.orderId} fulfilled`, [
    `Your purchase order ${order.orderId} has been fulfilled.`,
    '',
    `Fulfilled at: ${order.fulfilledAt ?? ''}`,
    `Total:        ${formatMoney(order.totalCents, order.currency)}`,
  ]);
}

/**
 * The notice of a key added to or revoked from a customer's account: which key (ID and fingerprint), when, what it
 * changes, and what to do if the customer did not do it. Key IDs, fingerprints and IDs are of fixed, printable
 * alphabets (shared/rules.ts): nothing in it needs escaping.
 */
export function keyNoticeEmail(notice: AccountNotice): Email {
  const added = notice.kind === 'key-added';
  const details = [
    ['Key ID:', notice.keyId],
    ['Fingerprint:', `${notice.fingerprint} (SHA-256 of the public key)`],
    ['Algorithm:', notice.alg],
    [added ? 'Added:' : 'Revoked:', notice.at],
    ['Request:', notice.requestId],
  ].map(([label, value]) => `${label!.padEnd(13)}${value!}`);
  const notYou = added
    ? 'If you did not add this key, someone has your password and a session: change your password at once (po password; it ends every session), revoke the key (po keys revoke KEY-ID) and contact the OPD.'
    : 'If you did not revoke this key, someone has your password and a session: change your password at once (po password; it ends every session) and contact the OPD.';
  return email(added ? 'A key was added to your account' : 'A key was revoked from your account', [
    `A signing key was ${added ? 'added to' : 'revoked from'} your account ${notice.customerId}.`,
    '',
    ...details,
    '',
    added
      ? 'Orders signed with this key are accepted from now on.'
      : 'Orders signed with this key are refused from now on; orders already accepted stay, and their evidence still verifies.',
    ...(!added && notice.activeKeys === 0
      ? ['You have no active key left: you cannot order until you add one (po keygen, then po keys add --key FILE).']
      : []),
    '',
    notYou,
  ]);
}
