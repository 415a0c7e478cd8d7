/**
 * The first server, receipt and session keys: a custom resource whose provider runs the provision function, the same
 * code the admin rotation routes use.
 *
 * Adds its resources to the stack itself, not to a nested construct (see infra/constructs/data.ts).
 */
import { CustomResource, Validations } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { KEEP_DATA } from './data.js';

/**
 * Adds the key provisioning to `stack`.
 * @param provision the provision function
 * @param dataKey the project key, which encrypts the provider's log group
 * @returns the custom resource: its `ServerKeyId` and `ReceiptKeyId` attributes name the active keys
 */
export function addKeyProvisioning(stack: Stack, provision: NodejsFunction, dataKey: kms.IKey): CustomResource {
  const provider = new cr.Provider(stack, 'KeyProvisioner', {
    onEventHandler: provision,
    logGroup: new logs.LogGroup(stack, 'KeyProvisionerLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      encryptionKey: dataKey,
      removalPolicy: KEEP_DATA,
    }),
  });
  // Bumping Version re-runs provisioning on the next deploy of an existing stack (version 2 brought receipt keys).
  const keys = new CustomResource(stack, 'Keys', {
    serviceToken: provider.serviceToken,
    properties: { Version: '2' },
  });

  // The Provider framework's own function is AWS's (the CDK's), not this project's.
  const provisionId = stack.getLogicalId(provision.node.defaultChild as lambda.CfnFunction);
  Validations.of(provider).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: 'The CDK custom-resource Provider framework function is AWS-maintained and uses the basic execution role.',
  });
  Validations.of(provider).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${provisionId}.Arn>:*]`,
    reason: 'The Provider framework may invoke only the provision function and its versions (hence ":*").',
  });
  return keys;
}
