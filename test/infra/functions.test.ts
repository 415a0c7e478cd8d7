/**
 * The CDK stack's functions: one per handler, each role with exactly its grants (tables, attributes, key purposes,
 * mail). Template assertions for what the design requires.
 */
import { describe, expect, it } from 'vitest';
import { HANDLERS } from '../../contract/handlers.js';
import { templateForThisFile } from '../helpers/infra.js';

const stack = templateForThisFile();
const { ofType } = stack;

describe('functions', () => {
  it('one per handler: nodejs24.x on arm64, traced, own log group with retention', () => {
    const cdkOwn = /^(KeyProvisionerframework|CustomCDKBucketDeployment|CustomS3AutoDeleteObjects)/; // CDK's own functions
    const functions = ofType('AWS::Lambda::Function').filter(([id]) => !cdkOwn.test(id));
    expect(functions).toHaveLength(HANDLERS.length);
    for (const [, fn] of functions)
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: expect.anything() as unknown },
      });
    for (const [, group] of ofType('AWS::Logs::LogGroup')) expect(group.Properties.RetentionInDays).toBeGreaterThan(0);
  });

  /** DynamoDB actions per table, per function role, as granted in the stack.template. */
  function dynamoGrants(role: string): Record<string, string[]> {
    const grants: Record<string, string[]> = {};
    for (const [, policy] of ofType('AWS::IAM::Policy')) {
      const roles = (policy.Properties.Roles as Array<{ Ref: string }>).map((r) => r.Ref);
      if (!roles.some((ref) => ref.startsWith(`${role}Role`))) continue;
      const statements = (
        policy.Properties.PolicyDocument as { Statement: Array<{ Action: string | string[]; Resource: unknown }> }
      ).Statement;
      for (const statement of statements) {
        const actions = [statement.Action].flat().filter((a) => a.startsWith('dynamodb:'));
        if (actions.length === 0) continue;
        for (const resource of [statement.Resource].flat()) {
          const match = JSON.stringify(resource).match(/"(\w+?)Table[0-9A-F]{8}"/);
          const table = match?.[1] ?? 'other';
          grants[table] = [...new Set([...(grants[table] ?? []), ...actions])].sort();
        }
      }
    }
    return grants;
  }

  it.each([
    [
      'login',
      {
        customers: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        staff: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        keys: ['dynamodb:Query'],
      },
    ],
    ['authorizer', { customers: ['dynamodb:GetItem'], staff: ['dynamodb:GetItem'], keys: ['dynamodb:Query'] }],
    [
      'order',
      {
        customers: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], // limited to what an order checks: see below
        inventory: ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
        orders: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        ledger: ['dynamodb:PutItem'],
        keys: ['dynamodb:Query'],
        audit: ['dynamodb:PutItem'],
        staff: ['dynamodb:ConditionCheckItem'],
      },
    ],
    [
      'read',
      {
        customers: ['dynamodb:GetItem'], // limited to the customer's public keys and balance: see below
        inventory: ['dynamodb:Scan'],
        orders: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query'],
        ledger: ['dynamodb:Query'],
        keys: ['dynamodb:Query'],
        audit: ['dynamodb:Query'], // GET /admin/audit: read here, never where records are put
      },
    ],
    [
      'admin',
      {
        customers: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'],
        inventory: [
          'dynamodb:BatchGetItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Scan',
          'dynamodb:UpdateItem',
        ],
        orders: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        // Append-only: nobody may update or delete a ledger entry.
        ledger: ['dynamodb:PutItem', 'dynamodb:Query'],
        keys: ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        idempotency: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        staff: [
          'dynamodb:ConditionCheckItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Scan',
          'dynamodb:UpdateItem',
        ],
        audit: ['dynamodb:PutItem'],
        notices: ['dynamodb:PutItem'],
      },
    ],
    ['notify', { customers: ['dynamodb:GetItem'], orders: ['dynamodb:UpdateItem'], notices: ['dynamodb:UpdateItem'] }],
  ])('%s may do exactly this on exactly these tables', (name, expected) => {
    const grants = dynamoGrants(name);
    // Stream reading (notify) is granted on the stream ARN, not the table: keep only table grants.
    for (const [table, actions] of Object.entries(grants))
      grants[table] = actions.filter((a) => !/Stream|GetRecords|GetShardIterator/.test(a));
    expect(Object.fromEntries(Object.entries(grants).filter(([, a]) => a.length > 0))).toEqual(expected);
  });

  /** The statements of a function's role that name the customers table. */
  function customerStatements(name: string): Array<Record<string, unknown>> {
    return ofType('AWS::IAM::Policy')
      .filter(([, policy]) =>
        (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref.startsWith(`${name}Role`)),
      )
      .flatMap(
        ([, policy]) => (policy.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement,
      )
      .filter((statement) => /customersTable/.test(JSON.stringify(statement.Resource)));
  }

  it('read may read only customers’ public keys and balance: never a password hash (fine-grained attribute access)', () => {
    expect(customerStatements('read')).toEqual([
      expect.objectContaining({
        Action: 'dynamodb:GetItem',
        Condition: {
          'ForAllValues:StringEquals': {
            'dynamodb:Attributes': ['customerId', 'keys', 'balanceCents', 'ledgerSeq'],
          },
          StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
        },
      }),
    ]);
  });

  it('order may read and condition on only what an order checks, and gets nothing back: never a password hash', () => {
    expect(customerStatements('order')).toEqual([
      expect.objectContaining({
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Condition: {
          'ForAllValues:StringEquals': {
            'dynamodb:Attributes': ['customerId', 'tokenVersion', 'balanceCents', 'ledgerSeq', 'keys'],
          },
          StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES', 'dynamodb:ReturnValues': 'NONE' },
        },
      }),
    ]);
  });

  it.each(['notify', 'sweeper'])('%s may read only a customer’s email address', (name) => {
    expect(customerStatements(name)).toEqual([
      expect.objectContaining({
        Action: 'dynamodb:GetItem',
        Condition: {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['customerId', 'email'] },
          StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
        },
      }),
    ]);
  });

  it('the work queue, order lookup and order lists use the orders table’s own indexes, and only Query may use them', () => {
    const orders = ofType('AWS::DynamoDB::Table').find(([id]) => id.startsWith('ordersTable'))![1];
    expect(orders.Properties.GlobalSecondaryIndexes).toEqual([
      expect.objectContaining({
        IndexName: 'byStatusShard',
        KeySchema: [
          { AttributeName: 'statusShard', KeyType: 'HASH' },
          { AttributeName: 'acceptedAt', KeyType: 'RANGE' },
        ],
        Projection: expect.objectContaining({ ProjectionType: 'INCLUDE' }) as unknown,
      }),
      expect.objectContaining({
        IndexName: 'byOrderId',
        KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      }),
      // A customer's orders newest first (GET /orders): keys only, never rewritten since neither key changes.
      expect.objectContaining({
        IndexName: 'byCustomer',
        KeySchema: [
          { AttributeName: 'customerId', KeyType: 'HASH' },
          { AttributeName: 'acceptedAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      }),
      // Sparse: an order is in these only while it owes mail (or its mail failed): the sweeper never scans.
      ...(['email', 'notice'] as const).map((kind): unknown =>
        expect.objectContaining({
          IndexName: `${kind}sOwed`,
          KeySchema: [
            { AttributeName: `${kind}Owed`, KeyType: 'HASH' },
            { AttributeName: `${kind}OwedSince`, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        }),
      ),
    ]);
    const indexStatements = ofType('AWS::IAM::Policy')
      .flatMap(
        ([, policy]) => (policy.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement,
      )
      .filter((statement) => JSON.stringify(statement.Resource).includes('/index/'));
    expect(indexStatements.length).toBeGreaterThan(0);
    for (const statement of indexStatements) {
      expect([statement.Action].flat().filter((action) => action !== 'dynamodb:Query')).toEqual([]);
      expect(JSON.stringify(statement.Resource)).not.toContain('/index/*');
    }
  });

  it('the sweeper runs every 5 minutes; a given-up email raises an alarm; only mail senders may send mail', () => {
    const rules = ofType('AWS::Events::Rule') as Array<[string, { Properties: Record<string, unknown> }]>;
    expect(rules).toHaveLength(1);
    expect(rules[0]![1].Properties).toMatchObject({
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [expect.objectContaining({ Arn: { 'Fn::GetAtt': [expect.stringMatching(/^sweeperFunction/), 'Arn'] } })],
    });
    stack.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'EmailFailed',
      Namespace: 'PurchaseOrders',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    const senders = ofType('AWS::IAM::Policy')
      .filter(([, policy]) => JSON.stringify(policy.Properties.PolicyDocument).includes('ses:SendEmail'))
      .flatMap(([, policy]) =>
        (policy.Properties.Roles as Array<{ Ref: string }>).map((role) => role.Ref.replace(/Role.*$/, '')),
      )
      .sort();
    expect(senders).toEqual(['admin', 'notify', 'sweeper']);
  });

  it.each([
    ['order', 'kms:Decrypt', ['server-key', 'receipt-key']],
    ['admin', 'kms:Encrypt', ['server-key', 'receipt-key']],
    ['provision', 'kms:Encrypt', ['server-key', 'receipt-key']],
    ['login', 'kms:Decrypt', ['session-key']],
  ])('%s may %s the project key for exactly these purposes', (name, action, purposes) => {
    const granted = ofType('AWS::IAM::Policy')
      .filter(([, policy]) =>
        (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref.startsWith(`${name}Role`)),
      )
      .flatMap(
        ([, policy]) =>
          (policy.Properties.PolicyDocument as { Statement: Array<{ Action: unknown; Condition?: unknown }> })
            .Statement,
      )
      .filter((statement) => [statement.Action].flat().includes(action))
      .map(
        (statement) =>
          (statement.Condition as { StringEquals?: Record<string, string> } | undefined)?.StringEquals?.[
            'kms:EncryptionContext:po:purpose'
          ],
      )
      .filter((purpose) => purpose !== undefined);
    expect(granted.sort()).toEqual([...purposes].sort());
  });

  it('use the project key directly only within their purpose (encryption context), or only via DynamoDB', () => {
    for (const [, policy] of ofType('AWS::IAM::Policy')) {
      const statements = (
        policy.Properties.PolicyDocument as {
          Statement: Array<{
            Action: string | string[];
            Resource: unknown;
            Condition?: Record<string, Record<string, unknown>>;
          }>;
        }
      ).Statement;
      for (const statement of statements) {
        const actions = [statement.Action].flat();
        if (!JSON.stringify(statement.Resource).includes('DataKey')) continue; // the dead-letter queue's own key
        if (!actions.some((a) => /^kms:(Decrypt|Encrypt|GenerateDataKey)$/.test(a))) continue;
        const condition = JSON.stringify(statement.Condition ?? {});
        if (condition.match(/kms:EncryptionContext:po:purpose|kms:ViaService/)) continue;
        // An unconditioned grant (CDK's, for reading an encrypted stream) must be fenced by an explicit deny of
        // any use that does not come through DynamoDB.
        const fence = statements.find(
          (s) =>
            (s as { Effect?: string }).Effect === 'Deny' &&
            JSON.stringify(s.Condition).includes('"StringNotLike":{"kms:ViaService":"dynamodb.*.amazonaws.com"}'),
        );
        expect(fence, 'an unconditioned KMS grant on the project key without a ViaService deny').toBeDefined();
      }
    }
    const orderDecrypt = JSON.stringify(stack.template.toJSON()).includes(
      '"kms:EncryptionContext:po:purpose":"server-key"',
    );
    expect(orderDecrypt).toBe(true);
  });
});
