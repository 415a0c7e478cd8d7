/**
 * The CDK stack's alarms: one topic, what they watch, and the list docs/operations.md gives.
 */
import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { HANDLERS } from '../../contract/handlers.js';
import { TABLES } from '../../contract/tables.js';
import { templateForThisFile } from '../helpers/infra.js';

const stack = templateForThisFile();
const { ofType } = stack;

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
    expect(stack.resources[keyId]!.Properties).toMatchObject({
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
    stack.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
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
    stack.template.hasOutput('AlarmTopicArn', { Value: { Ref: topic } });
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
    stack.template.hasResourceProperties('AWS::Logs::MetricFilter', {
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
