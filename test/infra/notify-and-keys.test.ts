/**
 * The CDK stack's notifier (the orders stream, its dead-letter queue), the sweeper's rate and schedule, and key
 * provisioning, outputs and parameters.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { SWEEP_SCHEDULE } from '../../shared/services/deliver.js';
import { templateForThisFile } from '../helpers/infra.js';

const stack = templateForThisFile();
describe('notify and keys', () => {
  it('reads the orders stream (inserts, and changes owing a notice), reports partial failures, dead-letters to SQS', () => {
    stack.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
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
    stack.template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: Match.anyValue(),
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });

  it('provisions the first keys with a custom resource and outputs the API URL, server and receipt key IDs', () => {
    stack.template.resourceCountIs('AWS::CloudFormation::CustomResource', 1);
    // Version 2 brought receipt keys: a changed property makes CloudFormation run provisioning on existing stacks.
    stack.template.hasResourceProperties('AWS::CloudFormation::CustomResource', { Version: '2' });
    stack.template.hasOutput('ApiUrl', {});
    stack.template.hasOutput('ServerKeyId', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Keys'), 'ServerKeyId'] },
    });
    stack.template.hasOutput('ReceiptKeyId', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Keys'), 'ReceiptKeyId'] },
    });
    stack.template.hasParameter('SesSender', { Type: 'String' });
  });

  it('takes the catalogue currency and the OPD name (the receipts’ issuer) as parameters with defaults', () => {
    stack.template.hasParameter('Currency', { Type: 'String', Default: 'USD', AllowedPattern: '^[A-Z]{3}$' });
    stack.template.hasParameter('OpdId', { Type: 'String', Default: 'opd' });
    stack.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ CATALOGUE_CURRENCY: { Ref: 'Currency' }, OPD_ID: { Ref: 'OpdId' } }),
      },
    });
  });

  it('paces the sweeper at the SesSendRate parameter (default 14/s), each run ending before the next begins', () => {
    stack.template.hasParameter('SesSendRate', { Type: 'Number', Default: 14, MinValue: 1, MaxValue: 10_000 });
    const functions = stack.ofType('AWS::Lambda::Function');
    const paced = functions.filter(([, fn]) =>
      JSON.stringify(fn.Properties.Environment ?? {}).includes('SES_SEND_RATE'),
    );
    expect(paced.map(([id]) => id.replace(/Function.*$/, ''))).toEqual(['sweeper']);
    const [, sweeper] = paced[0]!;
    expect(sweeper.Properties).toMatchObject({
      Environment: { Variables: expect.objectContaining({ SES_SEND_RATE: { Ref: 'SesSendRate' } }) as unknown },
    });
    const [, rule] = stack.ofType('AWS::Events::Rule')[0]!;
    expect(rule.Properties.ScheduleExpression).toBe('rate(5 minutes)');
    // The run's timeout is shorter than the period (no overlap), and it sends for 285 of the period's 300 seconds.
    expect(sweeper.Properties.Timeout).toBe(295);
    expect(SWEEP_SCHEDULE).toEqual({ periodSeconds: 300, sendingSeconds: 285 });
  });
});
