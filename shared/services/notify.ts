/**
 * Confirmation emails, sent after the order is committed (from the orders stream), at least once and — thanks to a
 * conditional claim on the order's email status — once in the normal case, even when a batch is retried.
 */
import { confirmationEmail } from '../email.js';
import { logger } from '../observability.js';
import type { OrderRecord } from '../orders.js';
import { sendEmail } from '../aws/mail.js';
import { transitionEmailStatus } from '../aws/orders.js';

/** A `sending` claim older than this was left by a sender that died; another may take it over. */
export const STALE_CLAIM_MS = 5 * 60_000;

/** Sends the confirmation for `order` unless it was already sent (or is being sent). */
export async function sendConfirmation(order: OrderRecord, now = Date.now()): Promise<'sent' | 'skipped'> {
  const key = { customerId: order.customerId, orderId: order.orderId };
  if (!(await transitionEmailStatus(key, 'pending', 'sending', now, now - STALE_CLAIM_MS))) return 'skipped';
  const { subject, text } = confirmationEmail(order);
  try {
    await sendEmail(order.email, subject, text);
  } catch (error) {
    // Release the claim so the retry (or a later batch) can send it.
    await transitionEmailStatus(key, 'sending', 'pending', now);
    throw error;
  }
  await transitionEmailStatus(key, 'sending', 'sent', now);
  logger.info('confirmation sent', { orderId: order.orderId });
  return 'sent';
}
