/**
 * The mail an order owes, on the order item: the confirmation's and the notice's status (a small state machine:
 * pending → sending → sent, or failed), each conditional so that one sender claims each email, and the sparse
 * indexes that list what is still owed or was given up.
 */
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.js';
import { MAIL_OWED } from '../../infra/tables.js';
import { decodeCursor, encodeCursor } from '../paging.js';
import type { MailStatus } from '../mail.js';
import { dynamo, guarded, whenConditionFails } from './clients.js';

const database = <T>(what: string, operation: () => Promise<T>) => guarded('the order database', what, operation);

/** The two emails an order may owe: its confirmation, and the notice of its last status change. */
export type EmailKind = 'email' | 'notice';

/** Runs a conditional update: true if it was applied, false if its condition did not hold. */
function updateIf(update: UpdateCommand): Promise<boolean> {
  return whenConditionFails(
    async () => {
      await database('UpdateItem', () => dynamo().send(update));
      return true;
    },
    () => false,
  );
}

/**
 * Moves an order's email (or notice) status from `from` to `to` if and only if it is `from` (or a `sending` claim older
 * than `staleBefore`, left by a crashed sender). Sent mail leaves the owed index. Returns false when another worker got
 * there first.
 */
export async function transitionEmailStatus(
  key: { customerId: string; orderId: string },
  from: MailStatus,
  to: MailStatus,
  now = Date.now(),
  staleBefore?: number,
  kind: EmailKind = 'email',
): Promise<boolean> {
  const stale = staleBefore === undefined ? '' : ` OR (${kind}Status = :sending AND ${kind}ClaimedAt < :stale)`;
  const update = new UpdateCommand({
    TableName: config().tables.orders,
    Key: key,
    UpdateExpression:
      to === 'sent'
        ? `SET ${kind}Status = :to, ${kind}SentAt = :now REMOVE ${kind}Owed, ${kind}OwedSince`
        : `SET ${kind}Status = :to, ${kind}ClaimedAt = :epoch`,
    ConditionExpression: `${kind}Status = :from${stale}`,
    ExpressionAttributeValues: {
      ':to': to,
      ':from': from,
      ...(to === 'sent' ? { ':now': new Date(now).toISOString() } : { ':epoch': now }),
      ...(staleBefore === undefined ? {} : { ':sending': 'sending', ':stale': staleBefore }),
    },
  });
  return updateIf(update);
}

/** Gives up a claimed email after a permanent rejection: `failed`, with the reason, listed by `GET /admin/emails`. */
export async function markMailFailed(
  key: { customerId: string; orderId: string },
  kind: EmailKind,
  reason: string,
): Promise<boolean> {
  const update = new UpdateCommand({
    TableName: config().tables.orders,
    Key: key,
    UpdateExpression: `SET ${kind}Status = :failed, ${kind}Failure = :reason, ${kind}Owed = :failed`,
    ConditionExpression: `${kind}Status = :sending`,
    ExpressionAttributeValues: { ':failed': 'failed', ':reason': reason.slice(0, 500), ':sending': 'sending' },
  });
  return updateIf(update);
}

/** Puts a failed email back in the queue (the administrator's retry). Returns false if it was not `failed`. */
export async function reopenFailedMail(
  key: { customerId: string; orderId: string },
  kind: EmailKind,
  now = Date.now(),
): Promise<boolean> {
  const update = new UpdateCommand({
    TableName: config().tables.orders,
    Key: key,
    UpdateExpression: `SET ${kind}Status = :pending, ${kind}Owed = :owed, ${kind}OwedSince = :now REMOVE ${kind}Failure`,
    ConditionExpression: `${kind}Status = :failed`,
    ExpressionAttributeValues: { ':pending': 'pending', ':owed': 'owed', ':now': now, ':failed': 'failed' },
  });
  return updateIf(update);
}

/** One order's mail in the owed index: which order, which kind, since when. */
export interface OwedMail {
  readonly customerId: string;
  readonly orderId: string;
  readonly kind: EmailKind;
  readonly since: number;
}

/**
 * A page of mail that is `owed` (oldest first; `before`: only what has been owed since before then) or `failed`, of
 * one kind, from its sparse index. `start` continues a previous page.
 */
export async function listOwedMail(
  kind: EmailKind,
  state: 'owed' | 'failed',
  limit: number,
  options: { before?: number; start?: Record<string, unknown> } = {},
): Promise<{ mail: OwedMail[]; next?: Record<string, unknown> }> {
  const index = MAIL_OWED[kind];
  const result = await database('Query', () =>
    dynamo().send(
      new QueryCommand({
        TableName: config().tables.orders,
        IndexName: index.name,
        KeyConditionExpression: options.before === undefined ? '#owed = :state' : '#owed = :state AND #since < :before',
        ExpressionAttributeNames: {
          '#owed': index.partitionKey.name,
          ...(options.before === undefined ? {} : { '#since': index.sortKey.name }),
        },
        ExpressionAttributeValues: {
          ':state': state,
          ...(options.before === undefined ? {} : { ':before': options.before }),
        },
        Limit: limit,
        ...(options.start ? { ExclusiveStartKey: options.start } : {}),
      }),
    ),
  );
  return {
    mail: (result.Items ?? []).map((item) => ({
      customerId: item.customerId as string,
      orderId: item.orderId as string,
      kind,
      since: item[index.sortKey.name] as number,
    })),
    ...(result.LastEvaluatedKey ? { next: result.LastEvaluatedKey } : {}),
  };
}

/**
 * One page of mail in a state (`owed` or `failed`), confirmations first, then notices, each oldest first. The cursor
 * names the kind and the last key, all as strings, checked member by member when it comes back.
 */
export async function listMailPage(
  state: 'owed' | 'failed',
  limit: number,
  cursor: string | undefined,
  patterns: { customerId: RegExp; orderId: RegExp },
): Promise<{ mail: OwedMail[]; next?: string }> {
  const at = cursor
    ? decodeCursor<{ kind: string; customerId: string; orderId: string; since: string }>(cursor, {
        kind: /^(email|notice)$/,
        since: /^\d{1,16}$/,
        ...patterns,
      })
    : undefined;
  const kinds: EmailKind[] = at?.kind === 'notice' ? ['notice'] : ['email', 'notice'];
  const mail: OwedMail[] = [];
  for (const kind of kinds) {
    const index = MAIL_OWED[kind];
    const start =
      at?.kind === kind
        ? {
            customerId: at.customerId,
            orderId: at.orderId,
            [index.partitionKey.name]: state,
            [index.sortKey.name]: Number(at.since),
          }
        : undefined;
    const page = await listOwedMail(kind, state, limit - mail.length, start ? { start } : {});
    mail.push(...page.mail);
    if (mail.length >= limit) {
      // Full: continue after the last one (of this kind; once it is exhausted, with the next kind).
      if (kind === 'notice' && !page.next) return { mail };
      const last = mail.at(-1)!;
      const next = { kind, customerId: last.customerId, orderId: last.orderId, since: String(last.since) };
      return { mail, next: encodeCursor(next) };
    }
  }
  return { mail };
}
