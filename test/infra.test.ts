/**
 * The CDK stack: Template assertions for what the design requires, and cdk-nag's AwsSolutions checks with zero
 * unacknowledged findings. A control stack proves the nag harness reports violations (so a clean result means clean).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { HANDLERS } from '../contract/handlers.js';
import { TABLES } from '../contract/tables.js';
import { PurchaseOrdersStack } from '../infra/stack.js';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

let template: Template;
let resources: Resources;
let nagReport: unknown;

let outdirOfStack: string;

function synthWithNag(build: (app: App) => void): { report: unknown; error: unknown; outdir: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'po-cdk-'));
  const app = new App({ outdir });
  build(app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let error: unknown;
  try {
    app.synth();
  } catch (caught) {
    error = caught;
  }
  const reportFile = join(outdir, 'policy-validation-report.json');
  return {
    report: existsSync(reportFile) ? JSON.parse(readFileSync(reportFile, 'utf8')) : undefined,
    error,
    outdir,
  };
}

beforeAll(() => {
  let stack!: PurchaseOrdersStack;
  const { report, error, outdir } = synthWithNag((app) => {
    stack = new PurchaseOrdersStack(app, 'PurchaseOrders');
  });
  expect(error, String(error)).toBeUndefined();
  outdirOfStack = outdir;
  nagReport = report;
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Resources;
}, 120_000);

const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);

describe('the deployed bundles', () => {
  /** The bundled code CDK synthesized for a function, from its asset directory. */
  function deployedBundle(name: string): { files: string[]; code: string } {
    const [, fn] = ofType('AWS::Lambda::Function').find(([id]) => id.startsWith(`${name}Function`))!;
    const key = (fn.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '');
    const directory = join(outdirOfStack, `asset.${key}`);
    return { files: readdirSync(directory), code: readFileSync(join(directory, 'index.mjs'), 'utf8') };
  }

  it('the order function ships as measured: one file under 400 KiB, no source map, no X-Ray SDK, no full credential chain', () => {
    const { files, code } = deployedBundle('order');
    expect(files).toEqual(['index.mjs']);
    expect(Buffer.byteLength(code)).toBeLessThanOrEqual(400 * 1024);
    expect(code).not.toContain('sourceMappingURL');
    expect(code).not.toContain('AWS_XRAY_CONTEXT_MISSING'); // aws-xray-sdk-core
    expect(code).not.toContain('defaultProvider::fromSSO'); // @aws-sdk/credential-provider-node's chain
    expect(code).toContain('AWS_ACCESS_KEY_ID'); // …replaced by the environment's credentials, which Lambda sets
  });

  it('no function runs with source maps enabled', () => {
    for (const [, fn] of ofType('AWS::Lambda::Function'))
      expect(JSON.stringify(fn.Properties.Environment ?? {})).not.toContain('enable-source-maps');
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  it('reports no unacknowledged finding', () => {
    const violations = JSON.stringify(nagReport ?? {}).match(/"ruleName":"AwsSolutions-[^"]+"/g) ?? [];
    expect(violations).toEqual([]);
  });

  it('does report findings when there are some (control: a table without PITR or a customer key)', () => {
    const { report, error } = synthWithNag((app) => {
      new dynamodb.Table(new Stack(app, 'Control'), 'Bare', {
        partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      });
    });
    expect((error instanceof Error ? error.message : '') + JSON.stringify(report ?? {})).toMatch(/AwsSolutions-DDB3/);
  });

  it('acknowledges the "*" resource only for actions that have no resource-level permissions', () => {
    for (const [, policy] of ofType('AWS::IAM::Policy')) {
      const statements = (
        policy.Properties.PolicyDocument as { Statement: Array<{ Action: string | string[]; Resource: unknown }> }
      ).Statement;
      for (const statement of statements.filter((s) => s.Resource === '*')) {
        for (const action of [statement.Action].flat())
          expect(action).toMatch(/^(xray:PutTraceSegments|xray:PutTelemetryRecords|dynamodb:ListStreams)$/);
      }
    }
  });
});

describe('tables', () => {
  it('are on-demand, with point-in-time recovery, encrypted with the project KMS key, and retained', () => {
    const tables = ofType('AWS::DynamoDB::Table');
    expect(tables).toHaveLength(6);
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

  it('stream new images from orders only', () => {
    const streaming = ofType('AWS::DynamoDB::Table').filter(([, t]) => t.Properties.StreamSpecification);
    expect(streaming).toHaveLength(1);
    expect(streaming[0]![1].Properties).toMatchObject({
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      KeySchema: [
        { AttributeName: 'customerId', KeyType: 'HASH' },
        { AttributeName: 'orderId', KeyType: 'RANGE' },
      ],
    });
  });

  it('use a KMS key with rotation on', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });
});

describe('what a deploy keeps', () => {
  type Kept = { Type: string; DeletionPolicy?: string; UpdateReplacePolicy?: string };
  const everything = () => Object.entries(resources as unknown as Record<string, Kept>);
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

describe('functions', () => {
  it('one per handler: nodejs24.x on arm64, traced, own log group with retention', () => {
    const functions = ofType('AWS::Lambda::Function').filter(([id]) => !id.startsWith('KeyProvisionerframework'));
    expect(functions).toHaveLength(HANDLERS.length);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: expect.anything() as unknown },
      });
    }
    for (const [, group] of ofType('AWS::Logs::LogGroup')) expect(group.Properties.RetentionInDays).toBeGreaterThan(0);
  });

  /** DynamoDB actions per table, per function role, as granted in the template. */
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
    ['login', { customers: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], keys: ['dynamodb:Query'] }],
    ['authorizer', { customers: ['dynamodb:GetItem'], keys: ['dynamodb:Query'] }],
    [
      'order',
      {
        customers: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], // limited to what an order checks: see below
        inventory: ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
        orders: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        ledger: ['dynamodb:PutItem'],
        keys: ['dynamodb:Query'],
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
      },
    ],
    [
      'admin',
      {
        customers: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'],
        inventory: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
        orders: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        // Append-only: nobody may update or delete a ledger entry.
        ledger: ['dynamodb:PutItem', 'dynamodb:Query'],
        keys: ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        idempotency: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      },
    ],
    ['notify', { customers: ['dynamodb:GetItem'], orders: ['dynamodb:UpdateItem'] }],
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
            'dynamodb:Attributes': ['customerId', 'tokenVersion', 'role', 'balanceCents', 'ledgerSeq', 'keys'],
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
        IndexName: 'byStatus',
        KeySchema: [
          { AttributeName: 'status', KeyType: 'HASH' },
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
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
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
    const orderDecrypt = JSON.stringify(template.toJSON()).includes('"kms:EncryptionContext:po:purpose":"server-key"');
    expect(orderDecrypt).toBe(true);
  });
});

describe('API', () => {
  /** Full path of each API Gateway resource, from the PathPart/ParentId tree. */
  function paths(): Map<string, string> {
    const byId = new Map(ofType('AWS::ApiGateway::Resource'));
    const resolve = (ref: unknown): string => {
      const id = (ref as { Ref?: string }).Ref;
      if (!id || !byId.has(id)) return '';
      const resource = byId.get(id)!;
      return `${resolve(resource.Properties.ParentId)}/${resource.Properties.PathPart as string}`;
    };
    return new Map([...byId.keys()].map((id) => [id, resolve({ Ref: id })]));
  }

  it('puts the authorizer on every route except POST /login, GET /health, GET /server-key and GET /receipt-keys', () => {
    const pathOf = paths();
    const methods = ofType('AWS::ApiGateway::Method').map(([, m]) => ({
      route: `${m.Properties.HttpMethod as string} ${pathOf.get((m.Properties.ResourceId as { Ref?: string }).Ref ?? '') ?? '/'}`,
      authorization: m.Properties.AuthorizationType,
    }));
    const open = methods
      .filter((m) => m.authorization === 'NONE')
      .map((m) => m.route)
      .sort();
    expect(open).toEqual(['GET /health', 'GET /receipt-keys', 'GET /server-key', 'POST /login']);
    expect(methods.filter((m) => m.authorization === 'CUSTOM').length).toBe(methods.length - 4);
    expect(methods.map((m) => m.route)).toEqual(
      expect.arrayContaining([
        'POST /orders',
        'GET /orders/{id}',
        'POST /admin/server-keys/rotate',
        'POST /admin/receipt-keys/rotate',
        'DELETE /admin/customers/{customerId}/keys/{keyId}',
      ]),
    );
  });

  it('grants API Gateway one invoke permission per function, and one per authorizer: routes do not grow resource policies', () => {
    const functionIds = ofType('AWS::Lambda::Function').map(([id]) => id);
    const authorizers = ofType('AWS::ApiGateway::Authorizer').length;
    expect(authorizers).toBe(2);
    const permissions = ofType('AWS::Lambda::Permission').map(([, permission]) => ({
      fn: (permission.Properties.FunctionName as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0],
      principal: permission.Properties.Principal as string,
      source: JSON.stringify(permission.Properties.SourceArn),
    }));
    expect(permissions.every((permission) => functionIds.includes(permission.fn))).toBe(true);
    for (const fn of functionIds) {
      const mine = permissions.filter((permission) => permission.fn === fn);
      const fromApi = mine.filter((p) => p.principal === 'apigateway.amazonaws.com');
      const routes = fromApi.filter((p) => !p.source.includes('/authorizers/'));
      expect(routes.length, fn).toBeLessThanOrEqual(1);
      // The API's own execute-api ARN with every stage, method and path: `…:{apiId}/*/*/*`.
      for (const route of routes) expect(route.source, fn).toMatch(/"\/\*\/\*\/\*"\]\]\}$/);
      expect(fromApi.length - routes.length, fn).toBeLessThanOrEqual(authorizers);
      // Anything else: the schedule that runs the sweeper, at most one.
      expect(mine.length - fromApi.length, fn).toBeLessThanOrEqual(1);
    }
    expect(permissions.length).toBeLessThanOrEqual(functionIds.length + authorizers + 1);
  });

  it('checks sessions on every request (no authorizer cache), validates requests, throttles, logs access, traces', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'TOKEN', AuthorizerResultTtlInSeconds: 0 });
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
      MethodSettings: [
        Match.objectLike({
          ThrottlingRateLimit: { Ref: 'ApiRateLimit' },
          ThrottlingBurstLimit: { Ref: 'ApiBurstLimit' },
          DataTraceEnabled: false,
        }),
      ],
    });
    // Traffic limits are parameters with production defaults (their bounds: see the next test).
    for (const [name, value] of [
      ['ApiRateLimit', 50],
      ['ApiBurstLimit', 100],
      ['WafRateLimit', 2000],
      ['WafLoginRateLimit', 20],
    ] as const)
      template.hasParameter(name, { Type: 'Number', Default: value });
    template.hasResourceProperties('AWS::XRay::SamplingRule', {
      SamplingRule: Match.objectLike({ FixedRate: 0.05, ReservoirSize: 1 }),
    });
    template.hasResourceProperties('AWS::ApiGateway::Model', {
      Schema: Match.objectLike({
        properties: { envelope: { type: 'string', minLength: 1, maxLength: 32768 } }, // the envelope's 413 is the handler's
        additionalProperties: false,
      }),
    });
  });

  it('samples traces of this API’s stage only: the X-Ray rule names its service, type and ARN, not every API of the account', () => {
    const rules = ofType('AWS::XRay::SamplingRule');
    expect(rules).toHaveLength(1);
    const rule = (rules[0]![1].Properties as { SamplingRule: Record<string, unknown> }).SamplingRule;
    const apiId = ofType('AWS::ApiGateway::RestApi')[0]![0];
    const stage = ofType('AWS::ApiGateway::Stage')[0]![1].Properties.StageName as string;
    expect(rule).toMatchObject({
      FixedRate: 0.05,
      ReservoirSize: 1,
      ServiceName: `PurchaseOrders/${stage}`, // API Gateway's service name: {api-name}/{stage-name}
      ServiceType: 'AWS::ApiGateway::Stage',
      ResourceARN: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':apigateway:',
            { Ref: 'AWS::Region' },
            '::/restapis/',
            { Ref: apiId },
            `/stages/${stage}`,
          ],
        ],
      },
    });
    expect(resources[apiId]!.Properties.Name).toBe('PurchaseOrders');
  });

  it('throttles each method on its own (the stage’s */* method settings), as docs/operations.md and the README say', () => {
    const [, stage] = ofType('AWS::ApiGateway::Stage')[0]!;
    expect(stage.Properties.MethodSettings).toEqual([
      expect.objectContaining({ ResourcePath: '/*', HttpMethod: '*', ThrottlingRateLimit: { Ref: 'ApiRateLimit' } }),
    ]);
    const operations = readFileSync('docs/operations.md', 'utf8');
    expect(operations).toContain('| API Gateway throttle, per method |');
    for (const text of [operations, readFileSync('README.md', 'utf8')]) expect(text).not.toMatch(/stage\s+throttle/);
  });

  it('bounds every number parameter by what its service accepts: a WAF rate limit below 10 fails at the parameter', () => {
    const parameters = Object.entries(
      template.toJSON().Parameters as Record<
        string,
        { Type: string; Default?: number; MinValue?: number; MaxValue?: number }
      >,
    ).filter(([, parameter]) => parameter.Type === 'Number');
    expect(parameters.map(([name]) => name).sort()).toEqual([
      'ApiBurstLimit',
      'ApiRateLimit',
      'WafLoginRateLimit',
      'WafRateLimit',
    ]);
    for (const [name, parameter] of parameters) {
      expect(parameter.MinValue, name).toBeGreaterThanOrEqual(1);
      expect(parameter.MaxValue, name).toBeGreaterThan(parameter.MinValue!);
      expect(parameter.Default, name).toBeGreaterThanOrEqual(parameter.MinValue!);
      expect(parameter.Default, name).toBeLessThanOrEqual(parameter.MaxValue!);
    }
    // WAF's rate-based statement takes 10 to 2,000,000,000 requests per window.
    for (const name of ['WafRateLimit', 'WafLoginRateLimit'])
      template.hasParameter(name, { MinValue: 10, MaxValue: 2_000_000_000 });
    // API Gateway's account quota: 10,000 requests per second, burst 5,000.
    template.hasParameter('ApiRateLimit', { MinValue: 1, MaxValue: 10_000 });
    template.hasParameter('ApiBurstLimit', { MinValue: 1, MaxValue: 5_000 });
  });

  it.each(['AUTHORIZER_FAILURE', 'AUTHORIZER_CONFIGURATION_ERROR'])(
    'answers authorizer failures (%s: a thrown authorizer is a configuration error) with 503 and Retry-After, not 500',
    (type) => {
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        StatusCode: '503',
        ResponseParameters: Match.objectLike({ 'gatewayresponse.header.Retry-After': "'2'" }),
        ResponseTemplates: {
          'application/json': Match.serializedJson(
            Match.objectLike({ error: Match.objectLike({ code: 'service_unavailable' }) }),
          ),
        },
      });
    },
  );

  it('is protected by a WAF web ACL with a /login rate limit and AWS managed rules', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: Match.anyValue(),
      WebACLArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebAcl'), 'Arn'] },
    });
    const acl = ofType('AWS::WAFv2::WebACL')[0]![1].Properties as {
      Rules: Array<{ Name: string; Statement: Record<string, unknown> }>;
    };
    const login = acl.Rules.find((r) => r.Name === 'LoginRateLimit')!;
    expect(login.Statement).toMatchObject({
      RateBasedStatement: {
        AggregateKeyType: 'IP',
        ScopeDownStatement: { ByteMatchStatement: { SearchString: '/login' } },
      },
    });
    expect(acl.Rules.map((r) => r.Name)).toEqual(
      expect.arrayContaining(['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet']),
    );
  });
});

describe('gateway responses', () => {
  it('carry the same security headers as every handler response (nosniff, no-store, HSTS)', () => {
    for (const [, response] of ofType('AWS::ApiGateway::GatewayResponse'))
      expect(response.Properties.ResponseParameters).toMatchObject({
        'gatewayresponse.header.X-Content-Type-Options': "'nosniff'",
        'gatewayresponse.header.Cache-Control': "'no-store'",
        'gatewayresponse.header.Strict-Transport-Security': "'max-age=63072000; includeSubDomains'",
        'gatewayresponse.header.Content-Type': "'application/json; charset=utf-8'",
      });
  });

  it('a method and path no route has (API Gateway says "Missing Authentication Token") is 404 not_found, not 403', () => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'MISSING_AUTHENTICATION_TOKEN',
      StatusCode: '404',
      ResponseTemplates: {
        'application/json': Match.serializedJson(Match.objectLike({ error: Match.objectLike({ code: 'not_found' }) })),
      },
    });
  });

  it('a credit without an Idempotency-Key is refused at the edge (a required header, validated), 400', () => {
    const credit = ofType('AWS::ApiGateway::Method').filter(
      ([, method]) =>
        method.Properties.HttpMethod === 'POST' && JSON.stringify(method.Properties.ResourceId).includes('credit'),
    );
    expect(credit).toHaveLength(1);
    expect(credit[0]![1].Properties).toMatchObject({
      RequestParameters: { 'method.request.header.Idempotency-Key': true },
      RequestValidatorId: { Ref: expect.stringMatching(/^Validator/) as unknown },
    });
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'BAD_REQUEST_PARAMETERS',
      StatusCode: '400',
    });
  });

  it('use registered error codes with the status the one error mapping gives them', async () => {
    const { HTTP_STATUS } = await import('../shared/http.js');
    const responses = ofType('AWS::ApiGateway::GatewayResponse');
    expect(responses.length).toBeGreaterThanOrEqual(7);
    for (const [, response] of responses) {
      const template = (response.Properties.ResponseTemplates as Record<string, string>)['application/json']!;
      const { error } = JSON.parse(template) as { error: { code: keyof typeof HTTP_STATUS } };
      expect(HTTP_STATUS[error.code], error.code).toBeDefined();
      if (response.Properties.StatusCode !== undefined)
        expect(Number(response.Properties.StatusCode)).toBe(HTTP_STATUS[error.code]);
    }
  });
});

describe('alarms', () => {
  type Alarm = {
    AlarmActions?: unknown[];
    OKActions?: unknown[];
    MetricName?: string;
    Namespace?: string;
    Dimensions?: Array<{ Name: string; Value: unknown }>;
    Metrics?: Array<{ Expression?: string; MetricStat?: { Metric: { MetricName: string; Dimensions: unknown[] } } }>;
    Threshold: number;
    ComparisonOperator: string;
    Statistic?: string;
  };
  const alarms = () =>
    ofType('AWS::CloudWatch::Alarm').map(([id, alarm]) => [id, alarm.Properties as unknown as Alarm] as const);
  const topicId = () => ofType('AWS::SNS::Topic').map(([id]) => id)[0]!;
  /** The alarms watching a metric of that name (alone, or in a math expression), with that dimension value. */
  const watching = (metricName: string, dimension?: RegExp) =>
    alarms().filter(([, alarm]) => {
      const metrics = alarm.MetricName
        ? [{ MetricName: alarm.MetricName, Dimensions: alarm.Dimensions ?? [] }]
        : (alarm.Metrics ?? []).flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : []));
      return metrics.some(
        (metric) =>
          metric.MetricName === metricName && (!dimension || dimension.test(JSON.stringify(metric.Dimensions))),
      );
    });

  it('notify one SNS topic, encrypted with a KMS key CloudWatch may use, TLS only; its ARN is an output', () => {
    expect(ofType('AWS::SNS::Topic')).toHaveLength(1);
    const topic = topicId();
    const [, topicResource] = ofType('AWS::SNS::Topic')[0]!;
    const keyId = (topicResource.Properties.KmsMasterKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    expect(keyId).toMatch(/^AlarmTopicKey/);
    expect(resources[keyId]!.Properties).toMatchObject({
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]) as unknown,
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ]),
      },
    });
    template.hasOutput('AlarmTopicArn', { Value: { Ref: topic } });
  });

  it('every alarm notifies the topic when raised and when cleared', () => {
    expect(alarms().length).toBeGreaterThan(1);
    for (const [id, alarm] of alarms()) {
      expect(alarm.AlarmActions, id).toEqual([{ Ref: topicId() }]);
      expect(alarm.OKActions, id).toEqual([{ Ref: topicId() }]);
    }
  });

  it('watch the dead letters, the stream’s age, the API’s 5xx, mail given up and mail owed past 15 minutes', () => {
    const one = (metricName: string) => {
      const found = watching(metricName);
      expect(found, metricName).toHaveLength(1);
      return found[0]![1];
    };
    expect(one('ApproximateNumberOfMessagesVisible')).toMatchObject({
      Namespace: 'AWS/SQS',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [expect.stringMatching(/^NotifyDeadLetters/), 'QueueName'] } },
      ],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(one('IteratorAge')).toMatchObject({
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: expect.stringMatching(/^notifyFunction/) as unknown } }],
      Statistic: 'Maximum',
    });
    expect(one('5XXError')).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      Dimensions: expect.arrayContaining([{ Name: 'ApiName', Value: 'PurchaseOrders' }]) as unknown,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(one('EmailFailed')).toMatchObject({ Namespace: 'PurchaseOrders', Threshold: 1 });
    expect(one('OldestOwedMailAge')).toMatchObject({
      Namespace: 'PurchaseOrders',
      Dimensions: [{ Name: 'service', Value: 'purchase-orders' }],
      Statistic: 'Maximum',
      Threshold: 15 * 60,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it.each(HANDLERS.map((handler) => handler.name))('watch the %s function’s errors and throttles', (name) => {
    const fn = new RegExp(`"${name}Function[0-9A-F]{8}"`);
    expect(watching('Errors', fn), name).toHaveLength(1);
    expect(watching('Throttles', fn), name).toHaveLength(1);
  });

  it('the authorizer’s errors alarm leaves out refused tokens (each one a Lambda error), counted from its log', () => {
    const [[, alarm]] = watching('Errors', /"authorizerFunction/) as unknown as [[string, Alarm]];
    expect(alarm.Metrics?.find((m) => m.Expression)?.Expression).toBe('errors - FILL(refused, 0)');
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: Match.stringLikeRegexp('^authorizerLogs') },
      FilterPattern: '{ $.message = "token refused" }',
      MetricTransformations: [Match.objectLike({ MetricName: 'SessionRefused', MetricNamespace: 'PurchaseOrders' })],
    });
  });

  it.each(TABLES.map((table) => table.name))('watch the %s table’s throttled requests', (name) => {
    const table = new RegExp(`"${name}Table[0-9A-F]{8}"`);
    const reads = watching('ReadThrottleEvents', table);
    expect(reads, name).toHaveLength(1);
    expect(watching('WriteThrottleEvents', table)).toEqual(reads);
  });

  /** The alarms docs/operations.md lists (`<function>` and `<table>` stand for each one), and the metrics they cost. */
  function documentedAlarms(): { names: string[]; metrics: number } {
    const text = readFileSync('docs/operations.md', 'utf8');
    const section = text.slice(text.indexOf('## Alarms'), text.indexOf('## What a deploy keeps'));
    const names = section
      .split('\n')
      .filter((line) => /^\| `/.test(line))
      .map((line) => /^\| `([^`]+)`/.exec(line)![1]!)
      .flatMap((name) =>
        name.includes('<function>')
          ? HANDLERS.map((handler) => name.replace('<function>', handler.name))
          : name.includes('<table>')
            ? TABLES.map((table) => name.replace('<table>', table.name))
            : [name],
      );
    const cost = /(\d+) alarms watching (\d+)\s+metrics/.exec(text.replace(/\n\s*/g, ' '));
    expect(Number(cost?.[1])).toBe(names.length);
    return { names, metrics: Number(cost?.[2]) };
  }

  it('are the ones docs/operations.md lists, and cost what it says', () => {
    const documented = documentedAlarms();
    expect(
      alarms()
        .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''))
        .sort(),
    ).toEqual([...documented.names].sort());
    const metrics = alarms().reduce(
      (total, [, alarm]) => total + (alarm.MetricName ? 1 : (alarm.Metrics ?? []).filter((m) => m.MetricStat).length),
      0,
    );
    expect(metrics).toBe(documented.metrics);
  });
});

describe('notify and keys', () => {
  it('reads the orders stream (inserts, and changes owing a notice), reports partial failures, dead-letters to SQS', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NotifyDeadLetters'), 'Arn'] } },
      },
      FilterCriteria: {
        Filters: [
          { Pattern: JSON.stringify({ eventName: ['INSERT'] }) },
          {
            Pattern: JSON.stringify({
              eventName: ['MODIFY'],
              dynamodb: { NewImage: { noticeStatus: { S: ['pending'] } } },
            }),
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: Match.anyValue(),
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });

  it('provisions the first keys with a custom resource and outputs the API URL, server and receipt key IDs', () => {
    template.resourceCountIs('AWS::CloudFormation::CustomResource', 1);
    // Version 2 brought receipt keys: a changed property makes CloudFormation run provisioning on existing stacks.
    template.hasResourceProperties('AWS::CloudFormation::CustomResource', { Version: '2' });
    template.hasOutput('ApiUrl', {});
    template.hasOutput('ServerKeyId', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Keys'), 'ServerKeyId'] } });
    template.hasOutput('ReceiptKeyId', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Keys'), 'ReceiptKeyId'] } });
    template.hasParameter('SesSender', { Type: 'String' });
  });

  it('takes the catalogue currency and the OPD name (the receipts’ issuer) as parameters with defaults', () => {
    template.hasParameter('Currency', { Type: 'String', Default: 'USD', AllowedPattern: '^[A-Z]{3}$' });
    template.hasParameter('OpdId', { Type: 'String', Default: 'opd' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ CATALOGUE_CURRENCY: { Ref: 'Currency' }, OPD_ID: { Ref: 'OpdId' } }),
      },
    });
  });
});
