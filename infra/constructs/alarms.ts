/**
 * The stack's alarms, and the SNS topic every one of them notifies (in alarm, and OK again). docs/operations.md
 * ("Alarms") lists them with their thresholds and what to do; test/infra/alarms.test.ts checks that list against the
 * template.
 *
 * Thresholds: a handler never throws (every error becomes an answer), so one Lambda error, one throttle, one 5xx or one
 * throttled DynamoDB request in five minutes is already worth a look.
 */
import { Duration } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { addAlarmTopic } from './alarm-topic.js';
import { ALARMED_METRICS, METRICS_NAMESPACE, METRICS_SERVICE, SESSION_REFUSED_MESSAGE } from '../../shared/metrics.js';
import type { HandlerDefinition } from '../../contract/handlers.js';
import type { TableDefinition } from '../../contract/tables.js';

/** What the alarms watch. */
export interface AlarmedResources {
  readonly functions: Readonly<Record<HandlerDefinition['name'], NodejsFunction>>;
  readonly tables: Readonly<Record<TableDefinition['name'], dynamodb.Table>>;
  /** The notifier's dead-letter queue: stream batches that failed every retry. */
  readonly deadLetters: sqs.IQueue;
  readonly api: apigw.RestApi;
}

/** The stream is normally seconds behind; ten minutes means the notifier is stuck or failing. */
const ITERATOR_AGE_LIMIT = Duration.minutes(10);
/** Mail owed longer than this: the stream did not send it and the sweeper (every 5 minutes) has not either. */
export const OWED_MAIL_AGE_LIMIT = Duration.minutes(15);
const PERIOD = Duration.minutes(5);

/** The handlers' own metric of that name (EMF: namespace and `service` dimension of shared/metrics.ts). */
const ownMetric = (metricName: string, statistic: string) =>
  new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: METRICS_SERVICE },
    statistic,
    period: PERIOD,
  });

/**
 * Adds the alarm topic and the alarms to `stack`.
 * @returns the topic (a stack output: subscribe to it) and the alarm on given-up emails
 */
export function addAlarms(
  stack: Stack,
  watched: AlarmedResources,
): { topic: sns.Topic; emailFailed: cloudwatch.Alarm } {
  const topic = addAlarmTopic(stack);
  const notify = new SnsAction(topic);

  const alarm = (
    id: string,
    description: string,
    metric: cloudwatch.IMetric,
    condition: {
      threshold: number;
      above?: boolean;
      missing?: cloudwatch.TreatMissingData;
    },
  ): cloudwatch.Alarm => {
    const created = new cloudwatch.Alarm(stack, id, {
      alarmDescription: description,
      metric,
      threshold: condition.threshold,
      evaluationPeriods: 1,
      comparisonOperator: condition.above
        ? cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
        : cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: condition.missing ?? cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    created.addAlarmAction(notify);
    created.addOkAction(notify);
    return created;
  };

  const emailFailed = alarm(
    'EmailFailedAlarm',
    'An email was permanently rejected and given up: see po admin emails --status failed',
    ownMetric(ALARMED_METRICS.emailFailed, 'Sum'),
    { threshold: 1 },
  );
  alarm(
    'OwedMailAlarm',
    `Mail owed for more than ${OWED_MAIL_AGE_LIMIT.toMinutes()} minutes: see po admin emails, SES and the sweeper's errors`,
    ownMetric(ALARMED_METRICS.oldestOwedMailAge, 'Maximum'),
    // The sweeper publishes every 5 minutes: a period without its value keeps the alarm as it was.
    { threshold: OWED_MAIL_AGE_LIMIT.toSeconds(), above: true, missing: cloudwatch.TreatMissingData.IGNORE },
  );
  alarm(
    'DeadLettersAlarm',
    'Confirmation batches failed every retry: their mail stays owed (the sweeper sends it); see the notifier’s logs',
    watched.deadLetters.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: PERIOD }),
    // SQS stops reporting a queue nobody touches: missing data keeps the alarm raised until the queue is emptied.
    { threshold: 0, above: true, missing: cloudwatch.TreatMissingData.IGNORE },
  );
  alarm(
    'OrdersStreamAgeAlarm',
    `The notifier is more than ${ITERATOR_AGE_LIMIT.toMinutes()} minutes behind the orders stream (records expire after 24 hours)`,
    watched.functions.notify.metric('IteratorAge', { statistic: 'Maximum', period: PERIOD }),
    { threshold: ITERATOR_AGE_LIMIT.toMilliseconds(), above: true },
  );
  alarm(
    'Api5xxAlarm',
    'The API answered 5xx (a handler error, a dependency unavailable after retries, the authorizer failing)',
    watched.api.deploymentStage.metricServerError({ statistic: 'Sum', period: PERIOD }),
    { threshold: 1 },
  );

  for (const [name, fn] of Object.entries(watched.functions) as Array<[HandlerDefinition['name'], NodejsFunction]>) {
    alarm(
      `${name}FunctionErrorsAlarm`,
      `The ${name} function failed (an exception, a timeout): see its log group`,
      name === 'authorizer' ? authorizerFailures(stack, fn) : fn.metricErrors({ statistic: 'Sum', period: PERIOD }),
      { threshold: 1 },
    );
    alarm(
      `${name}FunctionThrottlesAlarm`,
      `The ${name} function was throttled: the account's Lambda concurrency is exhausted`,
      fn.metricThrottles({ statistic: 'Sum', period: PERIOD }),
      { threshold: 1 },
    );
  }

  for (const [name, table] of Object.entries(watched.tables)) {
    alarm(
      `${name}TableThrottlesAlarm`,
      `DynamoDB throttled requests to the ${name} table (reads or writes)`,
      new cloudwatch.MathExpression({
        expression: 'reads + writes',
        usingMetrics: {
          reads: table.metric('ReadThrottleEvents', { statistic: 'Sum', period: PERIOD }),
          writes: table.metric('WriteThrottleEvents', { statistic: 'Sum', period: PERIOD }),
        },
        label: `${name} throttle events`,
        period: PERIOD,
      }),
      { threshold: 1 },
    );
  }

  return { topic, emailFailed };
}

/**
 * The authorizer's errors that are failures. API Gateway answers 401 only to an authorizer that throws "Unauthorized",
 * so every refused token is a Lambda error too: they are counted from its log (the line it writes before throwing)
 * and taken away.
 */
function authorizerFailures(stack: Stack, authorizer: NodejsFunction): cloudwatch.IMetric {
  const refusals = new logs.MetricFilter(stack, 'SessionRefusals', {
    logGroup: authorizer.logGroup,
    filterPattern: logs.FilterPattern.stringValue('$.message', '=', SESSION_REFUSED_MESSAGE),
    metricNamespace: METRICS_NAMESPACE,
    metricName: 'SessionRefused',
    metricValue: '1',
    dimensions: { service: '$.service' },
  });
  return new cloudwatch.MathExpression({
    expression: 'errors - FILL(refused, 0)',
    usingMetrics: {
      errors: authorizer.metricErrors({ statistic: 'Sum', period: PERIOD }),
      refused: refusals.metric({ statistic: 'Sum', period: PERIOD, dimensionsMap: { service: METRICS_SERVICE } }),
    },
    label: 'authorizer errors that were not a refused token',
    period: PERIOD,
  });
}
