/**
 * The mail an order owes its customer: where each email stands, and the marker that lists it as owed or given up.
 * Pure: the adapter is shared/aws/mail-outbox.ts.
 */

/** Where an email stands: to send, claimed by a sender, sent, or given up after a permanent rejection. */
export type MailStatus = 'pending' | 'sending' | 'sent' | 'failed';
export type MailOwed = 'owed' | 'failed';
