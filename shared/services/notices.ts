/**
 * Account notices' emails (shared/notices.ts), sent after the change is committed exactly as an order's mail is: from
 * the notices table's stream within seconds (the notifier's second event source), and by the sweeper from the table's
 * owed index for whatever the stream did not get out. At least once, and — by a conditional claim on the notice's
 * email status — once in the normal case (shared/services/deliver.ts).
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { config } from '../config.js';
import { keyNoticeEmail } from '../email.js';
import { errorName, logger } from '../observability.js';
import type { AccountNotice } from '../notices.js';
import { getCustomerEmail } from '../aws/customers.js';
import { getNotice, listOwedNotices, markNoticeMailFailed, transitionNoticeMail } from '../aws/notices.js';
import { NOTICE_OWING_RECORDS } from '../../contract/tables.js';
import { drainBacklog } from '../pacing.js';
import { SWEEP_GRACE_MS, SWEEP_PAGE, deliverOnce, matchesAny } from './deliver.js';
import type { MailOutcome, OwedEmail, SweepCounts, SweepRun } from './deliver.js';

/** Whether a stream record comes from the notices table (its stream's ARN names the table). */
export function fromNoticesTable(record: Pick<DynamoDBRecord, 'eventSourceARN'>): boolean {
  const table = streamTable(record.eventSourceARN);
  return table !== undefined && table === config().tables.notices;
}

/** The table a stream ARN belongs to: `arn:aws:dynamodb:region:account:table/NAME/stream/LABEL`. */
function streamTable(arn: string | undefined): string | undefined {
  return arn === undefined ? undefined : /:table\/([^/]+)\/stream\//.exec(arn)?.[1];
}

/**
 * Whether a notices stream record owes an email ({@link NOTICE_OWING_RECORDS}: every new notice): the rule the event
 * source mapping filters with, applied by the notifier and the local poller.
 */
export function owesNoticeEmail(record: Pick<DynamoDBRecord, 'eventName' | 'dynamodb'>): boolean {
  return matchesAny(record, NOTICE_OWING_RECORDS);
}

/** Sends a notice's email unless it was already sent (or is being sent). */
export function sendAccountNotice(notice: AccountNotice, now = Date.now()): Promise<MailOutcome> {
  return deliverOnce(noticeMail(notice), now);
}

/** A notice's email, its state kept on the notice item (shared/aws/notices.ts). */
function noticeMail(notice: AccountNotice): OwedEmail {
  const key = { customerId: notice.customerId, noticeId: notice.noticeId };
  return {
    customerId: notice.customerId,
    label: `${notice.kind} notice`,
    logFields: { customerId: notice.customerId, noticeId: notice.noticeId, kind: notice.kind },
    claim: (now, staleBefore) => transitionNoticeMail(key, 'pending', 'sending', now, staleBefore),
    compose: async () => ({ message: keyNoticeEmail(notice), address: await getCustomerEmail(notice.customerId) }),
    release: (now) => transitionNoticeMail(key, 'sending', 'pending', now),
    sent: (now) => transitionNoticeMail(key, 'sending', 'sent', now),
    failed: (reason) => markNoticeMailFailed(key, reason),
  };
}

/**
 * Sends the notices still owed past the grace period (or claimed by a sender that died), from the notices table's
 * owed index, oldest first, a page at a time, paced by `run` until the index or the run's time ends. Returns what it
 * did, and since when the oldest of them was owed (the run's start when none was).
 */
export async function sweepOwedNotices(run: SweepRun): Promise<SweepCounts & { oldestSince: number }> {
  const counts = { sent: 0, failed: 0, skipped: 0, errors: 0 };
  let oldestSince = run.startedAt;
  const before = run.startedAt - SWEEP_GRACE_MS;
  await drainBacklog(
    async (start: Record<string, unknown> | undefined) => {
      const { notices, next } = await listOwedNotices('owed', SWEEP_PAGE, before, start);
      // Oldest first: the first page's first notice is the oldest owed.
      if (start === undefined && notices[0]) oldestSince = Math.min(oldestSince, notices[0].since);
      return { items: notices, ...(next ? { next } : {}) };
    },
    async (owed) => {
      try {
        const notice = await getNotice({ customerId: owed.customerId, noticeId: owed.noticeId });
        counts[notice ? await sendAccountNotice(notice, run.clock.now()) : 'skipped']++;
      } catch (error) {
        counts.errors++;
        logger.warn('sweep: account notice still owed; will retry', {
          customerId: owed.customerId,
          noticeId: owed.noticeId,
          errorName: errorName(error),
        });
      }
    },
    run,
  );
  return { ...counts, oldestSince };
}
