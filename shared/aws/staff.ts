/**
 * The staff table: the OPD's staff, each with roles (shared/permissions.ts), a password under the customers' policy
 * and lockout, and a token version that ends their sessions. One more item counts who holds `staff:write`, so that
 * the last of them can never be removed or disabled however many changes race (shared/services/staff.ts): every change
 * that gives or takes the permission moves the count in its own transaction.
 */
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.js';
import type { StaffRole } from '../permissions.js';
import { dynamo, guarded } from './clients.js';
import type { TransactItem } from './transactions.js';

/** A staff member as stored. */
export interface StaffMember {
  readonly staffId: string;
  readonly email: string;
  readonly roles: readonly StaffRole[];
  readonly passwordHash: string;
  readonly failedLogins: number;
  readonly lastLoginAttemptAt?: number;
  readonly tokenVersion: number;
  readonly createdAt: string;
  readonly createdBy: string;
  /** Set while the account is disabled: it cannot log in, its sessions ended when it was set. */
  readonly disabledAt?: string;
  /** Set by a password reset: the one-time password must be changed before anything else. */
  readonly mustChangePassword?: boolean;
  /** Epoch seconds after which the one-time password opens no session (shared/rules.ts ONE_TIME_PASSWORD_TTL_SECONDS). */
  readonly oneTimePasswordExpiresAt?: number;
}

/** How failures of the staff table are named (in logs and 503 answers). */
export const STAFF_DATABASE = 'the staff database';

/** The staff table's name. */
export const staffTable = () => config().tables.staff;

/**
 * The key of the item that counts active holders of `staff:write` (attribute `holders`). No staff ID can be it: IDs
 * start with a letter or a digit (shared/rules.ts `STAFF_ID_PATTERN`).
 */
export const STAFF_WRITERS_KEY = { staffId: '#staff-write-holders' } as const;

/** A staff member, whole (the password hash included), read consistently; never the counting item. */
export async function getStaff(staffId: string): Promise<StaffMember | undefined> {
  if (staffId === STAFF_WRITERS_KEY.staffId) return undefined;
  const result = await guarded(STAFF_DATABASE, 'GetItem', () =>
    dynamo().send(new GetCommand({ TableName: staffTable(), Key: { staffId }, ConsistentRead: true })),
  );
  return result.Item as StaffMember | undefined;
}

/** A staff member as a list shows them: no hash. */
export type StaffSummary = Omit<StaffMember, 'passwordHash'>;

/**
 * One page of staff (in the table's order), never the counting item. `cursor`: the last staff ID of the previous page.
 * A scan's `Limit` counts the items it reads before its filter drops the counting item, so a read that hit it is
 * followed by another until the page is full: a page is short only at the end, and its `next` is always a staff ID
 * (a scan that stopped on the counting item would otherwise hand out its key as the cursor).
 */
export async function listStaff(limit: number, cursor?: string): Promise<{ staff: StaffSummary[]; next?: string }> {
  const staff: StaffSummary[] = [];
  let start = cursor;
  for (;;) {
    const from = start;
    const result = await guarded(STAFF_DATABASE, 'Scan', () =>
      dynamo().send(
        new ScanCommand({
          TableName: staffTable(),
          ProjectionExpression:
            'staffId, email, #roles, failedLogins, lastLoginAttemptAt, tokenVersion, createdAt, createdBy, disabledAt, mustChangePassword',
          FilterExpression: 'staffId <> :counter',
          ExpressionAttributeNames: { '#roles': 'roles' },
          ExpressionAttributeValues: { ':counter': STAFF_WRITERS_KEY.staffId },
          Limit: limit - staff.length,
          ...(from === undefined ? {} : { ExclusiveStartKey: { staffId: from } }),
        }),
      ),
    );
    staff.push(...((result.Items ?? []) as StaffSummary[]));
    const last: unknown = result.LastEvaluatedKey?.staffId;
    if (typeof last !== 'string') return { staff };
    if (staff.length >= limit) return { staff, next: staff.at(-1)!.staffId };
    start = last;
  }
}

/**
 * The transaction action that moves the count of `staff:write` holders by `delta` (+1 or −1). Taking one away is
 * allowed only while at least two hold it: the transaction is cancelled (reason on this action) otherwise.
 */
export function staffWritersCount(delta: 1 | -1): TransactItem {
  return {
    Update: {
      TableName: staffTable(),
      Key: STAFF_WRITERS_KEY,
      UpdateExpression: 'ADD holders :delta',
      ...(delta < 0
        ? { ConditionExpression: 'holders > :one', ExpressionAttributeValues: { ':delta': -1, ':one': 1 } }
        : { ExpressionAttributeValues: { ':delta': 1 } }),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}
