/**
 * Confirmation and status emails, sent after the change is committed: from the orders stream within seconds, and by
 * the sweeper for whatever the stream did not get out (a crash between sending and recording, an outage). At least
 * once, and — thanks to a conditional claim on the order's email status — once in the normal case.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { confirmationEmail, noticeEmail } from '../email.js';
import { ALARMED_METRICS } from '../metrics.js';
import { logger, metrics } from '../observability.js';
import type { OrderRecord } from '../orders.js';
import { getCustomerEmail } from '../aws/customers.js';
import { isPermanentMailFailure, sendEmail } from '../aws/ses.js';
import type { Actor } from '../audit.js';
import { MAIL_KINDS, STORED_MAIL_KIND, mailAttributes } from '../mail.js';
import type { MailKind } from '../mail.js';
import { listOwedMail, markMailFailed, reopenFailedMail, transitionMailStatus } from '../aws/mail-outbox.js';
import { getOrder } from '../aws/order-queries.js';
import { auditAction } from '../aws/audit.js';
import { MAIL_OWING_RECORDS } from '../../contract/tables.js';
import type { RecordPattern } from '../../contract/tables.js';

/** A `sending` claim older than this was left by a sender that died; another may take it over. */
export const STALE_CLAIM_MS = 5 * 60_000;

/**
 * Whether an orders stream record owes an email ({@link MAIL_OWING_RECORDS}: new orders, and changes that leave a
 * notice pending): the rule the event source mapping filters with, applied by the notifier and the local poller.
 */
export function owesEmail(record: Pick<DynamoDBRecord, 'eventName' | 'dynamodb'>): boolean {
  return MAIL_OWING_RECORDS.some((pattern) => matches(record, pattern));
}

/** Whether `value` has every member of `pattern`, each leaf equal. */
function matches(value: unknown, pattern: RecordPattern): boolean {
  return Object.entries(pattern).every(([member, expected]) => {
    const actual: unknown = typeof value === 'object' && value !== null ? Reflect.get(value, member) : undefined;
    return typeof expected === 'string' ? actual === expected : matches(actual, expected);
  });
}

/** What became of one email: sent now, already sent or being sent elsewhere, or given up (permanently rejected). */
export type MailOutcome = 'sent' | 'skipped' | 'failed';

/** Sends the confirmation for `order` unless it was already sent (or is being sent). */
export function sendConfirmation(order: OrderRecord, now = Date.now()): Promise<MailOutcome> {
  return sendOnce(order, 'confirmation', now);
}

/** Sends the notice of the order's status change (cancelled, fulfilled) unless it was already sent. */
export function sendNotice(order: OrderRecord, now = Date.now()): Promise<MailOutcome> {
  return sendOnce(order, 'notice', now);
}

/**
 * Claims, sends and records one email. A permanent failure (see {@link isPermanentMailFailure}) marks it `failed`
 * with the reason, counts it (metric `EmailFailed`, alarmed) and is not retried on its own; a transient one releases
 * the claim and throws, so the stream or the sweeper tries again.
 */
async function sendOnce(order: OrderRecord, kind: MailKind, now: number): Promise<MailOutcome> {
  const key = { customerId: order.customerId, orderId: order.orderId };
  if (!(await transitionMailStatus(key, kind, 'pending', 'sending', now, now - STALE_CLAIM_MS))) return 'skipped';
  try {
    const message = kind === 'confirmation' ? confirmationEmail(order) : noticeEmail(order);
    // Looked up now, off the order path (orders accepted before that carry the address they were sent to).
    const address = order.email ?? (await getCustomerEmail(order.customerId));
    if (address === undefined) throw new NoAddress(order.customerId);
    await sendEmail(address, message);
  } catch (error) {
    if (error instanceof NoAddress || isPermanentMailFailure(error)) {
      const reason = `${(error as Error).name}: ${(error as Error).message}`;
      await markMailFailed(key, kind, reason);
      logger.error('email given up: permanently rejected', {
        orderId: order.orderId,
        kind: STORED_MAIL_KIND[kind], // the logs name kinds as stored data does
        errorName: (error as Error).name,
      });
      metrics.addMetric(ALARMED_METRICS.emailFailed, 'Count', 1);
      return 'failed';
    }
    // Release the claim so the retry (or a later batch, or the sweeper) can send it.
    await transitionMailStatus(key, kind, 'sending', 'pending', now);
    throw error;
  }
  await transitionMailStatus(key, kind, 'sending', 'sent', now);
  logger.info(`${kind} sent`, { orderId: order.orderId, status: order.status });
  return 'sent';
}

/** The customer is gone: nobody to write to. Permanent, like a rejected address. */
class NoAddress extends Error {
  override readonly name = 'NoAddress';
  constructor(customerId: string) {
    super(`no customer ${customerId} to send to`);
  }
}

/** Mail younger than this is left to the stream, which normally sends it within seconds. */
export const SWEEP_GRACE_MS = 60_000;
/** Most orders one sweep handles per kind (a scheduled run; the next one continues). */
const SWEEP_BATCH = 100;

/** What one sweep did: emails sent, given up, skipped (sent or claimed elsewhere), and errors left for the next. */
export interface SweepResult {
  readonly sent: number;
  readonly failed: number;
  readonly skipped: number;
  readonly errors: number;
  /**
   * Age in whole seconds of the oldest mail owed when the sweep began (either kind, past the grace period; 0 when
   * none): the sweeper publishes it, and mail owed longer than 15 minutes raises an alarm.
   */
  readonly oldestOwedSeconds: number;
}

/**
 * The sweeper: finds mail still owed through the sparse `emailsOwed` / `noticesOwed` indexes (never a scan) — unsent
 * since before the grace period, or claimed by a sender that died (a `sending` claim older than
 * {@link STALE_CLAIM_MS}) — and sends it. Confirmations are therefore sent at least once, whatever crashed when.
 */
export async function sweepOwedMail(now = Date.now()): Promise<SweepResult> {
  const counts = { sent: 0, failed: 0, skipped: 0, errors: 0 };
  // The index is sorted by the time the mail became owed, oldest first: a page, however short, holds the oldest.
  let oldestSince = now;
  for (const kind of MAIL_KINDS) {
    const { mail } = await listOwedMail(kind, 'owed', SWEEP_BATCH, { before: now - SWEEP_GRACE_MS });
    for (const owed of mail) {
      oldestSince = Math.min(oldestSince, owed.since);
      try {
        const order = await getOrder(owed.customerId, owed.orderId);
        const outcome = order ? await sendOnce(order, kind, now) : 'skipped';
        counts[outcome]++;
      } catch (error) {
        counts.errors++;
        logger.warn('sweep: email still owed; will retry', {
          orderId: owed.orderId,
          kind: owed.kind,
          errorName: error instanceof Error ? error.name : 'unknown',
        });
      }
    }
  }
  return { ...counts, oldestOwedSeconds: Math.floor((now - oldestSince) / 1000) };
}

/** What a staff member's retry did: {@link MailOutcome}, or `not_failed` (there was no failed email of that kind). */
export type RetryOutcome = MailOutcome | 'not_failed';

/**
 * A staff member's retry of an order's failed emails of `kinds`: back in the queue together, in one transaction with
 * its audit record (`email.retry`, by `actor`: the kinds reopened), then each sent at once. A kind another retry
 * reopened meanwhile is `not_failed`; the others are tried again from the order as it now is.
 * @returns each kind's outcome: `sent`, `failed` (rejected again), `skipped` (sent or claimed elsewhere), `not_failed`
 */
export async function retryFailedMail(
  order: OrderRecord,
  kinds: readonly MailKind[],
  actor: Actor,
  now = Date.now(),
): Promise<Array<{ readonly kind: MailKind; readonly outcome: RetryOutcome }>> {
  const { customerId, orderId } = order;
  let current: OrderRecord | undefined = order;
  let reopened: MailKind[] = [];
  for (let attempt = 0; current && attempt < 3; attempt++) {
    const failed = kinds.filter((kind) => current![mailAttributes(kind).status] === 'failed');
    if (failed.length === 0) break;
    const changes = { kinds: failed.map((kind) => STORED_MAIL_KIND[kind]), customerId };
    const audit = auditAction(actor, { action: 'email.retry', target: orderId, changes }, now);
    if (await reopenFailedMail({ customerId, orderId }, failed, audit, now)) {
      reopened = failed;
      break;
    }
    current = await getOrder(customerId, orderId);
  }
  const outcomes = [];
  for (const kind of kinds)
    outcomes.push({
      kind,
      outcome: reopened.includes(kind) ? await sendOnce(order, kind, now) : ('not_failed' as const),
    });
  return outcomes;
}
