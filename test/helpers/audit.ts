/**
 * What the audit suites check of a staff action against the mocked DynamoDB: the TransactWriteItems requests it sent,
 * the audit records among their actions, and the records the world kept (those of committed transactions only). And
 * transactions scripted to be cancelled, as DynamoDB cancels them when a condition fails.
 */
import { expect } from 'vitest';
import { AUDIT_TIME_SHARDS } from '../../contract/tables.js';
import type { AuditRecord } from '../../shared/audit.js';
import type { TransactItem } from '../../shared/aws/transactions.js';
import type { StaffRole } from '../../shared/permissions.js';
import { PutCommand, TransactWriteCommand, UpdateCommand, ddb, transactionCancelled } from './aws.js';
import type { World } from './aws.js';

/** A staff member's session as tests give it, one per role the actions need. */
export const STAFF = {
  clerk: { staffId: 'clara', roles: ['clerk'] },
  finance: { staffId: 'fran', roles: ['finance'] },
  catalog: { staffId: 'cato', roles: ['catalog'] },
  security: { staffId: 'sec', roles: ['security'] },
} as const satisfies Record<string, { staffId: string; roles: StaffRole[] }>;

/** A session of {@link STAFF} as `apiEvent` takes it. */
export const staffSession = (who: keyof typeof STAFF) => ({
  staffId: STAFF[who].staffId,
  roles: [...STAFF[who].roles],
});

/** Every TransactWriteItems request sent so far, each as its list of actions, in order. */
export function transactionsSent(): TransactItem[][] {
  return ddb.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems!);
}

/** The audit records a request's actions put. */
export function auditPuts(actions: readonly TransactItem[]): AuditRecord[] {
  return actions.flatMap((action) =>
    action.Put?.TableName === 'audit' ? [action.Put.Item as unknown as AuditRecord] : [],
  );
}

/** No audit record was written outside a transaction (a PutItem or UpdateItem of its own). */
function expectNoLoneAuditWrite(): void {
  expect(ddb.commandCalls(PutCommand, { TableName: 'audit' })).toHaveLength(0);
  expect(ddb.commandCalls(UpdateCommand, { TableName: 'audit' })).toHaveLength(0);
}

/**
 * Checks that exactly one audit record was committed, that it is the only audit put of the one TransactWriteItems
 * request that carried it — whose actions also hold the change `change` finds — that it is put only if its key is
 * new, and that it names the staff member `who` with their roles and the request's ID. Returns it.
 */
export function expectOneRecord(
  world: World,
  who: keyof typeof STAFF,
  change: (action: TransactItem) => boolean,
  expected: Partial<AuditRecord>,
): AuditRecord {
  expectNoLoneAuditWrite();
  expect(world.audit).toHaveLength(1);
  const record = world.audit[0]!;
  const carrying = transactionsSent().filter((actions) =>
    auditPuts(actions).some((put) => put.recordedAt === record.recordedAt),
  );
  expect(carrying).toHaveLength(1);
  const actions = carrying[0]!;
  expect(auditPuts(actions)).toHaveLength(1);
  expect(actions.some(change), 'the change is in the same transaction as its record').toBe(true);
  expect(actions.find((action) => action.Put?.TableName === 'audit')!.Put!.ConditionExpression).toBe(
    'attribute_not_exists(recordedAt)',
  );
  expect(record).toMatchObject({
    actor: STAFF[who].staffId,
    actorKind: 'staff',
    actorRoles: STAFF[who].roles,
    requestId: 'test-request',
    ...expected,
  });
  expect(record.recordedAt).toBe(`${record.time}#${record.auditId}`);
  expect(record.timeBucket).toMatch(new RegExp(`^${record.time.slice(0, 10)}#\\d+$`));
  expect(Number(record.timeBucket.split('#')[1])).toBeLessThan(AUDIT_TIME_SHARDS);
  return record;
}

/** Checks that no audit record exists: none committed, none written any other way. */
export function expectNoRecord(world: World): void {
  expectNoLoneAuditWrite();
  expect(world.audit).toEqual([]);
}

/** How a scripted transaction ends: committed (its audit records kept), or cancelled with a reason per action. */
export type Outcome = 'commit' | ((actions: TransactItem[]) => Array<{ Code: string; Item?: Record<string, unknown> }>);

/** Cancelled: the actions `fails` picks failed their condition (with `item` as the one DynamoDB returns, if any). */
export const failing =
  (fails: (action: TransactItem) => boolean, item?: Record<string, unknown>): Outcome =>
  (actions) =>
    actions.map((action) =>
      fails(action) ? { Code: 'ConditionalCheckFailed', ...(item ? { Item: item } : {}) } : { Code: 'None' },
    );

/**
 * Scripts the next TransactWriteItems requests: the n-th ends as `outcomes[n]` (then `after` runs, to move the world
 * as a concurrent writer would), and those after the script commit. A committed request's audit puts are kept in
 * `world.audit`; its other actions are taken as written.
 */
export function scriptTransactions(world: World, outcomes: Outcome[], after: (call: number) => void = () => {}): void {
  let call = 0;
  ddb.on(TransactWriteCommand).callsFake((input: { TransactItems: TransactItem[] }) => {
    const outcome = outcomes[call] ?? 'commit';
    after(call++);
    if (outcome !== 'commit') throw transactionCancelled(outcome(input.TransactItems));
    world.audit.push(...auditPuts(input.TransactItems));
    return {};
  });
}

/** Whether an action is the update or put of `key` in `table`. */
export const writes =
  (table: string, key: Record<string, string>) =>
  (action: TransactItem): boolean => {
    const write = action.Update ?? action.Put;
    if (write?.TableName !== table) return false;
    const itemKey = action.Update ? action.Update.Key : action.Put!.Item;
    return Object.entries(key).every(([name, value]) => itemKey?.[name] === value);
  };
