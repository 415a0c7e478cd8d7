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

/**
 * A global secondary index. `include` lists the non-key attributes it projects (none: keys only; `all`: every
 * attribute).
 */
export interface IndexDefinition {
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly include?: readonly string[] | 'all';
}

/** One table: its keys, its indexes, and whether it streams. */
export interface TableDefinition {
  /** Logical name; the environment variable `${NAME}_TABLE` carries the physical name. */
  readonly name:
    'customers' | 'inventory' | 'orders' | 'keys' | 'ledger' | 'idempotency' | 'staff' | 'audit' | 'notices';
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly indexes?: readonly IndexDefinition[];
  /** Orders and notices stream their new images to the notifier. */
  readonly stream?: 'NEW_IMAGE';
  readonly description: string;
}

/** A table's logical name. */
export type TableName = TableDefinition['name'];

const text = (name: string): KeyAttribute => ({ name, type: 'S' });

/**
 * How many partitions each low-cardinality key of the orders table's indexes is spread over: an order's status in
 * {@link ORDERS_BY_STATUS} (`accepted#17`) and its owed-mail markers in {@link MAIL_OWED} (`owed#3`), the shard a pure
 * function of the order ID (shared/shards.ts `shardOf`). A partition takes 1,000 write units a second. Each order
 * writes 2 units to the partitions of one value of each index: its entry put under `accepted` and deleted when it is
 * fulfilled or cancelled; its confirmation's entry put under `owed` and deleted when sent; its notice's likewise (an
 * entry of 1 KiB or less costs 1 unit). At 10,000 orders a second that is 2 × 10,000 = 20,000 units a second per
 * value, 20 partitions' worth; 32 leave each at 625 units a second (62 %), room for bursts, larger entries (a status
 * entry projects the lines: past 1 KiB it costs 2) and a shard that draws more than its share. A reader queries every
 * shard of a value (32 small queries, in parallel).
 */
export const ORDER_INDEX_SHARDS = 32;

/**
 * The OPD's work queue: orders by status, oldest first, with what the OPD needs to act on them. Partitioned by the
 * status and one of {@link ORDER_INDEX_SHARDS} shards (`statusShard`, `accepted#17`), written with the order and moved
 * with every status change: one `status` key would take every accepted order's writes and cap them at 500 orders a
 * second. It projects `status` because the key no longer is the status alone.
 */
export const ORDERS_BY_STATUS = {
  name: 'byStatusShard',
  partitionKey: { name: 'statusShard', type: 'S' },
  sortKey: { name: 'acceptedAt', type: 'S' },
  include: ['status', 'lines', 'totalCents', 'currency', 'fulfilledAt', 'cancelledAt'],
} as const satisfies IndexDefinition;

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
 * The marker is sharded (`owed#3`, one of {@link ORDER_INDEX_SHARDS}), as every order passes through `owed`. The
 * sweeper and `GET /admin/emails` query every shard; nothing scans the table. Keys only.
 */
export const MAIL_OWED = {
  email: { name: 'emailsOwed', partitionKey: text('emailOwed'), sortKey: { name: 'emailOwedSince', type: 'N' } },
  notice: { name: 'noticesOwed', partitionKey: text('noticeOwed'), sortKey: { name: 'noticeOwedSince', type: 'N' } },
} as const satisfies Record<string, IndexDefinition>;

/**
 * Account notices the OPD still owes (`owed`) or gave up on (`failed`): the sparse index of the notices table, as
 * {@link MAIL_OWED} is the orders table's. A notice is in it from its write until its email is sent. Keys only.
 * Not sharded: notices come from a customer adding or revoking a key, never from an order, and each costs this
 * partition 2 units (its entry put, then deleted), so one `owed` key holds 500 notices a second, far above what key
 * changes reach; shard it as the orders' markers are if they ever come near.
 */
export const NOTICES_OWED = {
  name: 'mailOwed',
  partitionKey: text('mailOwed'),
  sortKey: { name: 'mailOwedSince', type: 'N' },
} as const satisfies IndexDefinition;

/**
 * The audit trail by actor, newest first (`po admin audit --actor`). Every attribute: audit records are small and
 * read whole.
 */
export const AUDIT_BY_ACTOR: IndexDefinition = {
  name: 'byActor',
  partitionKey: text('actor'),
  sortKey: text('recordedAt'),
  include: 'all',
};

/**
 * The audit trail by time, newest first (`po admin audit` without an actor or a target): partitioned by day and by one
 * of {@link AUDIT_TIME_SHARDS} shards (`2026-12-07#2`), so that no one partition takes every audited write of a day.
 */
export const AUDIT_BY_TIME: IndexDefinition = {
  name: 'byTime',
  partitionKey: text('timeBucket'),
  sortKey: text('recordedAt'),
  include: 'all',
};

/**
 * How many partitions a day of the audit trail is spread over in {@link AUDIT_BY_TIME}. Every fulfilment by staff
 * writes an audit record in its transaction (a record of well under 1 KiB: 1 unit in the index), so 10,000 fulfilled
 * orders a second put 10,000 units a second into one day's partitions, 10 partitions' worth, besides the other audited
 * writes (staff actions, customers' password and key changes). 32, as {@link ORDER_INDEX_SHARDS}, leave each at about
 * 310 units a second. A query without an actor or a target reads every shard of each day (shared/aws/audit.ts).
 */
export const AUDIT_TIME_SHARDS = 32;

/**
 * Every table, one entry each. Their order is the order of their settings in shared/config.ts (a configuration error
 * names the bad ones in this order).
 */
export const TABLES: readonly TableDefinition[] = [
  {
    name: 'customers',
    partitionKey: text('customerId'),
    description: 'profile, password hash, lockout, token version, public keys, account balance, disabled or not',
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
  {
    name: 'staff',
    partitionKey: text('staffId'),
    description:
      'the OPD staff: roles, password hash, lockout, token version; one more item counts who holds staff:write',
  },
  {
    name: 'audit',
    partitionKey: text('target'),
    sortKey: text('recordedAt'),
    indexes: [AUDIT_BY_ACTOR, AUDIT_BY_TIME],
    description:
      'append-only: one record per change a staff member made and per customer security event, written in the same transaction as the change',
  },
  {
    name: 'notices',
    partitionKey: text('customerId'),
    sortKey: text('noticeId'),
    indexes: [NOTICES_OWED],
    stream: 'NEW_IMAGE',
    description:
      'security notices a customer is owed an email for (a key added or revoked), each written in the same transaction as its change, with the email’s status',
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
  ordering: ['customerId', 'tokenVersion', 'balanceCents', 'ledgerSeq', 'keys'],
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

/**
 * The notices stream records that owe an email: every new notice (a notice is written once, owing its email). The
 * notifier's second event source mapping filters with these, and so do the notifier and the local stream poller
 * (shared/services/notices.ts `owesNoticeEmail`).
 */
export const NOTICE_OWING_RECORDS: readonly RecordPattern[] = [{ eventName: 'INSERT' }];
