/**
 * The CDK stack's tables, and what a deploy keeps: Template assertions for what the design requires.
 */
import { describe, expect, it } from 'vitest';
import { TABLES } from '../../contract/tables.js';
import { templateForThisFile } from '../helpers/infra.js';

const stack = templateForThisFile();
const { ofType } = stack;

describe('tables', () => {
  it('are on-demand, with point-in-time recovery, encrypted with the project KMS key, and retained', () => {
    const tables = ofType('AWS::DynamoDB::Table');
    expect(tables).toHaveLength(TABLES.length);
    for (const [id, table] of tables) {
      expect(table, id).toMatchObject({
        Properties: {
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: {
            SSEEnabled: true,
            SSEType: 'KMS',
            KMSMasterKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^DataKey/), 'Arn'] },
          },
        },
        // Kept on delete and on replacement, but not when the operation that created it rolls back.
        DeletionPolicy: 'RetainExceptOnCreate',
        UpdateReplacePolicy: 'Retain',
      });
      // Deletion protection would make that rollback fail (ROLLBACK_FAILED): the delete is refused.
      expect(table.Properties.DeletionProtectionEnabled, id).not.toBe(true);
    }
  });

  it('stream new images from orders and account notices only', () => {
    const streaming = ofType('AWS::DynamoDB::Table').filter(([, t]) => t.Properties.StreamSpecification);
    expect(streaming.map(([, table]) => table.Properties)).toEqual(
      ['orderId', 'noticeId'].map((sortKey): unknown =>
        expect.objectContaining({
          StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
          KeySchema: [
            { AttributeName: 'customerId', KeyType: 'HASH' },
            { AttributeName: sortKey, KeyType: 'RANGE' },
          ],
        }),
      ),
    );
  });

  it('use a KMS key with rotation on', () => {
    stack.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });
});

describe('what a deploy keeps', () => {
  type Kept = { Type: string; DeletionPolicy?: string; UpdateReplacePolicy?: string };
  const everything = () => Object.entries(stack.resources as unknown as Record<string, Kept>);
  /** Resources that hold data, or the messages an operator acts on. */
  const STATEFUL = ['AWS::DynamoDB::Table', 'AWS::Logs::LogGroup', 'AWS::SQS::Queue', 'AWS::SNS::Topic'];

  it('a failed first deploy rolls back cleanly: nothing is Retain (kept even then) or deletion-protected', () => {
    for (const [id, resource] of everything()) expect(resource.DeletionPolicy, id).not.toBe('Retain');
    for (const [id, resource] of ofType('AWS::DynamoDB::Table'))
      expect(resource.Properties.DeletionProtectionEnabled, id).not.toBe(true);
  });

  it('no role may delete a table: the tables are kept from people by IAM, not by deletion protection', () => {
    const actions = ofType('AWS::IAM::Policy').flatMap(([, policy]) =>
      (policy.Properties.PolicyDocument as { Statement: Array<{ Action: string | string[] }> }).Statement.flatMap(
        (statement) => [statement.Action].flat(),
      ),
    );
    expect(actions.filter((action) => /^dynamodb:(DeleteTable|\*)$/.test(action))).toEqual([]);
  });

  it('every stateful resource says what becomes of it, and what holds data is kept once deployed', () => {
    for (const [id, resource] of everything().filter(([, r]) => STATEFUL.includes(r.Type))) {
      expect(resource.DeletionPolicy, id).toBeDefined();
      if (resource.Type === 'AWS::DynamoDB::Table' || resource.Type === 'AWS::Logs::LogGroup')
        expect([resource.DeletionPolicy, resource.UpdateReplacePolicy], id).toEqual(['RetainExceptOnCreate', 'Retain']);
    }
  });

  it('a KMS key is kept exactly when something kept is encrypted with it: no orphan key, no unreadable table', () => {
    const keys = ofType('AWS::KMS::Key');
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const [keyId, key] of keys as unknown as Array<[string, Kept]>) {
      const users = everything().filter(
        ([, r]) => STATEFUL.includes(r.Type) && JSON.stringify(r).includes(`"${keyId}"`),
      );
      expect(users.length, `${keyId} encrypts something`).toBeGreaterThan(0);
      const anyKept = users.some(([, r]) => r.DeletionPolicy === 'RetainExceptOnCreate');
      expect(key.DeletionPolicy, keyId).toBe(anyKept ? 'RetainExceptOnCreate' : 'Delete');
    }
  });
});
