/**
 * The OPD's mail: the orders stream feeds the notifier (confirmations, cancellation and fulfilment notices → SES), and
 * so does the notices stream (account notices: a key added or revoked), with one dead-letter queue under its own KMS
 * key; the sweeper, every 5 minutes, sends what the stream did not get out, paced at the SES rate it is given; the
 * mail senders' use of the verified SES identity.
 *
 * Adds its resources to the stack itself, not to a nested construct (see infra/constructs/data.ts).
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { SWEEP_PERIOD_SECONDS } from '../../contract/handlers.js';
import type { HandlerName } from '../../contract/handlers.js';
import { MAIL_SENDERS } from '../access.js';
import { MAIL_OWING_RECORDS, NOTICE_OWING_RECORDS } from '../../contract/tables.js';
import type { RecordPattern } from '../../contract/tables.js';

/** What the mail is sent with. */
export interface MailInputs {
  readonly functions: Readonly<Record<HandlerName, NodejsFunction>>;
  /** The orders table: its stream carries new orders and status changes. */
  readonly orders: dynamodb.Table;
  /** The notices table: its stream carries new account notices. */
  readonly notices: dynamodb.Table;
  /** The project key (infra/constructs/data.ts): the notifier may use it only through DynamoDB. */
  readonly dataKey: kms.IKey;
  /** The verified SES identity mail is sent from (a parameter). */
  readonly sesSender: string;
}

/**
 * Adds the notifier's stream mapping and dead-letter queue, the senders' SES grant and the sweeper's schedule.
 * @returns the dead-letter queue (alarmed, and a stack output)
 */
export function addMail(
  stack: Stack,
  { functions, orders, notices, dataKey, sesSender }: MailInputs,
): { deadLetters: sqs.Queue } {
  // Confirmations and notices: the orders stream (new orders, and changes that owe a notice) → notify → SES;
  // batches that fail every retry → an SQS dead-letter queue.
  // Its own key: sending to an encrypted queue needs unconditioned Encrypt/Decrypt on the queue's key, and the notifier
  // must not hold that on the key that wraps the server's private keys.
  // The queue and its key go with the stack: a message only points into the stream (shard and sequence numbers,
  // which the stream trims after 24 hours), and the mail it stands for is still owed in the orders table, which
  // the sweeper reads. Deleting the key schedules it, with KMS's waiting period.
  const deadLetterKey = new kms.Key(stack, 'DeadLetterKey', {
    description: 'Purchase orders: encrypts the notify dead-letter queue',
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const deadLetters = new sqs.Queue(stack, 'NotifyDeadLetters', {
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
  // New orders (confirmation), and status changes that owe the customer a notice (cancelled, fulfilled); new account
  // notices. Each mapping has its own filter; the notifier tells the records apart by their stream
  // (shared/services/notices.ts).
  for (const [table, owing] of [
    [orders, MAIL_OWING_RECORDS],
    [notices, NOTICE_OWING_RECORDS],
  ] as const)
    functions.notify.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 10,
        retryAttempts: 10,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(deadLetters),
        filters: owing.map((pattern) => lambda.FilterCriteria.filter(equalityRules(pattern))),
      }),
    );
  // Reading the stream of a KMS-encrypted table makes CDK grant kms:Decrypt on the table key without conditions. That
  // key also wraps the server's private keys: deny the notifier any use of it that does not come through DynamoDB.
  functions.notify.addToRolePolicy(
    new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
      resources: [dataKey.keyArn],
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
        resources: [`arn:${stack.partition}:ses:${stack.region}:${stack.account}:identity/*`],
        conditions: { StringEquals: { 'ses:FromAddress': sesSender } },
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
  // the sweeper sends it from the owed-mail indexes every 5 minutes, paced at the SesSendRate parameter, each run
  // ending before the next starts (its timeout, contract/handlers.ts), so a large backlog drains at about that rate.
  // Permanently rejected mail is marked failed and counted; any such failure raises an alarm (po admin emails --status
  // failed lists them), and so does mail owed longer than 15 minutes (infra/constructs/alarms.ts).
  new events.Rule(stack, 'MailSweepSchedule', {
    description: 'Purchase orders: send owed confirmations and notices',
    schedule: events.Schedule.rate(Duration.seconds(SWEEP_PERIOD_SECONDS)),
    targets: [new targets.LambdaFunction(functions.sweeper, { retryAttempts: 0 })],
  });

  return { deadLetters };
}

/** An event filter's rules for a record pattern: each leaf value becomes an equality rule. */
function equalityRules(pattern: RecordPattern): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(pattern).map(([member, value]) => [
      member,
      typeof value === 'string' ? lambda.FilterRule.isEqual(value) : equalityRules(value),
    ]),
  );
}
