/**
 * The API's WAF web ACL: a tight rate limit on /login (password guessing), a general one per IP, and AWS managed rule
 * groups.
 *
 * Adds its resources to the stack itself, not to a nested construct (see infra/constructs/data.ts).
 */
import type { Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { TrafficLimits } from '../parameters.js';

/** Adds the web ACL to `stack` and associates it with the API's stage. */
export function addWebAcl(stack: Stack, api: apigw.RestApi, limits: TrafficLimits): void {
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
  const acl = new wafv2.CfnWebACL(stack, 'WebAcl', {
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
            limit: limits.wafLoginPerIp, // per IP per 5 minutes: far above a person, far below a guessing script
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
          rateBasedStatement: { limit: limits.wafPerIp, aggregateKeyType: 'IP', evaluationWindowSec: 300 },
        },
        visibilityConfig: visibility('GlobalRateLimit'),
      },
      managed('AWSManagedRulesAmazonIpReputationList', 2),
      // Envelopes are up to 16 KiB; the common rule set blocks bodies over 8 KiB. The API validates size itself.
      managed('AWSManagedRulesCommonRuleSet', 3, [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }]),
      managed('AWSManagedRulesKnownBadInputsRuleSet', 4),
    ],
  });
  new wafv2.CfnWebACLAssociation(stack, 'WebAclAssociation', {
    resourceArn: api.deploymentStage.stageArn,
    webAclArn: acl.attrArn,
  });
}
