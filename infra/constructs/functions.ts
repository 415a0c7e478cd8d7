/**
 * The handlers' Lambda functions, one per entry of contract/handlers.ts. One place binds what every function gets —
 * its own log group, its own role with no managed policy, Node 24 on arm64, tracing, the project's bundling, the
 * environment shared/config.ts reads — and the grants infra/access.ts lists for it: exactly the actions it uses on
 * exactly its tables (some only inside a transaction), and the project key only by encryption context (server-key,
 * receipt-key, session-key) or through DynamoDB.
 *
 * Adds its resources to the stack itself, not to a nested construct (see infra/constructs/data.ts).
 */
import { Duration, Validations } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { HANDLERS } from '../../contract/handlers.js';
import type { HandlerDefinition, HandlerName } from '../../contract/handlers.js';
import { TABLES, tableEnvironmentVariable } from '../../contract/tables.js';
import type { TableName } from '../../contract/tables.js';
import { METRICS_NAMESPACE, METRICS_SERVICE } from '../../shared/metrics.js';
import { ATTRIBUTE_ACCESS, KEY_USE, MAIL_SENDERS, TABLE_ACCESS, TRANSACTION_ONLY } from '../access.js';
import { FUNCTION_BUNDLING } from '../bundling.js';
import type { DeploymentParameters } from '../parameters.js';
import { KEEP_DATA } from './data.js';
import type { ProjectData } from './data.js';

/** Adds every handler's function to `stack`, with its log group, its role and its grants. */
export function addHandlerFunctions(
  stack: Stack,
  data: ProjectData,
  parameters: DeploymentParameters,
): Record<HandlerName, NodejsFunction> {
  const environment: Record<string, string> = {
    ...Object.fromEntries(TABLES.map((t) => [tableEnvironmentVariable(t.name), data.tables[t.name].tableName])),
    KMS_KEY_ID: data.key.keyArn,
    CATALOGUE_CURRENCY: parameters.currency,
    OPD_ID: parameters.opdId,
    SERVICE_NAME: METRICS_SERVICE,
    METRICS_NAMESPACE: METRICS_NAMESPACE,
  };

  const functions = {} as Record<HandlerName, NodejsFunction>;
  for (const definition of HANDLERS) {
    const { fn, role } = handlerFunction(stack, definition, data, {
      ...environment,
      ...(MAIL_SENDERS.has(definition.name) ? { SES_SENDER: parameters.sesSender } : {}),
      // Only the sweeper paces itself; the notifier sends as the stream brings mail.
      ...(definition.name === 'sweeper' ? { SES_SEND_RATE: parameters.sesSendRate } : {}),
    });
    grantAccess(stack, role, definition.name, data);
    functions[definition.name] = fn;
  }
  return functions;
}

/** A handler's function with what every function gets: its own log group, and its own role allowed to write to it. */
function handlerFunction(
  stack: Stack,
  definition: HandlerDefinition,
  data: ProjectData,
  environment: Record<string, string>,
): { fn: NodejsFunction; role: iam.Role } {
  const logGroup = new logs.LogGroup(stack, `${definition.name}Logs`, {
    retention: logs.RetentionDays.THREE_MONTHS,
    encryptionKey: data.key,
    removalPolicy: KEEP_DATA,
  });
  // Own role, no managed policies: logs to its own group, and the grants of grantAccess().
  const role = new iam.Role(stack, `${definition.name}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
  // A log group's Arn attribute already ends in ":*" (its streams): nothing wider is granted.
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Only actions without resource-level permissions: X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) and, for notify, dynamodb:ListStreams; test/infra/synth.test.ts checks nothing else uses "*".',
  });
  const fn = new NodejsFunction(stack, `${definition.name}Function`, {
    entry: definition.entry,
    handler: 'handler',
    description: definition.description,
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: definition.memorySize,
    timeout: Duration.seconds(definition.timeoutSeconds),
    role,
    logGroup,
    tracing: lambda.Tracing.ACTIVE,
    environment,
    bundling: FUNCTION_BUNDLING,
  });
  return { fn, role };
}

/** Grants a function's role what infra/access.ts lists for it: its tables (some attributes only) and key purposes. */
function grantAccess(stack: Stack, role: iam.Role, name: HandlerName, { key, tables }: ProjectData): void {
  for (const [table, actions] of Object.entries(TABLE_ACCESS[name]) as Array<[TableName, string[]]>) {
    // Written out rather than table.grant(), which would add every index ("/index/*") to every action: only a
    // Query may use an index, and only the ones the table defines.
    const indexes = (TABLES.find((t) => t.name === table)?.indexes ?? []).map(
      (index) => `${tables[table].tableArn}/index/${index.name}`,
    );
    const inTransactionOnly = TRANSACTION_ONLY[table] ?? [];
    const anyway = actions.filter((action) => !inTransactionOnly.includes(action));
    const transactional = actions.filter((action) => inTransactionOnly.includes(action));
    if (anyway.length > 0)
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: anyway.map((action) => `dynamodb:${action}`),
          resources: [tables[table].tableArn],
        }),
      );
    if (transactional.length > 0)
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: transactional.map((action) => `dynamodb:${action}`),
          resources: [tables[table].tableArn],
          conditions: { 'ForAnyValue:StringEquals': { 'dynamodb:EnclosingOperation': ['TransactWriteItems'] } },
        }),
      );
    if (actions.includes('Query') && indexes.length > 0)
      role.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: indexes }));
  }
  const limited = Object.entries(ATTRIBUTE_ACCESS[name] ?? {}) as Array<
    [TableName, { actions: string[]; attributes: string[] }]
  >;
  for (const [table, access] of limited) {
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: access.actions.map((action) => `dynamodb:${action}`),
        resources: [tables[table].tableArn],
        conditions: {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...access.attributes] },
          StringEqualsIfExists: {
            'dynamodb:Select': 'SPECIFIC_ATTRIBUTES',
            ...(access.actions.includes('UpdateItem') ? { 'dynamodb:ReturnValues': 'NONE' } : {}),
          },
        },
      }),
    );
  }
  if (Object.keys(TABLE_ACCESS[name]).length + limited.length > 0) {
    // DynamoDB uses the table key on the caller's behalf: allow it only through DynamoDB.
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${stack.region}.amazonaws.com` } },
      }),
    );
  }
  for (const use of KEY_USE[name] ?? []) {
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: use.actions,
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:EncryptionContext:po:purpose': use.purpose } },
      }),
    );
  }
}
