/**
 * Account notices: the security changes a customer is told of by email — a key added to or revoked from their
 * account. A notice is an item of its own (the notices table), written in the same transaction as the change it tells
 * of and owing its email from then on, as an order owes its confirmation: the notifier sends it from the table's
 * stream, the sweeper from the sparse index of what is still owed (shared/services/notices.ts). Pure: the adapter is
 * shared/aws/notices.ts.
 */
import { randomBytes } from 'node:crypto';
import type { SignatureAlg } from './keys.js';
import { mailAttributesOf } from './mail.js';
import type { MailOwed, MailStatus } from './mail.js';

/** What a notice tells of. Stable names: they are stored. */
export const NOTICE_KINDS = ['key-added', 'key-revoked'] as const;
/** One of {@link NOTICE_KINDS}. */
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** The attributes of a notice item that hold its email's state: `mailStatus`, `mailOwed`… */
export const NOTICE_MAIL = mailAttributesOf('mail');

/** A notice as stored. Nothing secret: what the email says, and where the email stands. */
export interface AccountNotice {
  readonly customerId: string;
  /** `time#random`: a customer's notices sort by time. */
  readonly noticeId: string;
  readonly kind: NoticeKind;
  /** ISO 8601: when the change was made. */
  readonly at: string;
  readonly keyId: string;
  /** The key's SPKI fingerprint (shared/keys.ts), whatever ID it was registered under. */
  readonly fingerprint: string;
  readonly alg: SignatureAlg;
  /** How many keys of the account were active right after the change. */
  readonly activeKeys: number;
  /** The API request that made the change (to find its log lines and its audit record). */
  readonly requestId: string;
  readonly mailStatus: MailStatus;
  /** In the owed index while set (shared/mail.ts `MailOwed`). */
  readonly mailOwed?: MailOwed;
  /** Epoch milliseconds: since when the email has been owed. */
  readonly mailOwedSince?: number;
  readonly mailClaimedAt?: number;
  readonly mailSentAt?: string;
  readonly mailFailure?: string;
}

/** A notice's key on the notices table. */
export interface NoticeKey {
  readonly customerId: string;
  readonly noticeId: string;
}

/** A key change, as its notice tells of it. */
export interface KeyChange {
  readonly kind: NoticeKind;
  readonly keyId: string;
  readonly fingerprint: string;
  readonly alg: SignatureAlg;
  readonly activeKeys: number;
  readonly requestId: string;
}

/** The notice of `change` to `customerId`'s keys at `now`, owing its email. */
export function keyNotice(customerId: string, change: KeyChange, now: number): AccountNotice {
  const at = new Date(now).toISOString();
  return {
    customerId,
    noticeId: `${at}#${randomBytes(9).toString('base64url')}`,
    ...change,
    at,
    mailStatus: 'pending',
    mailOwed: 'owed',
    mailOwedSince: now,
  };
}
