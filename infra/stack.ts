/**
 * The OPD on AWS: API Gateway (REST, WAF, throttling, access logs, tracing, request validation, a Lambda authorizer)
 * in front of one Lambda per handler; DynamoDB tables encrypted with the project's KMS key; the orders stream feeding
 * the notifier (SES, with an SQS dead-letter queue); a custom resource that provisions the first keys; alarms that
 * notify an SNS topic (infra/alarms.ts).
 *
 * Every function has its own role with exactly the actions it uses on exactly its tables, and KMS use limited by
 * encryption context (server-key vs session-key). cdk-nag (AwsSolutions) runs in infra/app.ts and in the tests.
 */
import { CfnOutput, CfnParameter, CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import * as xray from 'aws-cdk-lib/aws-xray';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { HANDLERS } from '../contract/handlers.js';
import type { HandlerDefinition } from '../contract/handlers.js';
import { BUNDLING } from './bundling.js';
import {
  AUTHORIZATION_HEADER_PATTERN,
  AUTHORIZER_CACHE_SECONDS,
  GATEWAY_RESPONSES,
  ROUTES,
  pathParameters,
} from './routes.js';
import { TABLES, tableEnvironmentVariable } from '../contract/tables.js';
import { addAlarms } from './alarms.js';
import { MAX_BODY_BYTES, SECURITY_HEADERS } from '../shared/http.js';
import { METRICS_NAMESPACE, METRICS_SERVICE } from '../shared/metrics.js';
import { ORDERING_ATTRIBUTES } from '../shared/aws/customers.js';
import type { SecretPurpose } from '../shared/aws/kms.js';
import type { KeyAttribute, TableDefinition } from '../contract/tables.js';

type TableName = TableDefinition['name'];
type FunctionName = HandlerDefinition['name'];

/** DynamoDB actions each function performs, per table. Anything not listed is denied. */
const TABLE_ACCESS: Readonly<Record<FunctionName, Partial<Record<TableName, string[]>>>> = {
  login: { customers: ['GetItem', 'UpdateItem'], keys: ['Query'] },
  password: { customers: ['GetItem', 'UpdateItem'], keys: ['Query'] },
  authorizer: { customers: ['GetItem'], keys: ['Query'] },
  order: {
    inventory: ['BatchGetItem', 'UpdateItem'],
    orders: ['GetItem', 'PutItem', 'UpdateItem', 'Query'],
    ledger: ['PutItem'],
    keys: ['Query'],
  },
  read: { inventory: ['Scan'], orders: ['GetItem', 'BatchGetItem', 'Query'], ledger: ['Query'], keys: ['Query'] },
  admin: {
    customers: ['GetItem', 'PutItem', 'UpdateItem', 'Scan'],
    inventory: ['PutItem', 'UpdateItem'],
    orders: ['GetItem', 'Query', 'UpdateItem'],
    ledger: ['PutItem', 'Query'],
    keys: ['Query', 'PutItem', 'UpdateItem'],
    // A credit's Idempotency-Key, put in the credit's own transaction; a resent one comes back as the refusal's item,
    // or is read when the account as it now is would refuse the resent credit (its first sending moved it).
    idempotency: ['GetItem', 'PutItem'],
  },
  notify: { orders: ['UpdateItem'] },
  sweeper: { orders: ['GetItem', 'UpdateItem', 'Query'] },
  provision: { keys: ['Query', 'PutItem', 'UpdateItem'] },
};

/** Functions that send email: the notifier, the sweeper, and the admin function (an administrator's retry). */
const MAIL_SENDERS: ReadonlySet<FunctionName> = new Set(['notify', 'sweeper', 'admin']);

/**
 * DynamoDB access limited to some attributes of an item (IAM fine-grained access control, the pattern of AWS's IAM
 * guide "Amazon DynamoDB: Allows access to specific attributes"), with no item returned beyond them (`ReturnValues`
 * NONE). Only the login, password, authorizer and admin functions may read a customer's password hash.
 */
const ATTRIBUTE_ACCESS: Readonly<
  Partial<Record<FunctionName, Partial<Record<TableName, { actions: string[]; attributes: readonly string[] }>>>>
> = {
  // Public keys for evidence bundles, the balance for GET /account.
  read: { customers: { actions: ['GetItem'], attributes: ['customerId', 'keys', 'balanceCents', 'ledgerSeq'] } },
  // The order path: the account it debits and refunds, and what the debit checks at commit (token version, role, key
  // status). The update's conditions name those attributes, so they are granted; the update sets only the balance and
  // the ledger sequence (shared/aws/accounts.ts).
  order: { customers: { actions: ['GetItem', 'UpdateItem'], attributes: ORDERING_ATTRIBUTES } },
  // The address a confirmation or notice goes to, looked up when it is sent.
  notify: { customers: { actions: ['GetItem'], attributes: ['customerId', 'email'] } },
  sweeper: { customers: { actions: ['GetItem'], attributes: ['customerId', 'email'] } },
};

/** KMS operations on the project key each function performs directly (not via DynamoDB), by encryption-context purpose. */
const KEY_USE: Readonly<Partial<Record<FunctionName, Array<{ actions: string[]; purpose: SecretPurpose }>>>> = {
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

/** The API's one stage: its URL's last segment, and what the X-Ray sampling rule matches. */
const API_STAGE = 'prod';

/** A WAF rate-based rule's limit: WAF refuses fewer than 10 requests per evaluation window, or more than 2·10⁹. */
const WAF_RATE_BOUNDS = { min: 10, max: 2_000_000_000 } as const;

/**
 * API Gateway's throttle: a method's limits cannot usefully exceed the account's regional quota (10,000 requests per
 * second, burst 5,000, unless AWS raised them on request: then raise these too).
 */
const API_THROTTLE_BOUNDS = { rate: { min: 1, max: 10_000 }, burst: { min: 1, max: 5_000 } } as const;

const attributeType = (type: KeyAttribute['type']) =>
  type === 'N' ? dynamodb.AttributeType.NUMBER : dynamodb.AttributeType.STRING;
const cdkKey = (key: KeyAttribute) => ({ name: key.name, type: attributeType(key.type) });

/**
 * What holds data — the tables, the key that encrypts them, the log groups — is kept when the stack is deleted, when
 * the resource is removed from the template or replaced (CloudFormation `RetainExceptOnCreate`, with
 * `UpdateReplacePolicy: Retain`), and deleted only when the operation that created it rolls back: a failed first
 * deploy leaves nothing behind. docs/operations.md ("What a deploy keeps") has the whole list.
 */
const KEEP_DATA = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;

/** One table of infra/tables.ts: on demand, point-in-time recovery, the project key, kept when the stack goes. */
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
      ...(index.include
        ? { projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: [...index.include] }
        : { projectionType: dynamodb.ProjectionType.KEYS_ONLY }),
    });
  }
  return table;
}

export class PurchaseOrdersStack extends Stack {
  readonly api: apigw.RestApi;
  readonly functions: Readonly<Record<FunctionName, NodejsFunction>>;
  readonly tables: Readonly<Record<TableName, dynamodb.Table>>;
  private readonly limits: { apiRate: number; apiBurst: number; wafPerIp: number; wafLoginPerIp: number };

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const sesSender = new CfnParameter(this, 'SesSender', {
      type: 'String',
      description: 'Verified SES identity (email address) that order confirmations are sent from',
      allowedPattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$',
      constraintDescription: 'an email address verified in SES',
    });

    const currency = new CfnParameter(this, 'Currency', {
      type: 'String',
      default: 'USD',
      description: 'ISO 4217 code of the catalogue (two minor digits): prices, signed orders and receipts use it',
      allowedPattern: '^[A-Z]{3}$',
    });
    const opdId = new CfnParameter(this, 'OpdId', {
      type: 'String',
      default: 'opd',
      description: "The OPD's name in the receipts it signs (their iss), as customers and third parties will read it",
      allowedPattern: '^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$',
    });

    // Traffic limits: production defaults, tunable per deployment without a code change (README: Deploying). Each is
    // bounded by what the service accepts or can use, so a typo fails at the parameter, before anything changes.
    const limit = (id: string, defaultValue: number, bounds: { min: number; max: number }, description: string) =>
      new CfnParameter(this, id, {
        type: 'Number',
        default: defaultValue,
        minValue: bounds.min,
        maxValue: bounds.max,
        description: `${description} (${bounds.min}–${bounds.max})`,
      }).valueAsNumber;
    this.limits = {
      apiRate: limit(
        'ApiRateLimit',
        50,
        API_THROTTLE_BOUNDS.rate,
        'API Gateway throttle of each method (route): steady requests per second',
      ),
      apiBurst: limit(
        'ApiBurstLimit',
        100,
        API_THROTTLE_BOUNDS.burst,
        'API Gateway throttle of each method (route): burst',
      ),
      wafPerIp: limit('WafRateLimit', 2000, WAF_RATE_BOUNDS, 'WAF: requests per IP per 5 minutes, every route'),
      wafLoginPerIp: limit(
        'WafLoginRateLimit',
        20,
        WAF_RATE_BOUNDS,
        'WAF: POST /login per IP per 5 minutes (password guessing)',
      ),
    };

    const key = new kms.Key(this, 'DataKey', {
      description:
        'Purchase orders: encrypts the tables, the log groups and the wrapped server, receipt and session keys',
      enableKeyRotation: true,
      removalPolicy: KEEP_DATA,
    });
    // CloudWatch Logs encrypts the log groups with the same key.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        principals: [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${this.partition}:logs:${this.region}:${this.account}:log-group:*`,
          },
        },
      }),
    );

    const tables = Object.fromEntries(
      TABLES.map((definition) => [definition.name, tableFor(this, definition, key)]),
    ) as Record<TableName, dynamodb.Table>;
    this.tables = tables;

    const environment: Record<string, string> = {
      ...Object.fromEntries(TABLES.map((t) => [tableEnvironmentVariable(t.name), tables[t.name].tableName])),
      KMS_KEY_ID: key.keyArn,
      CATALOGUE_CURRENCY: currency.valueAsString,
      OPD_ID: opdId.valueAsString,
      POWERTOOLS_SERVICE_NAME: METRICS_SERVICE,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    };

    const functions = {} as Record<FunctionName, NodejsFunction>;
    for (const definition of HANDLERS) {
      const logGroup = new logs.LogGroup(this, `${definition.name}Logs`, {
        retention: logs.RetentionDays.THREE_MONTHS,
        encryptionKey: key,
        removalPolicy: KEEP_DATA,
      });
      // Own role, no managed policies: logs to its own group, and the grants below.
      const role = new iam.Role(this, `${definition.name}Role`, {
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
          'Only actions without resource-level permissions: X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) and, for notify, dynamodb:ListStreams; test/infra.test.ts checks nothing else uses "*".',
      });
      const fn = new NodejsFunction(this, `${definition.name}Function`, {
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
        environment: MAIL_SENDERS.has(definition.name)
          ? { ...environment, SES_SENDER: sesSender.valueAsString }
          : environment,
        bundling: {
          minify: BUNDLING.minify,
          sourceMap: BUNDLING.sourceMap,
          target: BUNDLING.target,
          format: OutputFormat.ESM,
          banner: BUNDLING.banner,
          mainFields: [...BUNDLING.mainFields],
          // esbuild resolves the alias's path from the project root, where CDK runs it.
          esbuildArgs: {
            '--alias': `@aws-sdk/credential-provider-node=${BUNDLING.alias['@aws-sdk/credential-provider-node']}`,
          },
          externalModules: [], // bundle the AWS SDK: pinned with the code
        },
      });
      for (const [table, actions] of Object.entries(TABLE_ACCESS[definition.name]) as Array<[TableName, string[]]>) {
        // Written out rather than table.grant(), which would add every index ("/index/*") to every action: only a
        // Query may use an index, and only the ones the table defines.
        const indexes = (TABLES.find((t) => t.name === table)?.indexes ?? []).map(
          (index) => `${tables[table].tableArn}/index/${index.name}`,
        );
        role.addToPolicy(
          new iam.PolicyStatement({
            actions: actions.map((action) => `dynamodb:${action}`),
            resources: [tables[table].tableArn],
          }),
        );
        if (actions.includes('Query') && indexes.length > 0)
          role.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: indexes }));
      }
      const limited = Object.entries(ATTRIBUTE_ACCESS[definition.name] ?? {}) as Array<
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
      if (Object.keys(TABLE_ACCESS[definition.name]).length + limited.length > 0) {
        // DynamoDB uses the table key on the caller's behalf: allow it only through DynamoDB.
        role.addToPolicy(
          new iam.PolicyStatement({
            actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
            resources: [key.keyArn],
            conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${this.region}.amazonaws.com` } },
          }),
        );
      }
      for (const use of KEY_USE[definition.name] ?? []) {
        role.addToPolicy(
          new iam.PolicyStatement({
            actions: use.actions,
            resources: [key.keyArn],
            conditions: { StringEquals: { 'kms:EncryptionContext:po:purpose': use.purpose } },
          }),
        );
      }
      functions[definition.name] = fn;
    }
    this.functions = functions;

    // Confirmation emails: the orders stream (inserts only) → notify → SES; failures after retries → SQS DLQ.
    // Its own key: sending to an encrypted queue needs unconditioned Encrypt/Decrypt on the queue's key, and the notifier
    // must not hold that on the key that wraps the server's private keys.
    // The queue and its key go with the stack: a message only points into the stream (shard and sequence numbers,
    // which the stream trims after 24 hours), and the mail it stands for is still owed in the orders table, which
    // the sweeper reads. Deleting the key schedules it, with KMS's waiting period.
    const deadLetterKey = new kms.Key(this, 'DeadLetterKey', {
      description: 'Purchase orders: encrypts the notify dead-letter queue',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const deadLetters = new sqs.Queue(this, 'NotifyDeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: deadLetterKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the notify stream mapping; a DLQ of a DLQ would only move the problem.',
    });
    functions.notify.addEventSource(
      new DynamoEventSource(tables.orders, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 10,
        retryAttempts: 10,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(deadLetters),
        // New orders (confirmation), and status changes that owe the customer a notice (cancelled, fulfilled).
        filters: [
          lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.isEqual('INSERT') as unknown }),
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.isEqual('MODIFY') as unknown,
            dynamodb: { NewImage: { noticeStatus: { S: lambda.FilterRule.isEqual('pending') as unknown } } },
          }),
        ],
      }),
    );
    // Reading the stream of a KMS-encrypted table makes CDK grant kms:Decrypt on the table key without conditions. That
    // key also wraps the server's private keys: deny the notifier any use of it that does not come through DynamoDB.
    functions.notify.addToRolePolicy(
      new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
        resources: [key.keyArn],
        // StringNotLike on any region's DynamoDB endpoint: robust to how the region is spelled, still DynamoDB only (a
        // direct call has no kms:ViaService at all, so it is denied too).
        conditions: { StringNotLike: { 'kms:ViaService': 'dynamodb.*.amazonaws.com' } },
      }),
    );
    // (SqsDlq grants the notify role sqs:SendMessage on this queue and use of its KMS key.)
    Validations.of(functions.notify.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason: 'Granted by the encrypted dead-letter queue binding (send needs data keys), on the queue’s own key only.',
    });
    Validations.of(functions.notify.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
      reason: 'Granted by the encrypted dead-letter queue binding, on the queue’s own key only.',
    });
    Validations.of(functions.notify.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]',
      reason:
        'The verified identity may be the sender address or its domain; the ses:FromAddress condition pins the sender.',
    });
    for (const name of MAIL_SENDERS) {
      functions[name].addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['ses:SendEmail'],
          resources: [`arn:${this.partition}:ses:${this.region}:${this.account}:identity/*`],
          conditions: { StringEquals: { 'ses:FromAddress': sesSender.valueAsString } },
        }),
      );
      if (name !== 'notify')
        Validations.of(functions[name].role!).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/*]',
          reason:
            'The verified identity may be the sender address or its domain; the ses:FromAddress condition pins the sender.',
        });
    }

    // Mail the stream did not get out (a crash between sending and recording, an outage beyond the stream's retries):
    // the sweeper sends it from the owed-mail indexes every 5 minutes. Permanently rejected mail is marked failed and
    // counted; any such failure raises an alarm (po admin emails --status failed lists them), and so does mail owed
    // longer than 15 minutes (infra/alarms.ts).
    new events.Rule(this, 'MailSweepSchedule', {
      description: 'Purchase orders: send owed confirmations and notices',
      schedule: events.Schedule.rate(Duration.minutes(5)),
      targets: [new targets.LambdaFunction(functions.sweeper, { retryAttempts: 0 })],
    });

    // The first server key and session key, created with the code the rotation route uses.
    const provider = new cr.Provider(this, 'KeyProvisioner', {
      onEventHandler: functions.provision,
      logGroup: new logs.LogGroup(this, 'KeyProvisionerLogs', {
        retention: logs.RetentionDays.THREE_MONTHS,
        encryptionKey: key,
        removalPolicy: KEEP_DATA,
      }),
    });
    // Bumping Version re-runs provisioning on the next deploy of an existing stack (version 2 brought receipt keys).
    const keys = new CustomResource(this, 'Keys', {
      serviceToken: provider.serviceToken,
      properties: { Version: '2' },
    });

    this.api = this.buildApi(functions, key);

    // Tracing samples a little of this API's traffic: 1 request per second, then 5 % (X-Ray's default rule, pinned
    // here so that a change to the account's default does not change this API's traces or their cost). The rule
    // matches this API's stage only; API Gateway's decision carries on to the functions it calls. The notifier and the
    // sweeper are sampled by Lambda itself (1 per second, then 5 %), which no rule changes.
    new xray.CfnSamplingRule(this, 'TraceSampling', {
      samplingRule: {
        ruleName: `${this.stackName}-traces`.slice(0, 32),
        priority: 100,
        fixedRate: 0.05,
        reservoirSize: 1,
        serviceName: `${this.api.restApiName}/${API_STAGE}`,
        serviceType: 'AWS::ApiGateway::Stage',
        host: '*',
        httpMethod: '*',
        urlPath: '*',
        resourceArn: `arn:${this.partition}:apigateway:${this.region}::/restapis/${this.api.restApiId}/stages/${API_STAGE}`,
        version: 1,
      },
    });

    const alarms = addAlarms(this, { functions, tables, deadLetters, api: this.api });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: alarms.topic.topicArn,
      description: 'Every alarm notifies this topic, raised and cleared: subscribe to it (docs/operations.md, Alarms)',
    });
    new CfnOutput(this, 'EmailFailedAlarmName', {
      value: alarms.emailFailed.alarmName,
      description: 'Raised when an email is given up (it notifies AlarmTopicArn)',
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Point po at this: po config --api <url>' });
    new CfnOutput(this, 'ServerKeyId', {
      value: keys.getAttString('ServerKeyId'),
      description: 'The active server key ID',
    });
    new CfnOutput(this, 'ReceiptKeyId', {
      value: keys.getAttString('ReceiptKeyId'),
      description: 'The active receipt key ID (every receipt key is published at GET /receipt-keys)',
    });
    new CfnOutput(this, 'CustomersTableName', {
      value: tables.customers.tableName,
      description: 'For npm run first-admin',
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      value: deadLetters.queueUrl,
      description: 'Confirmations that failed every retry',
    });

    this.acknowledgeAwsManaged(provider, functions.provision);
  }

  private buildApi(functions: Record<FunctionName, NodejsFunction>, key: kms.Key): apigw.RestApi {
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: key,
      removalPolicy: KEEP_DATA,
    });
    const api = new apigw.RestApi(this, 'Api', {
      // Named after the stack, unique in the account and region: API Gateway's metrics (the 5xx alarm) and X-Ray's
      // service name go by the API's name.
      restApiName: this.stackName,
      description: 'Secure purchase orders',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      cloudWatchRole: true,
      // API Gateway's logging role is an account-wide setting other APIs may rely on: kept when the stack goes.
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      deployOptions: {
        stageName: API_STAGE,
        tracingEnabled: true,
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false, // would log request bodies: passwords and envelopes
        metricsEnabled: true,
        // The stage's default method settings (`*/*`): API Gateway applies them to each method on its own, so every
        // route has a bucket of its own. A limit shared by all routes exists only per account (or per API key).
        throttlingRateLimit: this.limits.apiRate,
        throttlingBurstLimit: this.limits.apiBurst,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
          caller: false,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
      },
    });

    for (const [type, response] of Object.entries(GATEWAY_RESPONSES)) {
      const retryAfter: Record<string, string> =
        'retryAfter' in response ? { 'Retry-After': `'${response.retryAfter}'` } : {};
      api.addGatewayResponse(type, {
        type: apigw.ResponseType.of(type),
        ...(response.status === undefined ? {} : { statusCode: String(response.status) }),
        // Gateway response headers are mapping expressions: static values are single-quoted.
        responseHeaders: {
          ...Object.fromEntries(Object.entries(SECURITY_HEADERS).map(([name, value]) => [name, `'${value}'`])),
          ...retryAfter,
        },
        templates: {
          'application/json': JSON.stringify({ error: { code: response.code, message: response.message } }),
        },
      });
    }

    // Sessions are checked on every call (no authorizer cache): a password change revokes tokens at once. Placing an
    // order is the exception (infra/routes.ts, `cached-session`): its transaction re-checks the session at commit.
    const authorizers = {
      session: new apigw.TokenAuthorizer(this, 'SessionAuthorizer', {
        handler: functions.authorizer,
        resultsCacheTtl: Duration.seconds(0),
        validationRegex: AUTHORIZATION_HEADER_PATTERN.source,
      }),
      'cached-session': new apigw.TokenAuthorizer(this, 'OrderSessionAuthorizer', {
        handler: functions.authorizer,
        resultsCacheTtl: Duration.seconds(AUTHORIZER_CACHE_SECONDS),
        validationRegex: AUTHORIZATION_HEADER_PATTERN.source,
      }),
    };
    const validator = new apigw.RequestValidator(this, 'Validator', {
      restApi: api,
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const model = (name: string, properties: Record<string, apigw.JsonSchema>) =>
      api.addModel(name, {
        contentType: 'application/json',
        schema: {
          type: apigw.JsonSchemaType.OBJECT,
          required: Object.keys(properties),
          properties,
          additionalProperties: false,
        },
      });
    const string = (maxLength: number): apigw.JsonSchema => ({
      type: apigw.JsonSchemaType.STRING,
      minLength: 1,
      maxLength,
    });

    // One invoke permission per function for the whole API (its execute-api ARN, any stage, method and path), not one
    // per method and stage: those filled the admin function's resource policy (34 statements, about 15 KB of Lambda's
    // 20 KB) and a few more routes would have failed the deploy.
    const integration = (name: FunctionName) =>
      new apigw.LambdaIntegration(functions[name], { scopePermissionToMethod: false });
    const open = (resource: apigw.IResource, method: string, fn: FunctionName, body?: apigw.IModel) => {
      const created = resource.addMethod(method, integration(fn), {
        authorizationType: apigw.AuthorizationType.NONE,
        requestValidator: validator,
        ...(body ? { requestModels: { 'application/json': body } } : {}),
      });
      Validations.of(created).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: 'Public by design: login issues the session; health, the server key and the receipt keys need none.',
      });
      Validations.of(created).acknowledge({
        id: 'AwsSolutions-COG4',
        reason: 'Public by design (see APIG4); no Cognito: sessions are the project’s own tokens.',
      });
      return created;
    };
    const secured = (
      resource: apigw.IResource,
      method: string,
      fn: FunctionName,
      authorizer: apigw.IAuthorizer,
      options: { body?: apigw.IModel; parameters?: string[]; headers?: readonly string[] } = {},
    ) => {
      const created = resource.addMethod(method, integration(fn), {
        authorizer,
        authorizationType: apigw.AuthorizationType.CUSTOM,
        requestValidator: validator,
        requestParameters: Object.fromEntries([
          ...(options.parameters ?? []).map((p) => [`method.request.path.${p}`, true] as const),
          ...(options.headers ?? []).map((h) => [`method.request.header.${h}`, true] as const),
        ]),
        ...(options.body ? { requestModels: { 'application/json': options.body } } : {}),
      });
      Validations.of(created).acknowledge({
        id: 'AwsSolutions-COG4',
        reason: 'Authorized by the Lambda authorizer (session tokens with revocation by token version), not Cognito.',
      });
      return created;
    };

    const models = {
      LoginRequest: model('LoginRequest', { customerId: string(128), password: string(1024) }),
      PasswordRequest: model('PasswordRequest', { oldPassword: string(1024), newPassword: string(1024) }),
      // Bounded by the body limit only: the envelope's own bound is the handler's, with its own code (413).
      OrderRequest: model('OrderRequest', { envelope: string(MAX_BODY_BYTES) }),
    };
    for (const route of ROUTES) {
      const resource = api.root.resourceForPath(route.path);
      const body = route.model ? models[route.model] : undefined;
      if (route.auth === 'none') open(resource, route.method, route.handler, body);
      else
        secured(resource, route.method, route.handler, authorizers[route.auth], {
          ...(body ? { body } : {}),
          parameters: pathParameters(route.path),
          headers: route.headers ?? [],
        });
    }

    this.addWaf(api);
    return api;
  }

  /** WAF: a tight rate limit on /login (password guessing), a general one per IP, and AWS managed rule groups. */
  private addWaf(api: apigw.RestApi): void {
    const visibility = (name: string) => ({
      cloudWatchMetricsEnabled: true,
      metricName: name,
      sampledRequestsEnabled: true,
    });
    const managed = (
      name: string,
      priority: number,
      ruleActionOverrides?: wafv2.CfnWebACL.RuleActionOverrideProperty[],
    ) => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: { vendorName: 'AWS', name, ...(ruleActionOverrides ? { ruleActionOverrides } : {}) },
      },
      visibilityConfig: visibility(name),
    });
    const acl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('purchase-orders'),
      rules: [
        {
          name: 'LoginRateLimit',
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: this.limits.wafLoginPerIp, // per IP per 5 minutes: far above a person, far below a guessing script
              aggregateKeyType: 'IP',
              evaluationWindowSec: 300,
              scopeDownStatement: {
                byteMatchStatement: {
                  fieldToMatch: { uriPath: {} },
                  positionalConstraint: 'ENDS_WITH',
                  searchString: '/login',
                  textTransformations: [{ priority: 0, type: 'LOWERCASE' }],
                },
              },
            },
          },
          visibilityConfig: visibility('LoginRateLimit'),
        },
        {
          name: 'GlobalRateLimit',
          priority: 1,
          action: { block: {} },
          statement: {
            rateBasedStatement: { limit: this.limits.wafPerIp, aggregateKeyType: 'IP', evaluationWindowSec: 300 },
          },
          visibilityConfig: visibility('GlobalRateLimit'),
        },
        managed('AWSManagedRulesAmazonIpReputationList', 2),
        // Envelopes are up to 16 KiB; the common rule set blocks bodies over 8 KiB. The API validates size itself.
        managed('AWSManagedRulesCommonRuleSet', 3, [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }]),
        managed('AWSManagedRulesKnownBadInputsRuleSet', 4),
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: api.deploymentStage.stageArn,
      webAclArn: acl.attrArn,
    });
  }

  /** Acknowledgements for what AWS (not this project) owns, each with its reason. */
  private acknowledgeAwsManaged(provider: cr.Provider, provisionFunction: NodejsFunction): void {
    const provisionId = this.getLogicalId(provisionFunction.node.defaultChild as lambda.CfnFunction);
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        'The CDK custom-resource Provider framework function is AWS-maintained and uses the basic execution role.',
    });
    Validations.of(provider).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${provisionId}.Arn>:*]`,
      reason: 'The Provider framework may invoke only the provision function and its versions (hence ":*").',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason: "API Gateway's account-level logging role must use this AWS-managed policy.",
    });
  }
}
