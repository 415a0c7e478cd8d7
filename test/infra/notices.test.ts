/**
 * The CDK stack's account notices: the notices table's stream feeds the notifier (new notices only, the same
 * dead-letter queue), and the roles that touch the table hold exactly what they do with it.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { templateForThisFile } from '../helpers/infra.js';

const stack = templateForThisFile();

/** The actions a function's role is granted on the notices table, and on its indexes. */
function noticeGrants(role: string): { table: string[]; indexes: string[] } {
  const grants = { table: [] as string[], indexes: [] as string[] };
  for (const [, policy] of stack.ofType('AWS::IAM::Policy')) {
    const roles = (policy.Properties.Roles as Array<{ Ref: string }>).map((each) => each.Ref);
    if (!roles.some((ref) => ref.startsWith(`${role}Role`))) continue;
    const document = policy.Properties.PolicyDocument as {
      Statement: Array<{ Action: string | string[]; Resource: unknown }>;
    };
    for (const statement of document.Statement)
      for (const resource of [statement.Resource].flat()) {
        const text = JSON.stringify(resource);
        if (!/"noticesTable[0-9A-F]{8}"/.test(text) || /stream/i.test(text)) continue;
        const actions = [statement.Action]
          .flat()
          .filter((action) => /^dynamodb:(?!.*Stream|GetRecords|GetShard)/.test(action));
        (/\/index\//.test(text) ? grants.indexes : grants.table).push(...actions);
      }
  }
  return { table: [...new Set(grants.table)].sort(), indexes: [...new Set(grants.indexes)].sort() };
}

describe('account notices', () => {
  it('the notices stream feeds the notifier: new notices only, partial failures, the same dead-letter queue', () => {
    stack.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^noticesTable'), 'StreamArn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 10,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NotifyDeadLetters'), 'Arn'] } },
      },
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'] }) }] },
    });
    expect(stack.ofType('AWS::Lambda::EventSourceMapping')).toHaveLength(2); // orders and notices
  });

  type Grants = ReturnType<typeof noticeGrants>;
  const none: Grants = { table: [], indexes: [] };
  it.each<[string, Grants]>([
    // A key change puts its notice, in the change's transaction: nothing else.
    ['password', { table: ['dynamodb:PutItem'], indexes: [] }],
    // So does a key a staff member adds to or revokes from a customer.
    ['admin', { table: ['dynamodb:PutItem'], indexes: [] }],
    // The claim and its outcome.
    ['notify', { table: ['dynamodb:UpdateItem'], indexes: [] }],
    // What is owed, from the sparse index; each notice read, claimed and recorded.
    ['sweeper', { table: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], indexes: ['dynamodb:Query'] }],
    ...['login', 'authorizer', 'order', 'read', 'provision'].map((role): [string, Grants] => [role, none]),
  ])('%s may do exactly this with the notices table', (role, expected) => {
    expect(noticeGrants(role)).toEqual(expected);
  });
});
