/**
 * What the admin routes answer, as view functions: the admin function builds its answers with them and `po admin`
 * reads their types (type-only imports), so the two cannot describe an answer differently.
 */
import { accountView } from './accounts.js';
import type { AuditRecord } from './audit.js';
import type { LedgerEntry } from './accounts.js';
import type { Customer, CustomerSummary } from './aws/customers.js';
import type { OwedMail } from './aws/mail-outbox.js';
import type { QueuedOrder } from './aws/order-queries.js';
import { lockState } from './lockout.js';
import { STORED_MAIL_KIND, mailAttributes, mailKindOf } from './mail.js';
import type { MailKind } from './mail.js';
import type { OrderRecord } from './orders.js';
import type { RetryOutcome } from './services/notify.js';

/** A customer in `GET /admin/customers`: who, since when, their balance, whether logins are locked or disabled. */
export function customerSummaryView(customer: CustomerSummary, currency: string) {
  return {
    customerId: customer.customerId,
    email: customer.email,
    createdAt: customer.createdAt,
    balanceCents: customer.balanceCents ?? 0,
    currency,
    locked: lockState(customer).locked,
    disabled: customer.disabledAt !== undefined,
  };
}
/** What {@link customerSummaryView} makes. */
export type CustomerSummaryView = ReturnType<typeof customerSummaryView>;

/** `GET /admin/customers/{customerId}`: the account (as `GET /account`), who the customer is, and the login lock. */
export function customerDetailView(
  customer: Customer,
  currency: string,
  ledger: { readonly entries: readonly LedgerEntry[]; readonly next?: number },
) {
  const lock = lockState(customer);
  return {
    ...accountView(customer, currency, ledger),
    email: customer.email,
    createdAt: customer.createdAt,
    ...(customer.disabledAt === undefined ? {} : { disabledAt: customer.disabledAt }),
    mustChangePassword: customer.mustChangePassword === true,
    lock: {
      locked: lock.locked,
      failedLogins: customer.failedLogins,
      ...(lock.until === undefined ? {} : { until: new Date(lock.until * 1000).toISOString() }),
    },
  };
}
/** What {@link customerDetailView} makes. */
export type CustomerDetailView = ReturnType<typeof customerDetailView>;

/** An order of the work queue (`GET /admin/orders`): the status index's projection, absent times left out. */
export function queuedOrderView(order: QueuedOrder) {
  return {
    orderId: order.orderId,
    customerId: order.customerId,
    status: order.status,
    acceptedAt: order.acceptedAt,
    ...(order.fulfilledAt === undefined ? {} : { fulfilledAt: order.fulfilledAt }),
    ...(order.cancelledAt === undefined ? {} : { cancelledAt: order.cancelledAt }),
    lines: order.lines,
    totalCents: order.totalCents,
    currency: order.currency,
  };
}
/** What {@link queuedOrderView} makes. */
export type QueuedOrderView = ReturnType<typeof queuedOrderView>;

/** One email in `GET /admin/emails`: which order and kind, since when, where it stands and why it failed. */
export function mailView(mail: OwedMail, order: OrderRecord | undefined) {
  const kind = mailKindOf(mail.kind);
  const failure = order?.[mailAttributes(kind).failure];
  return {
    orderId: mail.orderId,
    customerId: mail.customerId,
    kind,
    since: new Date(mail.since).toISOString(),
    status: order?.[mailAttributes(kind).status] ?? 'unknown',
    ...(order ? { orderStatus: order.status } : {}),
    ...(failure ? { failure } : {}),
  };
}
/** What {@link mailView} makes. */
export type MailView = ReturnType<typeof mailView>;

/**
 * One retried email in `POST /admin/emails/{id}/retry`: its kind by its stored name (`email` is the confirmation, as
 * the mail page's cursor names it too), what the retry did, and where the email stands after it.
 */
export function mailRetryView(kind: MailKind, outcome: RetryOutcome, after: OrderRecord | undefined) {
  const failure = after?.[mailAttributes(kind).failure];
  return {
    kind: STORED_MAIL_KIND[kind],
    outcome,
    status: after?.[mailAttributes(kind).status],
    ...(failure ? { failure } : {}),
  };
}
/** What {@link mailRetryView} makes. */
export type MailRetryView = ReturnType<typeof mailRetryView>;

/**
 * One record of the audit trail in `GET /admin/audit`: when, who (with their roles then), what, to what, what changed
 * and why, and the API request it came with. The keys that only place it in the table (`recordedAt`, `timeBucket`)
 * are left out.
 */
export function auditRecordView(record: AuditRecord) {
  return {
    auditId: record.auditId,
    time: record.time,
    actor: record.actor,
    actorKind: record.actorKind,
    actorRoles: record.actorRoles,
    action: record.action,
    target: record.target,
    targetType: record.targetType,
    changes: record.changes,
    ...(record.reason === undefined ? {} : { reason: record.reason }),
    requestId: record.requestId,
  };
}
/** What {@link auditRecordView} makes. */
export type AuditRecordView = ReturnType<typeof auditRecordView>;
