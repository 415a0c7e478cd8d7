/**
 * Confirmation and status emails, sent after the change is committed: from the orders stream within seconds, and by
 * the sweeper for whatever the stream did not get out (a crash between sending and recording, an outage). At least
 * once, and — thanks to a conditional claim on the order's email status — once in the normal case.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { confirmationEmail, noticeEmail } from '../email.js';
import { errorName, logger } from '../observability.js';
import type { OrderRecord } from '../orders.js';
import { getCustomerEmail } from '../aws/customers.js';
import type { Actor } from '../audit.js';
import { MAIL_KINDS, STORED_MAIL_KIND, mailAttributes } from '../mail.js';
import type { MailKind } from '../mail.js';
import { listOwedMail, markMailFailed, reopenFailedMail, transitionMailStatus } from '../aws/mail-outbox.js';
import type { OwedMail } from '../aws/mail-outbox.js';
import { getOrder } from '../aws/order-queries.js';
import { auditAction } from '../aws/audit.js';
import { MAIL_OWING_RECORDS } from '../../contract/tables.js';
import { drainBacklog } from '../pacing.js';
import { SWEEP_GRACE_MS, SWEEP_PAGE, deliverOnce, matchesAny } from './deliver.js';
import type { MailOutcome, OwedEmail, SweepCounts, SweepRun } from './deliver.js';
import { sweepOwedNotices } from './notices.js';

/**
 * Whether an orders stream record owes an email ({@link MAIL_OWING_RECORDS}: new orders, and changes that leave a
 * notice pending): the rule the event source mapping filters with, applied by the notifier and the local poller.
 */
export function owesEmail(record: Pick<DynamoDBRecord, 'eventName' | 'dynamodb'>): boolean {
  return matchesAny(record, MAIL_OWING_RECORDS);
}

/** Sends the confirmation for `order` unless it was already sent (or is being sent). */
export function sendConfirmation(order: OrderRecord, now = Date.now()): Promise<MailOutcome> {
  return deliverOnce(orderMail(order, 'confirmation'), now);
}

/** Sends the notice of the order's status change (cancelled, fulfilled) unless it was already sent. */
export function sendNotice(order: OrderRecord, now = Date.now()): Promise<MailOutcome> {
  return deliverOnce(orderMail(order, 'notice'), now);
}

/** An order's email of `kind`, its state kept on the order item (shared/aws/mail-outbox.ts). */
function orderMail(order: OrderRecord, kind: MailKind): OwedEmail {
  const key = { customerId: order.customerId, orderId: order.orderId };
  return {
    customerId: order.customerId,
    label: kind,
    // The logs name kinds as stored data does.
    logFields: { orderId: order.orderId, kind: STORED_MAIL_KIND[kind], status: order.status },
    claim: (now, staleBefore) => transitionMailStatus(key, kind, 'pending', 'sending', now, staleBefore),
    compose: async () => ({
      message: kind === 'confirmation' ? confirmationEmail(order) : noticeEmail(order),
      // Looked up now, off the order path (orders accepted before that carry the address they were sent to).
      address: order.email ?? (await getCustomerEmail(order.customerId)),
    }),
    release: (now) => transitionMailStatus(key, kind, 'sending', 'pending', now),
    sent: (now) => transitionMailStatus(key, kind, 'sending', 'sent', now),
    failed: (reason) => markMailFailed(key, kind, reason),
  };
}

/** What one sweep did: emails sent, given up, skipped (sent or claimed elsewhere), and errors left for the next. */
export interface SweepResult extends SweepCounts {
  /**
   * Age in whole seconds of the oldest mail owed when the sweep began (any kind, account notices too, past the grace
   * period; 0 when none): the sweeper publishes it, and mail owed longer than 15 minutes raises an alarm.
   */
  readonly oldestOwedSeconds: number;
}

/**
 * The sweeper: finds mail still owed through the sparse `emailsOwed` / `noticesOwed` indexes of the orders table and
 * the owed index of the notices table (never a scan) — unsent since before the grace period, or claimed by a sender
 * that died (a `sending` claim older than {@link STALE_CLAIM_MS}) — and sends it. Confirmations, order notices and
 * account notices are therefore sent at least once, whatever crashed when. Each index is read oldest first, a page at
 * a time, all three at once, their sends sharing `run`'s pacer (the SES rate the sweeper may use) and its bound on
 * sends in flight, until every index is drained or the run's deadline comes; each send is still one conditional
 * claim ({@link deliverOnce}), so sweeps that overlap, and the notifier, never send one mail twice.
 */
export async function sweepOwedMail(run: SweepRun): Promise<SweepResult> {
  const before = run.startedAt - SWEEP_GRACE_MS;
  const counts = { sent: 0, failed: 0, skipped: 0, errors: 0 };
  let oldestSince = run.startedAt;
  const sweepKind = (kind: MailKind) =>
    drainBacklog(
      async (start: Record<string, unknown> | undefined) => {
        const { mail, next } = await listOwedMail(kind, 'owed', SWEEP_PAGE, { before, ...(start ? { start } : {}) });
        // The index is sorted by the time the mail became owed, oldest first: the first page's first is the oldest.
        if (start === undefined && mail[0]) oldestSince = Math.min(oldestSince, mail[0].since);
        return { items: mail, ...(next ? { next } : {}) };
      },
      async (owed: OwedMail) => {
        try {
          const order = await getOrder(owed.customerId, owed.orderId);
          counts[order ? await deliverOnce(orderMail(order, kind), run.clock.now()) : 'skipped']++;
        } catch (error) {
          counts.errors++;
          logger.warn('sweep: email still owed; will retry', {
            orderId: owed.orderId,
            kind: owed.kind,
            errorName: errorName(error),
          });
        }
      },
      run,
    );
  // Each drain runs to its end whatever another's does: one index failing (throttled) must not end the run while the
  // others still have sends in flight. Its failure is counted and logged; its mail stays owed for the next run.
  const [notices, ...kinds] = await Promise.allSettled([sweepOwedNotices(run), ...MAIL_KINDS.map(sweepKind)]);
  for (const failed of [notices, ...kinds].filter((drain) => drain.status === 'rejected')) {
    counts.errors++;
    logger.warn('sweep: an owed-mail index could not be read; its mail stays owed', {
      errorName: errorName(failed.reason),
    });
  }
  if (notices.status === 'fulfilled') {
    for (const outcome of ['sent', 'failed', 'skipped', 'errors'] as const) counts[outcome] += notices.value[outcome];
    oldestSince = Math.min(oldestSince, notices.value.oldestSince);
  }
  return { ...counts, oldestOwedSeconds: Math.floor((run.startedAt - oldestSince) / 1000) };
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
      outcome: reopened.includes(kind) ? await deliverOnce(orderMail(order, kind), now) : ('not_failed' as const),
    });
  return outcomes;
}
