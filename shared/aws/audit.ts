/**
 * The audit table (shared/audit.ts). A record is only ever put, never updated or deleted (IAM grants the stack's roles
 * nothing else, infra/access.ts), always as one action of the transaction whose change it records.
 */
import type { AuditRecord } from '../audit.js';
import { config } from '../config.js';
import type { TransactItem } from './transactions.js';

/**
 * The transaction action that writes `record`: a put that never replaces a record (its key is new, or the whole
 * transaction is cancelled).
 */
export function auditPut(record: AuditRecord): TransactItem {
  return {
    Put: {
      TableName: config().tables.audit,
      Item: record,
      ConditionExpression: 'attribute_not_exists(recordedAt)',
    },
  };
}
