/**
 * The audit table is append-only by IAM: every policy of the synthesized stack is read, and no statement that reaches
 * the audit table (or its indexes, or every resource) allows anything but a put inside a TransactWriteItems and, for
 * its readers, Query and GetItem. The table keeps point-in-time recovery.
 */
import { describe, expect, it } from 'vitest';
import { TABLE_ACCESS } from '../../infra/access.js';
import { templateForThisFile } from '../helpers/infra.js';

const stack = templateForThisFile();

interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** Every statement of every policy in the template (policies, roles' inline policies, managed policies), by owner. */
function everyStatement(): Array<{ owner: string; statement: Statement }> {
  const found: Array<{ owner: string; statement: Statement }> = [];
  const add = (owner: string, document: unknown) => {
    for (const statement of [(document as { Statement?: unknown } | undefined)?.Statement ?? []].flat())
      found.push({ owner, statement: statement as Statement });
  };
  for (const [id, resource] of Object.entries(stack.resources)) {
    const properties = resource.Properties ?? {};
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      const roles = ((properties.Roles as Array<{ Ref: string }> | undefined) ?? []).map((role) => role.Ref);
      add(roles.length > 0 ? roles.join(',') : id, properties.PolicyDocument);
    }
    if (resource.Type === 'AWS::IAM::Role')
      for (const policy of (properties.Policies as Array<{ PolicyDocument: unknown }> | undefined) ?? [])
        add(id, policy.PolicyDocument);
  }
  return found;
}

const auditTableId = () => stack.ofType('AWS::DynamoDB::Table').find(([id]) => id.startsWith('auditTable'))![0];
const actions = (statement: Statement) => [statement.Action ?? []].flat();
const resources = (statement: Statement) => [statement.Resource ?? []].flat();
/** A resource that reaches every table: `*`, or an ARN pattern with a wildcard where a table's name goes. */
const isWildcard = (resource: unknown) =>
  typeof resource === 'string' && (resource === '*' || /^arn:[^:]*:dynamodb:.*\*/.test(resource));
const reachesAuditTable = (resource: unknown) => JSON.stringify(resource).includes(`"${auditTableId()}"`);
const isIndex = (resource: unknown) => JSON.stringify(resource).includes('/index/');

/** The condition that lets a put happen only as one action of a TransactWriteItems. */
const IN_A_TRANSACTION = { 'ForAnyValue:StringEquals': { 'dynamodb:EnclosingOperation': ['TransactWriteItems'] } };

describe('the audit table, append-only by IAM', () => {
  it('no statement of any policy uses NotAction or NotResource to allow (they would reach it)', () => {
    for (const { owner, statement } of everyStatement())
      if (statement.Effect === 'Allow')
        expect([statement.NotAction, statement.NotResource], owner).toEqual([undefined, undefined]);
  });

  it('no statement on every resource allows a DynamoDB action that writes', () => {
    for (const { owner, statement } of everyStatement()) {
      if (statement.Effect !== 'Allow' || !resources(statement).some(isWildcard)) continue;
      const dynamo = actions(statement).filter((action) => action === '*' || /^dynamodb:/i.test(action));
      // Listing streams (the notifier's event source) names no table and reads nothing of one.
      expect(
        dynamo.filter((action) => action !== 'dynamodb:ListStreams'),
        owner,
      ).toEqual([]);
    }
  });

  it('statements on it allow only PutItem inside a TransactWriteItems, Query and GetItem; on its indexes only Query', () => {
    const onAudit = everyStatement().filter(
      ({ statement }) => statement.Effect === 'Allow' && resources(statement).some(reachesAuditTable),
    );
    expect(onAudit.length).toBeGreaterThan(0);
    for (const { owner, statement } of onAudit) {
      const granted = actions(statement);
      const where = `${owner}: ${JSON.stringify(statement)}`;
      if (resources(statement).some(isIndex)) {
        expect(granted, where).toEqual(['dynamodb:Query']);
        expect(resources(statement).every(isIndex), where).toBe(true);
        continue;
      }
      for (const action of granted)
        expect(['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:GetItem'], where).toContain(action);
      // A put shares its statement with nothing, and holds only inside a transaction.
      if (granted.includes('dynamodb:PutItem')) {
        expect(granted, where).toEqual(['dynamodb:PutItem']);
        expect(statement.Condition, where).toEqual(IN_A_TRANSACTION);
      }
    }
  });

  it('every function that records changes may put, and only those; none may update, delete or batch-write', () => {
    const putters = everyStatement()
      .filter(
        ({ statement }) =>
          statement.Effect === 'Allow' &&
          resources(statement).some(reachesAuditTable) &&
          actions(statement).includes('dynamodb:PutItem'),
      )
      .flatMap(({ owner }) => owner.split(','))
      .map((role) => role.replace(/Role[0-9A-F]{8}$/, ''));
    const expected = Object.entries(TABLE_ACCESS)
      .filter(([, tables]) => tables.audit?.includes('PutItem'))
      .map(([name]) => name);
    expect(new Set(putters)).toEqual(new Set(expected));
    expect(expected).toEqual(expect.arrayContaining(['admin', 'order', 'password']));
    for (const [name, tables] of Object.entries(TABLE_ACCESS))
      for (const action of tables.audit ?? []) expect(['PutItem', 'Query', 'GetItem'], name).toContain(action);
  });

  it('no role may both read records (and so learn their keys) and put them: readers only read', () => {
    const granted = new Map<string, Set<string>>();
    for (const { owner, statement } of everyStatement())
      if (statement.Effect === 'Allow' && resources(statement).some(reachesAuditTable))
        for (const role of owner.split(','))
          for (const action of actions(statement)) granted.set(role, (granted.get(role) ?? new Set()).add(action));
    const both = [...granted].filter(
      ([, set]) => set.has('dynamodb:PutItem') && (set.has('dynamodb:Query') || set.has('dynamodb:GetItem')),
    );
    expect(both.map(([role]) => role)).toEqual([]);
    const readers = [...granted].filter(([, set]) => set.has('dynamodb:Query')).map(([role]) => role);
    expect(readers.map((role) => role.replace(/Role[0-9A-F]{8}$/, ''))).toEqual(['read']);
  });

  it('keeps point-in-time recovery, and has no resource policy of its own', () => {
    const table = stack.ofType('AWS::DynamoDB::Table').find(([id]) => id === auditTableId())![1];
    expect(table.Properties).toMatchObject({
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      KeySchema: [
        { AttributeName: 'target', KeyType: 'HASH' },
        { AttributeName: 'recordedAt', KeyType: 'RANGE' },
      ],
    });
    expect(table.Properties.ResourcePolicy).toBeUndefined();
  });
});
