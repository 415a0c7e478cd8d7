/** The SNS topic every alarm notifies (in alarm, and OK again), with its own KMS key. */
import { RemovalPolicy } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';

/** Adds the alarm topic and its key to `stack` (a stack output: subscribe to it). */
export function addAlarmTopic(stack: Stack): sns.Topic {
  // Its own key: CloudWatch must be able to use the key of the topic it publishes to, and the data key wraps the
  // server's private keys. Alarm messages are not data worth keeping: the topic and its key go with the stack.
  const topicKey = new kms.Key(stack, 'AlarmTopicKey', {
    description: 'Purchase orders: encrypts the alarm topic',
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  topicKey.addToResourcePolicy(
    new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      resources: ['*'],
    }),
  );
  const topic = new sns.Topic(stack, 'AlarmTopic', {
    displayName: 'Purchase orders alarms',
    masterKey: topicKey,
    enforceSSL: true,
  });
  topic.applyRemovalPolicy(RemovalPolicy.DESTROY);
  // The topic policy enforceSSL creates replaces SNS's default one: CloudWatch needs its own grant, for this
  // account's alarms only.
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      actions: ['sns:Publish'],
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*` },
      },
    }),
  );
  return topic;
}
