/**
 * The mail an order owes its customer: which emails, where each stands, and the names its state is stored under on
 * the order item. Pure: the adapter is shared/aws/mail-outbox.ts.
 */

/** The two emails an order may owe: its confirmation (once accepted), and the notice of its last status change. */
export const MAIL_KINDS = ['confirmation', 'notice'] as const;
/** One of {@link MAIL_KINDS}. */
export type MailKind = (typeof MAIL_KINDS)[number];

/** Where an email stands: to send, claimed by a sender, sent, or given up after a permanent rejection. */
export type MailStatus = 'pending' | 'sending' | 'sent' | 'failed';
/** The marker that lists an order's email in its kind's sparse index: `owed` until sent, `failed` once given up. */
export type MailOwed = 'owed' | 'failed';

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
  const stored = STORED_MAIL_KIND[kind];
  return {
    status: `${stored}Status`,
    claimedAt: `${stored}ClaimedAt`,
    sentAt: `${stored}SentAt`,
    failure: `${stored}Failure`,
    owed: `${stored}Owed`,
    owedSince: `${stored}OwedSince`,
  } as const;
}
