/**
 * The mail an order owes, kept on the order item under its kind's attributes (shared/mail.ts `mailAttributes`). Each
 * email's status moves pending → sending → sent, or → failed on a permanent rejection (and back to pending when an
 * administrator retries it); every move is a conditional update, so that one sender claims each email. While an email
 * is owed or failed, its order is listed in its kind's sparse index under its sharded marker (`owed#3`: shared/mail.ts
 * `owedMarker`), which the sweeper and `GET /admin/emails` query, every shard merged oldest first
 * (./sharded-index.ts). A staff member's retry is audited, in its own transaction.
 */
import { MAIL_OWED, ORDER_INDEX_SHARDS } from '../../contract/tables.js';
import { config } from '../config.js';
import { serviceUnavailable } from '../errors.js';
import {
  MAIL_KINDS,
  STORED_MAIL_KIND,
  mailAttributes,
  mailFailure,
  mailKindOf,
  mailTransition,
  owedMarker,
} from '../mail.js';
import type { MailKind, MailOwed, MailStatus, StoredMailKind } from '../mail.js';
import { decodeCursor, encodeCursor } from '../paging.js';
import { ORDER_DATABASE, updateOrderIf } from './orders-table.js';
import type { OrderKey } from './orders-table.js';
import { querySharded } from './sharded-index.js';
import { transact } from './transactions.js';
import type { TransactItem } from './transactions.js';

/**
 * Moves an email's status from `from` to `to` if and only if it is `from` (or a `sending` claim older than
 * `staleBefore`, left by a crashed sender): shared/mail.ts `mailTransition`. Sent mail leaves the owed index. Returns
 * false when another worker got there first.
 */
export function transitionMailStatus(
  key: OrderKey,
  kind: MailKind,
  from: MailStatus,
  to: MailStatus,
  now = Date.now(),
  staleBefore?: number,
): Promise<boolean> {
  return updateOrderIf(key, mailTransition(mailAttributes(kind), from, to, now, staleBefore));
}

/** Gives up a claimed email after a permanent rejection: `failed`, with the reason, listed by `GET /admin/emails`. */
export function markMailFailed(key: OrderKey, kind: MailKind, reason: string): Promise<boolean> {
  return updateOrderIf(key, mailFailure(mailAttributes(kind), reason, owedMarker('failed', key.orderId)));
}

/**
 * Puts an order's failed emails of `kinds` back in the queue together (a staff member's retry), with `audit` (its
 * record) in the same transaction, only if every one of them is still `failed`. Returns false if one was not.
 * @throws ApiError `service_unavailable` (another transaction held the order)
 */
export async function reopenFailedMail(
  key: OrderKey,
  kinds: readonly MailKind[],
  audit: TransactItem,
  now = Date.now(),
): Promise<boolean> {
  const attributes = kinds.map(mailAttributes);
  const result = await transact(ORDER_DATABASE, {
    order: {
      Update: {
        TableName: config().tables.orders,
        Key: key,
        UpdateExpression: `SET ${attributes
          .map(({ status, owed, owedSince }) => `${status} = :pending, ${owed} = :owed, ${owedSince} = :now`)
          .join(', ')} REMOVE ${attributes.map(({ failure }) => failure).join(', ')}`,
        ConditionExpression: attributes.map(({ status }) => `${status} = :failed`).join(' AND '),
        ExpressionAttributeValues: {
          ':pending': 'pending',
          ':owed': owedMarker('owed', key.orderId),
          ':now': now,
          ':failed': 'failed',
        },
      },
    },
    audit,
  });
  if (result.committed) return true;
  if (result.reasons.order?.code === 'ConditionalCheckFailed') return false;
  throw serviceUnavailable(ORDER_DATABASE, 1);
}

/**
 * One order's email in an owed-mail index: which order, which kind, since when (epoch milliseconds). The kind is its
 * stored name ({@link StoredMailKind}: `email` for the confirmation), as the admin API shows it.
 */
export interface OwedMail {
  readonly customerId: string;
  readonly orderId: string;
  readonly kind: StoredMailKind;
  readonly since: number;
}

/** The owed-mail index of a kind (contract/tables.ts). */
const indexOf = (kind: MailKind) => MAIL_OWED[STORED_MAIL_KIND[kind]];

/**
 * A page of mail that is `owed` (oldest first; `before`: only what has been owed since before then) or `failed`, of
 * one kind, from its sparse index, every shard merged (ties by customer, then order ID). `next`, when more may follow,
 * is the page's last entry (`{customerId, orderId, since}`); passed back as `start`, the next page goes on exactly
 * after it. @throws TypeError for a `start` that is no such entry
 */
export async function listOwedMail(
  kind: MailKind,
  state: MailOwed,
  limit: number,
  options: { before?: number; start?: Record<string, unknown> } = {},
): Promise<{ mail: OwedMail[]; next?: Record<string, unknown> }> {
  const index = indexOf(kind);
  const { start } = options;
  if (
    start !== undefined &&
    (typeof start.customerId !== 'string' || typeof start.orderId !== 'string' || typeof start.since !== 'number')
  )
    throw new TypeError('start: pass back the `next` of the previous page');
  const { page, more } = await querySharded({
    index,
    value: state,
    shards: ORDER_INDEX_SHARDS,
    limit,
    after: start && {
      sort: start.since as number,
      customerId: start.customerId as string,
      orderId: start.orderId as string,
    },
    before: options.before,
    entry: (item) => ({
      sort: item[index.sortKey.name] as number,
      customerId: item.customerId as string,
      orderId: item.orderId as string,
    }),
  });
  const mail = page.map(({ sort, customerId, orderId }) => ({
    customerId,
    orderId,
    kind: STORED_MAIL_KIND[kind],
    since: sort,
  }));
  const last = mail.at(-1);
  return {
    mail,
    ...(more && last ? { next: { customerId: last.customerId, orderId: last.orderId, since: last.since } } : {}),
  };
}

/**
 * One page of mail in a state (`owed` or `failed`), confirmations first, then notices, each oldest first. The cursor
 * names the kind (by its stored name) and the last entry, all as strings, checked member by member when it comes
 * back; the page goes on exactly after that entry.
 */
export async function listMailPage(
  state: MailOwed,
  limit: number,
  cursor: string | undefined,
  patterns: { customerId: RegExp; orderId: RegExp },
): Promise<{ mail: OwedMail[]; next?: string }> {
  const at = cursor
    ? decodeCursor<{ kind: StoredMailKind; customerId: string; orderId: string; since: string }>(cursor, {
        kind: new RegExp(`^(${Object.values(STORED_MAIL_KIND).join('|')})$`),
        since: /^\d{1,16}$/,
        ...patterns,
      })
    : undefined;
  const after = at && { ...at, kind: mailKindOf(at.kind) };
  // From the cursor's kind on (all kinds on the first page).
  const kinds = after ? MAIL_KINDS.slice(MAIL_KINDS.indexOf(after.kind)) : MAIL_KINDS;
  const mail: OwedMail[] = [];
  for (const kind of kinds) {
    const start =
      after?.kind === kind
        ? { customerId: after.customerId, orderId: after.orderId, since: Number(after.since) }
        : undefined;
    const page = await listOwedMail(kind, state, limit - mail.length, start ? { start } : {});
    mail.push(...page.mail);
    if (mail.length >= limit) {
      // Full: continue after the last one (of this kind; once it is exhausted, with the next kind).
      if (kind === 'notice' && !page.next) return { mail };
      const last = mail.at(-1)!;
      const next = {
        kind: STORED_MAIL_KIND[kind],
        customerId: last.customerId,
        orderId: last.orderId,
        since: String(last.since),
      };
      return { mail, next: encodeCursor(next) };
    }
  }
  return { mail };
}
