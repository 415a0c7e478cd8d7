/**
 * What holds the project's data: the KMS key (the tables, the log groups, the wrapped server, receipt and session
 * keys) and the DynamoDB tables of contract/tables.ts.
 *
 * Like every part under infra/constructs/, it adds its resources to the stack itself, not to a nested construct: the
 * construct paths, and so the logical IDs CloudFormation knows the deployed resources by, stay what they were.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { TABLES } from '../../contract/tables.js';
import type { KeyAttribute, TableDefinition, TableName } from '../../contract/tables.js';

/**
 * What holds data — the tables, the key that encrypts them, the log groups — is kept when the stack is deleted, when
 * the resource is removed from the template or replaced (CloudFormation `RetainExceptOnCreate`, with
 * `UpdateReplacePolicy: Retain`), and deleted only when the operation that created it rolls back: a failed first
 * deploy leaves nothing behind. docs/operations.md ("What a deploy keeps") has the whole list.
 */
export const KEEP_DATA = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;

const attributeType = (type: KeyAttribute['type']) =>
  type === 'N' ? dynamodb.AttributeType.NUMBER : dynamodb.AttributeType.STRING;
const cdkKey = (key: KeyAttribute) => ({ name: key.name, type: attributeType(key.type) });

/** One table of contract/tables.ts: on demand, point-in-time recovery, the project key, kept when the stack goes. */
function tableFor(scope: Construct, definition: TableDefinition, key: kms.IKey): dynamodb.Table {
  const table = new dynamodb.Table(scope, `${definition.name}Table`, {
    partitionKey: cdkKey(definition.partitionKey),
    ...(definition.sortKey ? { sortKey: cdkKey(definition.sortKey) } : {}),
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: key,
    // No deletion protection: it would make the rollback of the operation that creates a table (the first deploy, a
    // new table, a replacement) fail to delete it, leaving the stack in ROLLBACK_FAILED. KEEP_DATA keeps a deployed
    // table whatever CloudFormation does; point-in-time recovery covers what is written.
    deletionProtection: false,
    removalPolicy: KEEP_DATA,
    ...(definition.stream ? { stream: dynamodb.StreamViewType.NEW_IMAGE } : {}),
  });
  for (const index of definition.indexes ?? []) {
    table.addGlobalSecondaryIndex({
      indexName: index.name,
      partitionKey: cdkKey(index.partitionKey),
      ...(index.sortKey ? { sortKey: cdkKey(index.sortKey) } : {}),
      ...(index.include === 'all'
        ? { projectionType: dynamodb.ProjectionType.ALL }
        : index.include
          ? { projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: [...index.include] }
          : { projectionType: dynamodb.ProjectionType.KEYS_ONLY }),
    });
  }
  return table;
}

/** The project's KMS key and its tables. */
export interface ProjectData {
  /** Encrypts the tables and the log groups, and wraps the server, receipt and session keys (by purpose). */
  readonly key: kms.Key;
  readonly tables: Readonly<Record<TableName, dynamodb.Table>>;
}

/** Adds the project's KMS key and its tables to `stack`. */
export function addData(stack: Stack): ProjectData {
  const key = new kms.Key(stack, 'DataKey', {
    description:
      'Purchase orders: encrypts the tables, the log groups and the wrapped server, receipt and session keys',
    enableKeyRotation: true,
    removalPolicy: KEEP_DATA,
  });
  // CloudWatch Logs encrypts the log groups with the same key.
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`,
        },
      },
    }),
  );

  const tables = Object.fromEntries(
    TABLES.map((definition) => [definition.name, tableFor(stack, definition, key)]),
  ) as Record<TableName, dynamodb.Table>;
  return { key, tables };
}
