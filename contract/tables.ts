/**
 * The DynamoDB tables, as plain data: the CDK stack builds them from this, and the local stack (DynamoDB Local)
 * creates the same tables from it, so the two never drift. The handlers' configuration (shared/config.ts) reads one
 * environment variable per table, and the data adapters (shared/aws/) query the indexes named here.
 */

/** A key attribute: its name and DynamoDB type (S: string, N: number). */
export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N';
}

/** A global secondary index. `include` lists the non-key attributes it projects (none: keys only). */
export interface IndexDefinition {
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly include?: readonly string[];
}

/** One table: its keys, its indexes, and whether it streams. */
export interface TableDefinition {
  /** Logical name; the environment variable `${NAME}_TABLE` carries the physical name. */
  readonly name: 'customers' | 'inventory' | 'orders' | 'keys' | 'ledger' | 'idempotency';
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly indexes?: readonly IndexDefinition[];
  /** Orders stream their new images to the notifier. */
  readonly stream?: 'NEW_IMAGE';
  readonly description: string;
}

/** A table's logical name. */
export type TableName = TableDefinition['name'];

const text = (name: string): KeyAttribute => ({ name, type: 'S' });

/** The OPD's work queue: orders by status, oldest first, with what the OPD needs to act on them. */
export const ORDERS_BY_STATUS: IndexDefinition = {
  name: 'byStatus',
  partitionKey: text('status'),
  sortKey: text('acceptedAt'),
  include: ['lines', 'totalCents', 'currency', 'fulfilledAt', 'cancelledAt'],
};

/**
 * A customer's orders by acceptance time, for `GET /orders` (newest first): order IDs are random, so the table's own
 * sort key orders them by nothing a person means. Keys only: one entry per order, never rewritten (neither key
 * changes), and the page's orders are then read from the table.
 */
export const ORDERS_BY_CUSTOMER: IndexDefinition = {
  name: 'byCustomer',
  partitionKey: text('customerId'),
  sortKey: text('acceptedAt'),
};

/** Finds an order by its ID alone (the admin's view; customers always read their own partition). Keys only. */
export const ORDERS_BY_ID: IndexDefinition = { name: 'byOrderId', partitionKey: text('orderId') };

/**
 * Mail the OPD still owes (`owed`) or gave up on (`failed`), per kind: sparse indexes, since an order is in one only
 * while its `emailOwed` / `noticeOwed` marker is set (from acceptance or a status change until the mail is sent).
 * The sweeper and `GET /admin/emails` query them; nothing scans the table. Keys only.
 */
export const MAIL_OWED = {
  email: { name: 'emailsOwed', partitionKey: text('emailOwed'), sortKey: { name: 'emailOwedSince', type: 'N' } },
  notice: { name: 'noticesOwed', partitionKey: text('noticeOwed'), sortKey: { name: 'noticeOwedSince', type: 'N' } },
} as const satisfies Record<string, IndexDefinition>;

/**
 * Every table, one entry each. Their order is the order of their settings in shared/config.ts (a configuration error
 * names the bad ones in this order).
 */
export const TABLES: readonly TableDefinition[] = [
  {
    name: 'customers',
    partitionKey: text('customerId'),
    description: 'profile, role, password hash, lockout, token version, public keys, account balance',
  },
  { name: 'inventory', partitionKey: text('sku'), description: 'products: name, price in cents, stock' },
  {
    name: 'orders',
    partitionKey: text('customerId'),
    sortKey: text('orderId'),
    indexes: [ORDERS_BY_STATUS, ORDERS_BY_ID, ORDERS_BY_CUSTOMER, MAIL_OWED.email, MAIL_OWED.notice],
    stream: 'NEW_IMAGE',
    description: 'orders with their signed evidence (JWS, receipts), status and email status',
  },
  {
    name: 'keys',
    partitionKey: text('purpose'),
    sortKey: text('kid'),
    description: 'KMS-wrapped server and session keys',
  },
  {
    name: 'ledger',
    partitionKey: text('customerId'),
    sortKey: { name: 'entry', type: 'N' },
    description: 'append-only account entries: one per balance change, numbered 1, 2, 3… per customer',
  },
  {
    name: 'idempotency',
    partitionKey: text('idempotencyKey'),
    description:
      'one item per Idempotency-Key a money route was sent with: the request it came with and what it did, written in the same transaction',
  },
];

/** The name of the environment variable that carries a table's physical name: `CUSTOMERS_TABLE` for `customers`. */
export type TableEnvironmentVariable<Name extends TableName = TableName> = `${Uppercase<Name>}_TABLE`;

/** The environment variable that names a table for the handlers (shared/config.ts). */
export function tableEnvironmentVariable<Name extends TableName>(name: Name): TableEnvironmentVariable<Name> {
  return `${name.toUpperCase() as Uppercase<Name>}_TABLE`;
}

/**
 * What functions that may not read a whole customer item read of it. Each list is both the projection its adapter
 * reads (shared/aws/customers.ts) and the attributes IAM lets that function's role read (infra/access.ts), so that a
 * read the grant does not allow cannot be written, nor a grant wider than the reads.
 */
export const CUSTOMER_READS = {
  /** The order path: the account it debits and refunds, and what the debit checks at commit. */
  ordering: ['customerId', 'tokenVersion', 'role', 'balanceCents', 'ledgerSeq', 'keys'],
  /** `GET /account` and evidence: the public keys and the balance. */
  account: ['customerId', 'keys', 'balanceCents', 'ledgerSeq'],
  /** The address a confirmation or a notice goes to. */
  mailing: ['customerId', 'email'],
} as const satisfies Record<string, readonly string[]>;

/** A pattern over stream records: nested members whose leaves are the values they must equal. */
export interface RecordPattern {
  readonly [member: string]: string | RecordPattern;
}

/**
 * The orders stream records that owe an email: new orders (the confirmation), and changes that leave a notice pending
 * (cancelled, fulfilled). The notifier's event source mapping filters with these (infra/constructs/mail.ts), and so do
 * the notifier itself and the local stream poller (shared/services/notify.ts `owesEmail`).
 */
export const MAIL_OWING_RECORDS: readonly RecordPattern[] = [
  { eventName: 'INSERT' },
  { eventName: 'MODIFY', dynamodb: { NewImage: { noticeStatus: { S: 'pending' } } } },
];
