/**
 * Confirmation emails, sent after the order is committed (from the orders stream), at least once and — thanks to a
 * conditional claim on the order's email status — once in the normal case, even when a batch is retried.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { confirmationEmail, noticeEmail } from '../email.js';
import { logger } from '../observability.js';
import type { OrderRecord } from '../orders.js';
import { sendEmail } from '../aws/mail.js';
import { transitionEmailStatus } from '../aws/orders.js';
import type { EmailKind } from '../aws/orders.js';

/** A `sending` claim older than this was left by a sender that died; another may take it over. */
export const STALE_CLAIM_MS = 5 * 60_000;

/**
 * The orders stream records that owe an email: new orders, and changes that leave a notice pending. The event source
 * mapping (infra/stack.ts) and the local stream poller filter with the same rule.
 */
export function owesEmail(record: Pick<DynamoDBRecord, 'eventName' | 'dynamodb'>): boolean {
  if (record.eventName === 'INSERT') return true;
  return record.eventName === 'MODIFY' && record.dynamodb?.NewImage?.noticeStatus?.S === 'pending';
}

/** Sends the confirmation for `order` unless it was already sent (or is being sent). */
export function sendConfirmation(order: OrderRecord, now = Date.now()): Promise<'sent' | 'skipped'> {
  return sendOnce(order, 'email', now);
}

/** Sends the notice of the order's status change (cancelled, fulfilled) unless it was already sent. */
export function sendNotice(order: OrderRecord, now = Date.now()): Promise<'sent' | 'skipped'> {
  return sendOnce(order, 'notice', now);
}

async function sendOnce(order: OrderRecord, kind: EmailKind, now: number): Promise<'sent' | 'skipped'> {
  const key = { customerId: order.customerId, orderId: order.orderId };
  if (!(await transitionEmailStatus(key, 'pending', 'sending', now, now - STALE_CLAIM_MS, kind))) return 'skipped';
  const { subject, text } = kind === 'email' ? confirmationEmail(order) : noticeEmail(order);
  try {
    await sendEmail(order.email, subject, text);
  } catch (error) {
    // Release the claim so the retry (or a later batch) can send it.
    await transitionEmailStatus(key, 'sending', 'pending', now, undefined, kind);
    throw error;
  }
  await transitionEmailStatus(key, 'sending', 'sent', now, undefined, kind);
  logger.info(kind === 'email' ? 'confirmation sent' : 'notice sent', { orderId: order.orderId, status: order.status });
  return 'sent';
}
