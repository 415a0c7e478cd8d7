/**
 * The CDK stack's notifier (the orders stream, its dead-letter queue) and key provisioning, outputs and parameters.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, it } from 'vitest';
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
});
