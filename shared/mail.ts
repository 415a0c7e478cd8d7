/**
 * The mail an order owes its customer: which emails, where each stands, and the names its state is stored under on
 * the order item. Pure: the adapter is shared/aws/mail-outbox.ts.
 */
import { ORDER_INDEX_SHARDS } from '../contract/tables.js';
import { shardKey, shardOf } from './shards.js';

/** The two emails an order may owe: its confirmation (once accepted), and the notice of its last status change. */
export const MAIL_KINDS = ['confirmation', 'notice'] as const;
/** One of {@link MAIL_KINDS}. */
export type MailKind = (typeof MAIL_KINDS)[number];

/** Where an email stands: to send, claimed by a sender, sent, or given up after a permanent rejection. */
export type MailStatus = 'pending' | 'sending' | 'sent' | 'failed';
/** The marker that lists an order's email in its kind's sparse index: `owed` until sent, `failed` once given up. */
export type MailOwed = 'owed' | 'failed';

/** The marker as an order stores it: sharded, `owed#3` ({@link owedMarker}). */
export type OwedMarker = `${MailOwed}#${number}`;

/**
 * The marker that lists an order's email in its kind's owed-mail index: `state` and the order's shard among
 * `ORDER_INDEX_SHARDS` (contract/tables.ts), so that no one `owed` key takes every order's writes.
 */
export function owedMarker(state: MailOwed, orderId: string): OwedMarker {
  return shardKey(state, shardOf(orderId, ORDER_INDEX_SHARDS));
}

/**
 * How stored data names each kind: the prefix of its attributes on the order item (`emailStatus`, `emailOwed`,
 * `noticeStatus`…) and its key among the owed-mail indexes (contract/tables.ts `MAIL_OWED`). The confirmation's is
 * `email`, from before there were notices; stored names stay as they are. The admin API names kinds so too (its mail
 * page cursor, its retry answer).
 */
export const STORED_MAIL_KIND = { confirmation: 'email', notice: 'notice' } as const satisfies Record<MailKind, string>;
/** A kind as stored data and the admin API name it: see {@link STORED_MAIL_KIND}. */
export type StoredMailKind = (typeof STORED_MAIL_KIND)[MailKind];

/** The kind a stored name stands for. */
export function mailKindOf(stored: StoredMailKind): MailKind {
  return stored === STORED_MAIL_KIND.confirmation ? 'confirmation' : 'notice';
}

/** The attributes of the order item that hold one kind's state (for the confirmation: `emailStatus`…). */
export function mailAttributes(kind: MailKind) {
  return mailAttributesOf(STORED_MAIL_KIND[kind]);
}

/**
 * The attributes that hold one email's state on an item, by their prefix: `emailStatus`, `emailOwed`… on an order
 * (per kind, {@link mailAttributes}); `mailStatus`, `mailOwed`… on an account notice (shared/notices.ts).
 */
export function mailAttributesOf<P extends string>(prefix: P) {
  return {
    status: `${prefix}Status`,
    claimedAt: `${prefix}ClaimedAt`,
    sentAt: `${prefix}SentAt`,
    failure: `${prefix}Failure`,
    owed: `${prefix}Owed`,
    owedSince: `${prefix}OwedSince`,
  } as const;
}

/** The names of the attributes that hold an email's state ({@link mailAttributesOf}). */
export type MailAttributes = ReturnType<typeof mailAttributesOf>;

/** A conditional update of an item's email state: its expressions and values (its table and key are the caller's). */
export interface MailUpdate {
  readonly UpdateExpression: string;
  readonly ConditionExpression: string;
  readonly ExpressionAttributeValues: Record<string, unknown>;
}

/**
 * The update that moves an email's status from `from` to `to` if and only if it is `from` (or a `sending` claim older
 * than `staleBefore`, left by a crashed sender). Sent mail leaves the owed index. Wherever the state is kept (an order,
 * a notice), each move is this one conditional update, so that one sender claims each email.
 */
export function mailTransition(
  attributes: MailAttributes,
  from: MailStatus,
  to: MailStatus,
  now: number,
  staleBefore?: number,
): MailUpdate {
  const { status, claimedAt, sentAt, owed, owedSince } = attributes;
  const stale = staleBefore === undefined ? '' : ` OR (${status} = :sending AND ${claimedAt} < :stale)`;
  return {
    UpdateExpression:
      to === 'sent'
        ? `SET ${status} = :to, ${sentAt} = :now REMOVE ${owed}, ${owedSince}`
        : `SET ${status} = :to, ${claimedAt} = :epoch`,
    ConditionExpression: `${status} = :from${stale}`,
    ExpressionAttributeValues: {
      ':to': to,
      ':from': from,
      ...(to === 'sent' ? { ':now': new Date(now).toISOString() } : { ':epoch': now }),
      ...(staleBefore === undefined ? {} : { ':sending': 'sending', ':stale': staleBefore }),
    },
  };
}

/**
 * The update that gives up a claimed email after a permanent rejection: `failed`, with the reason, still listed under
 * `marker` (an order's sharded one, {@link owedMarker}; an account notice's is `failed` itself).
 */
export function mailFailure(attributes: MailAttributes, reason: string, marker: string = 'failed'): MailUpdate {
  const { status, failure, owed } = attributes;
  return {
    UpdateExpression: `SET ${status} = :failed, ${failure} = :reason, ${owed} = :marker`,
    ConditionExpression: `${status} = :sending`,
    ExpressionAttributeValues: {
      ':failed': 'failed',
      ':reason': reason.slice(0, 500),
      ':sending': 'sending',
      ':marker': marker,
    },
  };
}
