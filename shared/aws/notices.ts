/**
 * The notices table (shared/notices.ts): a notice is put once, as one action of the transaction that makes the change
 * it tells of; afterwards only its email's state moves, pending → sending → sent (or → failed), each move one
 * conditional update (shared/mail.ts `mailTransition`), exactly as an order's mail does. While its email is owed or
 * failed, a notice is listed in the table's sparse index, which the sweeper queries.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.js';
import { mailFailure, mailTransition } from '../mail.js';
import type { MailOwed, MailStatus } from '../mail.js';
import { NOTICE_MAIL } from '../notices.js';
import type { AccountNotice, NoticeKey } from '../notices.js';
import { NOTICES_OWED } from '../../contract/tables.js';
import { dynamo, guarded, updateIf } from './clients.js';
import type { TransactItem } from './transactions.js';

/** How failures of the notices table are named (in logs and 503 answers). */
const SERVICE = 'the notice database';

const noticesTable = () => config().tables.notices;

/** The transaction action that writes a new notice (never one that exists: its ID is new, or nothing is written). */
export function noticePut(notice: AccountNotice): TransactItem {
  return {
    Put: { TableName: noticesTable(), Item: notice, ConditionExpression: 'attribute_not_exists(noticeId)' },
  };
}

/** A notice, read consistently (it decides what is sent), or `undefined`. */
export async function getNotice(key: NoticeKey): Promise<AccountNotice | undefined> {
  const result = await guarded(SERVICE, 'GetItem', () =>
    dynamo().send(new GetCommand({ TableName: noticesTable(), Key: key, ConsistentRead: true })),
  );
  return result.Item as AccountNotice | undefined;
}

/**
 * Moves a notice's email from `from` to `to` if and only if it is `from` (or a `sending` claim older than
 * `staleBefore`). Returns false when another worker got there first.
 */
export function transitionNoticeMail(
  key: NoticeKey,
  from: MailStatus,
  to: MailStatus,
  now = Date.now(),
  staleBefore?: number,
): Promise<boolean> {
  return updateIf(SERVICE, {
    TableName: noticesTable(),
    Key: key,
    ...mailTransition(NOTICE_MAIL, from, to, now, staleBefore),
  });
}

/** Gives up a claimed notice email after a permanent rejection: `failed`, with the reason. */
export function markNoticeMailFailed(key: NoticeKey, reason: string): Promise<boolean> {
  return updateIf(SERVICE, { TableName: noticesTable(), Key: key, ...mailFailure(NOTICE_MAIL, reason) });
}

/** A notice in the owed index: whose, which, and since when its email has been owed (epoch milliseconds). */
export interface OwedNotice extends NoticeKey {
  readonly since: number;
}

/**
 * A page of notices whose email is in `state` (`owed`: since before `before`), oldest first, at most `limit`; `start`
 * continues from a previous page's `next`.
 */
export async function listOwedNotices(
  state: MailOwed,
  limit: number,
  before: number,
  start?: Record<string, unknown>,
): Promise<{ notices: OwedNotice[]; next?: Record<string, unknown> }> {
  const result = await guarded(SERVICE, 'Query', () =>
    dynamo().send(
      new QueryCommand({
        TableName: noticesTable(),
        IndexName: NOTICES_OWED.name,
        KeyConditionExpression: '#owed = :state AND #since < :before',
        ExpressionAttributeNames: { '#owed': NOTICES_OWED.partitionKey.name, '#since': NOTICES_OWED.sortKey.name },
        ExpressionAttributeValues: { ':state': state, ':before': before },
        Limit: limit,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    ),
  );
  return {
    notices: (result.Items ?? []).map((item) => ({
      customerId: item.customerId as string,
      noticeId: item.noticeId as string,
      since: item[NOTICES_OWED.sortKey.name] as number,
    })),
    ...(result.LastEvaluatedKey ? { next: result.LastEvaluatedKey } : {}),
  };
}
