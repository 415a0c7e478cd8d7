/**
 * The OPD on AWS, wired from its parts:
 * - the parameters a deployment sets (infra/parameters.ts);
 * - the project's KMS key and the DynamoDB tables it encrypts (infra/constructs/data.ts);
 * - one Lambda function per handler, each with its own role holding exactly the actions it uses on exactly its
 *   tables, and the project key only by encryption context (server-key, receipt-key, session-key) or through
 *   DynamoDB (infra/constructs/functions.ts, from infra/access.ts);
 * - mail: the orders and notices streams feeding the notifier (SES), its dead-letter queue under its own KMS key,
 *   and the sweeper's schedule (infra/constructs/mail.ts);
 * - a custom resource that provisions the first keys (infra/constructs/keys.ts);
 * - API Gateway (REST, WAF, throttling, access logs, tracing, request validation, a Lambda authorizer) in front of the
 *   functions (infra/constructs/api.ts);
 * - the web apps (the OPD console, the customer portal), from the API's origin: their files in a private bucket, read
 *   by two methods of the API each through S3 (infra/constructs/web-apps.ts);
 * - alarms that notify an SNS topic under its own KMS key (infra/constructs/alarms.ts).
 *
 * Every part adds its resources to this stack itself, so the construct paths and logical IDs are those of one flat
 * stack. cdk-nag (AwsSolutions) runs in infra/app.ts and in the tests.
 */
import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import type { HandlerName } from '../contract/handlers.js';
import type { TableName } from '../contract/tables.js';
import { addAlarms } from './constructs/alarms.js';
import { addApi } from './constructs/api.js';
import { addWebApps } from './constructs/web-apps.js';
import { addData } from './constructs/data.js';
import { addHandlerFunctions } from './constructs/functions.js';
import { addKeyProvisioning } from './constructs/keys.js';
import { addMail } from './constructs/mail.js';
import { addParameters } from './parameters.js';

/** The whole OPD: one CloudFormation stack. */
export class PurchaseOrdersStack extends Stack {
  readonly api: apigw.RestApi;
  readonly functions: Readonly<Record<HandlerName, NodejsFunction>>;
  readonly tables: Readonly<Record<TableName, dynamodb.Table>>;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const parameters = addParameters(this);
    const data = addData(this);
    const { key, tables } = data;
    const functions = addHandlerFunctions(this, data, parameters);
    const { deadLetters } = addMail(this, {
      functions,
      orders: tables.orders,
      notices: tables.notices,
      dataKey: key,
      sesSender: parameters.sesSender,
    });
    const keys = addKeyProvisioning(this, functions.provision, key);
    const api = addApi(this, { functions, dataKey: key, limits: parameters.limits });
    addWebApps(this, api, { dataKey: key });
    const alarms = addAlarms(this, { functions, tables, deadLetters, api });

    this.tables = tables;
    this.functions = functions;
    this.api = api;

    new CfnOutput(this, 'AlarmTopicArn', {
      value: alarms.topic.topicArn,
      description: 'Every alarm notifies this topic, raised and cleared: subscribe to it (docs/operations.md, Alarms)',
    });
    new CfnOutput(this, 'EmailFailedAlarmName', {
      value: alarms.emailFailed.alarmName,
      description: 'Raised when an email is given up (it notifies AlarmTopicArn)',
    });

    new CfnOutput(this, 'ApiUrl', { value: api.url, description: 'Point po at this: po config --api <url>' });
    new CfnOutput(this, 'ServerKeyId', {
      value: keys.getAttString('ServerKeyId'),
      description: 'The active server key ID',
    });
    new CfnOutput(this, 'ReceiptKeyId', {
      value: keys.getAttString('ReceiptKeyId'),
      description: 'The active receipt key ID (every receipt key is published at GET /receipt-keys)',
    });
    new CfnOutput(this, 'CustomersTableName', { value: tables.customers.tableName, description: 'The customers' });
    new CfnOutput(this, 'StaffTableName', { value: tables.staff.tableName, description: 'For npm run first-admin' });
    new CfnOutput(this, 'AuditTableName', {
      value: tables.audit.tableName,
      description: 'For npm run first-admin; the append-only audit trail',
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      value: deadLetters.queueUrl,
      description: 'Confirmations that failed every retry',
    });
  }
}
