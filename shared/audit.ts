/**
 * The audit trail's records: who did what to what, when, with what effect. One record per change a staff member makes
 * and per customer security event, written in the same DynamoDB transaction as the change it records (shared/aws/
 * audit.ts `auditPut`), so there is no change without its record and no record without its change. Records are never
 * changed or deleted: the stack's roles may only put them (infra/access.ts). Pure: no AWS or Node import, so that the
 * console reads the action names and shows changes as po does (a record is made by shared/audit-record.ts).
 */
import type { StaffRole } from './permissions.js';
import type { AccountKind } from './tokens.js';

/** Every action the trail records, with the kind of thing it acts on. Stable names: they are stored. */
export const AUDIT_ACTIONS = {
  'product.add': 'product',
  'product.update': 'product',
  'product.restock': 'product',
  'product.shards': 'product',
  'product.rebalance': 'product',
  'customer.add': 'customer',
  'customer.unlock': 'customer',
  'customer.disable': 'customer',
  'customer.enable': 'customer',
  'customer.sessions-end': 'customer',
  'customer.password-reset': 'customer',
  'customer.password-change': 'customer',
  'customer-key.add': 'customer',
  'customer-key.revoke': 'customer',
  'account.credit': 'customer',
  'account.adjustment': 'customer',
  'order.fulfil': 'order',
  'order.cancel': 'order',
  'email.retry': 'order',
  'server-key.rotate': 'server-key',
  'receipt-key.rotate': 'receipt-key',
  'receipt-key.revoke': 'receipt-key',
  'staff.add': 'staff',
  'staff.roles': 'staff',
  'staff.disable': 'staff',
  'staff.enable': 'staff',
  'staff.sessions-end': 'staff',
  'staff.password-reset': 'staff',
  'staff.password-change': 'staff',
} as const;

/** An action's stored name. */
export type AuditAction = keyof typeof AUDIT_ACTIONS;
/** What kind of thing an action acts on. */
export type AuditTargetType = (typeof AUDIT_ACTIONS)[AuditAction];

/** Whether `value` names an action. */
export function isAuditAction(value: unknown): value is AuditAction {
  return typeof value === 'string' && Object.hasOwn(AUDIT_ACTIONS, value);
}

/**
 * Who acts: a staff member with their roles at the time, a customer, or an operator (someone with the AWS account's
 * credentials, outside the API: `npm run first-admin`, the local stack's seeding); and the request it came with.
 */
export interface Actor {
  readonly kind: ActorKind;
  readonly id: string;
  /** A staff member's roles when they acted (a customer has none). */
  readonly roles: readonly StaffRole[];
  /** The API request's ID (API Gateway's `requestContext.requestId`), to find its log lines; an operator's tool's name. */
  readonly requestId: string;
}

/** Who can act. */
export type ActorKind = AccountKind | 'operator';

/** A value before and after a change; either side is absent where there was none (added, removed). */
export interface Change<T = unknown> {
  readonly before?: T;
  readonly after?: T;
}

/** What a change did: named values, each a {@link Change} or a plain value (an amount, an entry number, a key ID). */
export type AuditChanges = Readonly<Record<string, unknown>>;

/** A record as stored in the audit table. */
export interface AuditRecord {
  /** The ID of what was acted on: a SKU, a customer ID, an order ID, a staff ID, a key ID. The table's key. */
  readonly target: string;
  readonly targetType: AuditTargetType;
  /** `time#auditId`: sorts by time, unique. The table's sort key. */
  readonly recordedAt: string;
  readonly auditId: string;
  /** ISO 8601, milliseconds. */
  readonly time: string;
  readonly actor: string;
  readonly actorKind: ActorKind;
  readonly actorRoles: readonly StaffRole[];
  readonly action: AuditAction;
  readonly changes: AuditChanges;
  readonly reason?: string;
  readonly requestId: string;
  /** The time index's partition: the day and a shard (contract/tables.ts `AUDIT_BY_TIME`). */
  readonly timeBucket: string;
}

/** What a caller says about a change to record it. */
export interface AuditEntry {
  readonly action: AuditAction;
  readonly target: string;
  readonly changes?: AuditChanges;
  readonly reason?: string;
}

/**
 * What an audit record's target may be, as `GET /admin/audit?target=` takes it: a SKU, a customer or staff ID, an
 * order ID or a key ID (shared/rules.ts) — their characters, at most 128 of them, never `.` or `..`.
 */
export const AUDIT_TARGET_PATTERN = /^(?!\.\.?$)[A-Za-z0-9._:@+-]{1,128}$/;

/**
 * Who an audit record may name as its actor, as `GET /admin/audit?actor=` takes it: a staff or customer ID, or an
 * operator's tool (`first-admin`, `npm start`): those characters and inner spaces, at most 128.
 */
export const AUDIT_ACTOR_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9._:@+ -]{0,126}[A-Za-z0-9._:@+-])?$/;

/** Every action's name, in the table's order (for messages and help). */
export const AUDIT_ACTION_NAMES = Object.keys(AUDIT_ACTIONS) as AuditAction[];

/** A word of a command line or of a change as typed: as it is if plain, else in single quotes. */
export function word(text: string): string {
  return /^[\w.@:+/-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** One value of a record's changes, compactly: a number or a word as it is, a list joined by commas. */
function valueText(value: unknown): string {
  if (typeof value === 'string') return word(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.map(valueText).join(',');
  return JSON.stringify(value) ?? '(none)';
}

/** Whether a change is a value before → after (either side may be absent). */
function isChange(value: unknown): value is { before?: unknown; after?: unknown } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => key === 'before' || key === 'after');
}

/**
 * A record's changes on one line: `priceCents 1250 → 1400`, `amountCents 10000 entry 3 …`, a value that was only
 * added as itself (`stock 100`), then the reason if there is one.
 */
export function changesText(changes: Readonly<Record<string, unknown>>, reason?: string): string {
  const parts = Object.entries(changes).map(([name, value]) => {
    if (!isChange(value)) return `${name} ${valueText(value)}`;
    const after = 'after' in value ? valueText(value.after) : '(none)';
    return 'before' in value ? `${name} ${valueText(value.before)} → ${after}` : `${name} ${after}`;
  });
  return [...parts, ...(reason === undefined ? [] : [`reason ${word(reason)}`])].join(' ');
}
