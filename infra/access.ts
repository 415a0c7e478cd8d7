/**
 * What each function may do, as data: its DynamoDB actions per table, its attribute-limited reads, the purposes it
 * uses the project key for, and whether it sends mail. infra/constructs/functions.ts grants these to each function's
 * own role, infra/constructs/mail.ts the mail senders' SES use; the notifier's stream reading is granted with its
 * event source there too.
 */
import type { SecretPurpose } from '../shared/aws/kms.js';
import type { HandlerName } from '../contract/handlers.js';
import { CUSTOMER_READS } from '../contract/tables.js';
import type { TableName } from '../contract/tables.js';

/** DynamoDB actions each function performs, per table. Anything not listed is denied. */
export const TABLE_ACCESS: Readonly<Record<HandlerName, Partial<Record<TableName, string[]>>>> = {
  login: { customers: ['GetItem', 'UpdateItem'], staff: ['GetItem', 'UpdateItem'], keys: ['Query'] },
  // A password change, and a customer's own key change, is audited: its record is put in the change's own
  // transaction; a key change's account notice (the email it owes) too.
  password: {
    customers: ['GetItem', 'UpdateItem'],
    staff: ['GetItem', 'UpdateItem'],
    audit: ['PutItem'],
    notices: ['PutItem'],
    keys: ['Query'],
  },
  authorizer: { customers: ['GetItem'], staff: ['GetItem'], keys: ['Query'] },
  order: {
    inventory: ['BatchGetItem', 'UpdateItem'],
    orders: ['GetItem', 'PutItem', 'UpdateItem', 'Query'],
    ledger: ['PutItem'],
    keys: ['Query'],
    // The OPD's cancellation (a staff route this function serves) is audited in its transaction, which also checks at
    // commit that the staff member may still act (shared/caller.ts).
    audit: ['PutItem'],
    staff: ['ConditionCheckItem'],
  },
  read: {
    inventory: ['Scan'],
    orders: ['GetItem', 'BatchGetItem', 'Query'],
    ledger: ['Query'],
    keys: ['Query'],
    // GET /admin/audit: the only role that reads the audit trail, and it writes nothing.
    audit: ['Query'],
  },
  admin: {
    customers: ['GetItem', 'PutItem', 'UpdateItem', 'Scan'],
    // GET /admin/products and GET /admin/products/{sku}; a product is read before it is changed: the change is
    // written only if what was read still holds, and its audit record says before → after.
    inventory: ['GetItem', 'BatchGetItem', 'Scan', 'PutItem', 'UpdateItem'],
    // BatchGetItem: a customer's orders (GET /admin/orders?customer=), read whole after their keys-only index.
    orders: ['GetItem', 'BatchGetItem', 'Query', 'UpdateItem'],
    ledger: ['PutItem', 'Query'],
    keys: ['Query', 'PutItem', 'UpdateItem'],
    // A credit's Idempotency-Key, put in the credit's own transaction; a resent one comes back as the refusal's item,
    // or is read when the account as it now is would refuse the resent credit (its first sending moved it).
    idempotency: ['GetItem', 'PutItem'],
    // ConditionCheckItem: every staff transaction checks at commit that its caller may still act (shared/caller.ts).
    staff: ['GetItem', 'PutItem', 'UpdateItem', 'Scan', 'ConditionCheckItem'],
    // Every staff action's record, put in the action's transaction. Never read here: GET /admin/audit is the read
    // function's, so that no role can both find a record's key and put over it.
    audit: ['PutItem'],
    // A key a staff member adds to or revokes from a customer owes the customer an email: its notice, in the change's
    // transaction.
    notices: ['PutItem'],
  },
  // An email's claim and outcome, on the order or the account notice it is owed for (the streams carry their images).
  notify: { orders: ['UpdateItem'], notices: ['UpdateItem'] },
  // What is still owed, from the sparse owed indexes of both tables; each item read, then claimed and recorded.
  sweeper: { orders: ['GetItem', 'UpdateItem', 'Query'], notices: ['GetItem', 'UpdateItem', 'Query'] },
  provision: { keys: ['Query', 'PutItem', 'UpdateItem'] },
};

/**
 * Actions granted on a table only inside a TransactWriteItems (IAM condition key `dynamodb:EnclosingOperation`, as
 * DynamoDB's guide "Using IAM with DynamoDB transactions" shows it), whoever TABLE_ACCESS grants them to: an audit
 * record is put only with the change it records, never on its own, and nothing else may touch it.
 */
export const TRANSACTION_ONLY: Readonly<Partial<Record<TableName, readonly string[]>>> = { audit: ['PutItem'] };

/** Functions that send email: the notifier, the sweeper, and the admin function (an administrator's retry). */
export const MAIL_SENDERS: ReadonlySet<HandlerName> = new Set(['notify', 'sweeper', 'admin']);

/**
 * DynamoDB access limited to some attributes of an item (IAM fine-grained access control, the pattern of AWS's IAM
 * guide "Amazon DynamoDB: Allows access to specific attributes"), with no item returned beyond them (`ReturnValues`
 * NONE). Only the login, password, authorizer and admin functions may read a customer's password hash.
 */
export const ATTRIBUTE_ACCESS: Readonly<
  Partial<Record<HandlerName, Partial<Record<TableName, { actions: string[]; attributes: readonly string[] }>>>>
> = {
  // Public keys for evidence bundles, the balance for GET /account.
  read: { customers: { actions: ['GetItem'], attributes: CUSTOMER_READS.account } },
  // The order path: the account it debits and refunds, and what the debit checks at commit (token version, role, key
  // status). The update's conditions name those attributes, so they are granted; the update sets only the balance and
  // the ledger sequence (shared/aws/accounts.ts).
  order: { customers: { actions: ['GetItem', 'UpdateItem'], attributes: CUSTOMER_READS.ordering } },
  // The address a confirmation or notice goes to, looked up when it is sent.
  notify: { customers: { actions: ['GetItem'], attributes: CUSTOMER_READS.mailing } },
  sweeper: { customers: { actions: ['GetItem'], attributes: CUSTOMER_READS.mailing } },
};

/** KMS operations on the project key each function performs directly (not via DynamoDB), by encryption-context purpose. */
export const KEY_USE: Readonly<Partial<Record<HandlerName, Array<{ actions: string[]; purpose: SecretPurpose }>>>> = {
  login: [{ actions: ['kms:Decrypt'], purpose: 'session-key' }],
  password: [{ actions: ['kms:Decrypt'], purpose: 'session-key' }],
  authorizer: [{ actions: ['kms:Decrypt'], purpose: 'session-key' }],
  order: [
    { actions: ['kms:Decrypt'], purpose: 'server-key' },
    { actions: ['kms:Decrypt'], purpose: 'receipt-key' },
  ],
  admin: [
    { actions: ['kms:Encrypt'], purpose: 'server-key' },
    { actions: ['kms:Encrypt'], purpose: 'receipt-key' },
  ],
  provision: [
    { actions: ['kms:Encrypt'], purpose: 'server-key' },
    { actions: ['kms:Encrypt'], purpose: 'receipt-key' },
    { actions: ['kms:GenerateDataKey'], purpose: 'session-key' },
  ],
};
