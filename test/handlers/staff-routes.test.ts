/**
 * The staff routes against in-memory tables that apply conditions and transactions as DynamoDB does: listing and
 * showing staff (never a password hash), adding them, changing their roles, and the guards — nobody changes their own
 * roles, the last active holder of staff:write keeps it even when two administrators demote each other at once, and a
 * change ends the member's sessions at once. Every change writes exactly one audit record; a refusal writes none.
 */
import { describe, expect, it } from 'vitest';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { ROLE_NAMES, allows } from '../../shared/permissions.js';
import { bodyOf } from '../helpers/aws.js';
import {
  auditRecords,
  authorizerSays,
  call,
  coldStartBeforeEach,
  login,
  onStaff,
  sessionOf,
  stored,
  tables,
} from '../helpers/handlers/staff.js';

coldStartBeforeEach();

const errorOf = (response: APIGatewayProxyResult) => (bodyOf(response).error ?? {}) as Record<string, unknown>;

/** Holds every transaction until `count` wait, then lets them go: the racing requests have all read first. */
function raceTransactions(count: number): void {
  let waiting = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  tables.beforeTransaction = () => {
    if (++waiting >= count) release();
    return gate;
  };
}

/** Who holds staff:write and can use it (not disabled), by ID. */
const activeWriters = () =>
  tables
    .items('staff')
    .filter((item) => Array.isArray(item.roles) && item.disabledAt === undefined)
    .filter((item) => allows(item.roles as never, 'staff:write'))
    .map((item) => item.staffId);

describe('GET /admin/staff and GET /admin/staff/{staffId}', () => {
  it('pages through every member once, never the holders’ count, never a hash; staff:read is needed', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const response = await call('sec', 'GET', '/admin/staff', {
        query: { limit: '1', ...(cursor ? { cursor } : {}) },
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.body).not.toMatch(/passwordHash|scrypt|holders/);
      const page = bodyOf(response) as { staff: Array<{ staffId: string }>; next?: string };
      // A full page each time: the count's item, read first, does not make one come back empty.
      if (page.next) expect(page.staff).toHaveLength(1);
      seen.push(...page.staff.map((member) => member.staffId));
      cursor = page.next;
    } while (cursor);
    expect(seen).toEqual(['boss', 'clerk1', 'root', 'sec']);

    const refused = await call('clerk1', 'GET', '/admin/staff');
    expect(refused.statusCode).toBe(403);
    expect(errorOf(refused)).toMatchObject({ code: 'forbidden', permission: 'staff:read' });
  });

  it('shows a member: roles, the permissions they give, disabled, locked, must change password, created by/at', async () => {
    const response = await call('sec', 'GET', '/admin/staff/{staffId}', { params: { staffId: 'clerk1' } });
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({
      staffId: 'clerk1',
      email: 'clerk1@opd.example',
      roles: ['clerk'],
      permissions: ['orders:read', 'orders:fulfil', 'orders:cancel', 'emails:retry', 'products:read'],
      disabled: false,
      locked: false,
      mustChangePassword: false,
      createdAt: '2026-11-01T00:00:00.000Z',
      createdBy: 'first-admin',
      lock: { locked: false, failedLogins: 0 },
    });
    const missing = await call('sec', 'GET', '/admin/staff/{staffId}', { params: { staffId: 'nobody' } });
    expect(missing.statusCode).toBe(404);
    const counter = await call('sec', 'GET', '/admin/staff/{staffId}', { params: { staffId: '#staff-write-holders' } });
    expect(errorOf(counter)).toMatchObject({
      code: 'invalid_request',
      message: 'the staff ID in the URL is not a valid one',
    });
  });
});

describe('POST /admin/staff', () => {
  const newcomer = { staffId: 'dora', email: 'dora@opd.example', password: 'a long passphrase 42', roles: ['admin'] };

  it('adds a member with a hashed password, counts a new holder of staff:write, and audits it once', async () => {
    const response = await call('root', 'POST', '/admin/staff', { body: newcomer });
    expect(response.statusCode, response.body).toBe(201);
    expect(bodyOf(response)).toMatchObject({ staffId: 'dora', roles: ['admin'], createdBy: 'root', disabled: false });
    expect(response.body).not.toMatch(/passwordHash|scrypt|passphrase/);
    expect(stored('dora')?.passwordHash).toMatch(/^scrypt\$17\$/);
    expect(tables.holders()).toBe(3);
    const records = auditRecords();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      action: 'staff.add',
      target: 'dora',
      actor: 'root',
      actorKind: 'staff',
      actorRoles: ['admin'],
      changes: { roles: { after: ['admin'] }, email: { after: 'dora@opd.example' } },
    });
    expect(JSON.stringify(records)).not.toContain('passphrase');
  });

  it.each([
    [
      'an unknown role',
      { ...newcomer, roles: ['boss'] },
      400,
      new RegExp(`"boss" is not a role; the roles are ${ROLE_NAMES.join(', ')}`),
    ],
    ['no role', { ...newcomer, roles: [] }, 400, /at least one role/],
    ['a weak password', { ...newcomer, password: 'password' }, 400, /./],
    ['an ID that exists', { ...newcomer, staffId: 'clerk1' }, 409, /already exists/],
  ])('refuses %s: nothing stored, no audit record', async (_what, body, status, message) => {
    const response = await call('root', 'POST', '/admin/staff', { body });
    expect(response.statusCode, response.body).toBe(status);
    expect(String(errorOf(response).message)).toMatch(message);
    expect(stored('dora')).toBeUndefined();
    expect(stored('clerk1')?.email).toBe('clerk1@opd.example');
    expect(tables.holders()).toBe(2);
    expect(auditRecords()).toEqual([]);
  });

  it('needs staff:write (security has staff:read only)', async () => {
    const response = await call('sec', 'POST', '/admin/staff', { body: newcomer });
    expect(response.statusCode).toBe(403);
    expect(errorOf(response)).toMatchObject({ code: 'forbidden', permission: 'staff:write' });
    expect(stored('dora')).toBeUndefined();
  });
});

describe('PUT /admin/staff/{staffId}/roles', () => {
  it('answers before → after, ends the member’s sessions at once (the authorizer refuses the old token), audits once', async () => {
    const { token } = await sessionOf('staff', 'clerk1');
    expect(await authorizerSays(token)).toMatchObject({ kind: 'staff', subject: 'clerk1', roles: 'clerk' });
    const response = await onStaff('root', 'roles', 'clerk1', { roles: ['finance', 'clerk', 'clerk'] });
    expect(response.statusCode, response.body).toBe(200);
    expect(bodyOf(response)).toMatchObject({
      staffId: 'clerk1',
      before: ['clerk'],
      after: ['clerk', 'finance'],
      changed: true,
      sessionsEnded: true,
    });
    expect(stored('clerk1')).toMatchObject({ roles: ['clerk', 'finance'], tokenVersion: 2 });
    expect(await authorizerSays(token)).toBe('refused');
    expect(auditRecords()).toHaveLength(1);
    expect(auditRecords()[0]).toMatchObject({
      action: 'staff.roles',
      target: 'clerk1',
      actor: 'root',
      changes: { roles: { before: ['clerk'], after: ['clerk', 'finance'] } },
    });
    // The new roles hold from the next login.
    expect(await authorizerSays((await sessionOf('staff', 'clerk1')).token)).toMatchObject({ roles: 'clerk,finance' });
  });

  it('the same roles again change nothing: no session ends, no audit record', async () => {
    const response = await onStaff('root', 'roles', 'clerk1', { roles: ['clerk'] });
    expect(bodyOf(response)).toMatchObject({ changed: false, sessionsEnded: false });
    expect(stored('clerk1')?.tokenVersion).toBe(1);
    expect(auditRecords()).toEqual([]);
  });

  it('nobody changes their own roles (403), nothing changes', async () => {
    const response = await onStaff('root', 'roles', 'root', { roles: ['admin', 'clerk'] });
    expect(response.statusCode).toBe(403);
    expect(errorOf(response)).toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/own roles/) as unknown,
    });
    expect(stored('root')).toMatchObject({ roles: ['admin'], tokenVersion: 1 });
    expect(auditRecords()).toEqual([]);
  });

  it.each([
    ['demote', 'roles', { roles: ['clerk'] }, 'staff.roles'],
    ['disable', 'disable', undefined, 'staff.disable'],
  ] as const)(
    'two administrators who %s each other at the same time: one wins; the other, whose own sessions that ended, is refused at commit; one holder stays',
    async (_what, route, body, action) => {
      raceTransactions(2);
      const [first, second] = await Promise.all([
        onStaff('root', route, 'boss', body),
        onStaff('boss', route, 'root', body),
      ]);
      // The loser's own token version moved (it was demoted or disabled): its transaction's check of its caller fails.
      expect([first.statusCode, second.statusCode].sort()).toEqual([200, 401]);
      const refused = first.statusCode === 401 ? first : second;
      expect(errorOf(refused)).toMatchObject({ code: 'unauthorized' });
      expect(activeWriters()).toHaveLength(1);
      expect(tables.holders()).toBe(1);
      expect(auditRecords().map((record) => record.action)).toEqual([action]);
    },
  );

  it('the same demotion sent twice at once: both answered 200 (changed, then unchanged), one audit record', async () => {
    raceTransactions(2);
    const answers = await Promise.all([
      onStaff('root', 'roles', 'boss', { roles: ['catalog'] }),
      onStaff('root', 'roles', 'boss', { roles: ['catalog'] }),
    ]);
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200]);
    expect(answers.map((answer) => bodyOf(answer).changed).sort()).toEqual([false, true]);
    expect(stored('boss')?.roles).toEqual(['catalog']);
    expect(tables.holders()).toBe(1);
    expect(auditRecords()).toHaveLength(1);
  });
});

describe('POST /admin/staff/{staffId}/disable and /enable', () => {
  it('a disabled member’s sessions end and they cannot log in; re-enabled, they can; each audited once', async () => {
    const { token } = await sessionOf('staff', 'boss');
    const disabled = await onStaff('root', 'disable', 'boss');
    expect(bodyOf(disabled)).toEqual({ staffId: 'boss', disabled: true, changed: true, sessionsEnded: true });
    expect(await authorizerSays(token)).toBe('refused');
    const right = await login('staff', 'boss');
    expect([right.statusCode, errorOf(right).code]).toEqual([403, 'account_disabled']);
    const wrong = await login('staff', 'boss', 'not the password at all');
    expect([wrong.statusCode, errorOf(wrong).code]).toEqual([401, 'invalid_credentials']);
    expect(tables.holders()).toBe(1);
    expect(activeWriters()).toEqual(['root']);
    const again = await onStaff('root', 'disable', 'boss');
    expect(bodyOf(again)).toMatchObject({ disabled: true, changed: false });
    expect(auditRecords().map((record) => [record.action, record.target, record.actor])).toEqual([
      ['staff.disable', 'boss', 'root'],
    ]);

    const enabled = await onStaff('root', 'enable', 'boss');
    expect(bodyOf(enabled)).toMatchObject({ staffId: 'boss', disabled: false, changed: true });
    expect(tables.holders()).toBe(2);
    expect((await sessionOf('staff', 'boss')).token).toBeTruthy();
    expect(auditRecords().map((record) => record.action)).toEqual(['staff.disable', 'staff.enable']);
  });

  it('nobody disables their own account here (403); the last active holder of staff:write cannot be disabled (409)', async () => {
    expect((await onStaff('root', 'disable', 'boss')).statusCode).toBe(200);
    const own = await onStaff('root', 'disable', 'root');
    expect(own.statusCode).toBe(403);
    expect(errorOf(own)).toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining('their own account') as unknown,
    });
    // Nobody else holds staff:write, so only an operator (AWS credentials, outside the API) could try it: refused too.
    const { disableAccount } = await import('../../shared/services/account-control.js');
    const operator = { kind: 'operator' as const, id: 'ops', roles: [], requestId: 'test' };
    await expect(disableAccount({ kind: 'staff', id: 'root' }, operator)).rejects.toMatchObject({
      code: 'last_staff_admin',
    });
    expect(stored('root')).toMatchObject({ tokenVersion: 1 });
    expect(stored('root')?.disabledAt).toBeUndefined();
    expect(auditRecords().map((record) => record.action)).toEqual(['staff.disable']);
  });

  it('the same disable sent twice at once: both 200, the holder count moves once, one audit record', async () => {
    raceTransactions(2);
    const answers = await Promise.all([onStaff('root', 'disable', 'boss'), onStaff('root', 'disable', 'boss')]);
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200]);
    expect(answers.map((answer) => bodyOf(answer).changed).sort()).toEqual([false, true]);
    expect(tables.holders()).toBe(1);
    expect(auditRecords()).toHaveLength(1);
  });
});
