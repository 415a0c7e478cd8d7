/**
 * Every route × every role: a staff route runs for the roles whose permissions include the one it declares, and is
 * refused to every other role with 403 `forbidden` naming the missing permission, before anything is read or written.
 * Customers' routes refuse staff; staff routes refuse customers. The router makes every one of these decisions
 * (shared/router.ts `checkCaller`); this walks the route table (contract/routes.ts) through the real functions.
 */
import { BatchWriteCommand, DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { readFileSync } from 'node:fs';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ROUTE_LIST } from '../contract/routes.js';
import type { RouteEntry } from '../contract/routes.js';
import { MESSAGES } from '../shared/errors.js';
import { PERMISSIONS, ROLES, ROLE_NAMES } from '../shared/permissions.js';
import type { Permission } from '../shared/permissions.js';
import {
  apiEvent,
  bodyOf,
  ddb,
  installWorld,
  lambdaContext,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from './helpers/aws.js';
import type { TestSession } from './helpers/aws/events.js';

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;
const handlers = new Map<string, Handler>();

beforeAll(async () => {
  installWorld();
  for (const name of new Set(ROUTE_LIST.map((route) => route.handler)))
    handlers.set(name, ((await import(`../functions/${name}/index.ts`)) as { handler: Handler }).handler);
});
beforeEach(() => {
  installWorld();
});

/** A value each path parameter accepts, so that the request reaches what the router checks first: the caller. */
const SAMPLE_PARAMETERS: Readonly<Record<string, string>> = {
  id: 'A'.repeat(22),
  sku: 'WIDGET-1',
  customerId: 'alice',
  keyId: 'k1',
  kid: 'k1',
  staffId: 'someone-else',
};

/** Every write request DynamoDB has been sent since the world was installed. */
const writes = () =>
  ddb.commandCalls(PutCommand).length +
  ddb.commandCalls(UpdateCommand).length +
  ddb.commandCalls(TransactWriteCommand).length +
  ddb.commandCalls(DeleteCommand).length +
  ddb.commandCalls(BatchWriteCommand).length;

async function call(route: RouteEntry, session: TestSession) {
  const pathParameters = Object.fromEntries(
    Object.keys(route.params ?? {}).map((name) => [name, SAMPLE_PARAMETERS[name] ?? 'x']),
  );
  const response = await handlers.get(route.handler)!(
    apiEvent({
      method: route.method,
      resource: route.path,
      pathParameters,
      session,
      body: {},
      headers: Object.fromEntries((route.headers ?? []).map((name) => [name, 'permission-walk-key-0001'])),
    }),
    lambdaContext,
  );
  return { status: response.statusCode, body: bodyOf(response) };
}

const staffRoutes = ROUTE_LIST.filter((route) => Object.hasOwn(PERMISSIONS, route.permission));
const customerRoutes = ROUTE_LIST.filter((route) => route.permission === 'customer');

describe('every staff route × every role', () => {
  const cases = staffRoutes.flatMap((route) =>
    ROLE_NAMES.map((role) => {
      const permission = route.permission as Permission;
      const allowed = (ROLES[role].permissions as readonly Permission[]).includes(permission);
      return [route.key, role, permission, allowed, route] as const;
    }),
  );

  it.each(cases)('%s as %s (needs %s; allowed: %s)', async (_key, role, permission, allowed, route) => {
    const { status, body } = await call(route, { staffId: 'walker', roles: [role] });
    if (allowed) {
      expect(status, JSON.stringify(body)).not.toBe(403);
      return;
    }
    expect(status).toBe(403);
    expect(body).toEqual({
      error: {
        code: 'forbidden',
        message: `this needs the permission ${permission}, which your roles (${role}) do not give`,
        permission,
      },
    });
    expect(writes()).toBe(0);
  });

  it('every permission is given by some role other than admin, or is an administrator’s alone on purpose', () => {
    const outsideAdmin = new Set(
      ROLE_NAMES.filter((role) => role !== 'admin').flatMap((role) => ROLES[role].permissions as readonly Permission[]),
    );
    expect(Object.keys(PERMISSIONS).filter((permission) => !outsideAdmin.has(permission as Permission))).toEqual([
      'staff:write',
    ]);
    expect([...ROLES.admin.permissions].sort()).toEqual(Object.keys(PERMISSIONS).sort());
  });

  it('every staff route is refused to customers, before anything is written', async () => {
    for (const route of staffRoutes) {
      const { status, body } = await call(route, { customerId: 'alice', role: 'customer' });
      expect([route.key, status, body.error]).toEqual([
        route.key,
        403,
        { code: 'forbidden', message: MESSAGES.staffOnly },
      ]);
    }
    expect(writes()).toBe(0);
  });

  it('every customer route is refused to staff, whatever their roles, before anything is written', async () => {
    for (const route of customerRoutes) {
      const { status, body } = await call(route, { staffId: 'root', roles: [...ROLE_NAMES] });
      expect([route.key, status, body.error]).toEqual([
        route.key,
        403,
        { code: 'forbidden', message: MESSAGES.customersOnly },
      ]);
    }
    expect(writes()).toBe(0);
  });

  it('a session opened with a one-time password may only change it (or log out)', async () => {
    for (const route of ROUTE_LIST.filter((entry) => entry.auth !== 'none')) {
      const session: TestSession = Object.hasOwn(PERMISSIONS, route.permission)
        ? { staffId: 'walker', roles: ['admin'], mustChangePassword: true }
        : { customerId: 'alice', role: 'customer', mustChangePassword: true };
      const { status, body } = await call(route, session);
      if (route.key === 'POST /password' || route.key === 'POST /logout') expect(status, route.key).not.toBe(403);
      else
        expect([route.key, status, (body.error as { code: string }).code]).toEqual([
          route.key,
          403,
          'password_change_required',
        ]);
    }
  });
});

/** The rows of the markdown table that follows `heading`'s line `| permission |` in `file`, cells trimmed. */
function tableAfter(file: string, header: RegExp): string[][] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex((line) => header.test(line));
  expect(start, `${file}: ${header}`).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

describe('the docs print the same matrix and the same route permissions as the code', () => {
  it.each(['README.md', 'docs/api.md'])('%s: the permission matrix', (file) => {
    const rows = tableAfter(file, /^\| permission +\|/);
    expect(rows.map((row) => row[0])).toEqual(Object.keys(PERMISSIONS).map((name) => `\`${name}\``));
    for (const row of rows) {
      const permission = row[0]!.slice(1, -1) as Permission;
      expect(row.slice(1, 1 + ROLE_NAMES.length), permission).toEqual(
        ROLE_NAMES.map((role) => ((ROLES[role].permissions as readonly Permission[]).includes(permission) ? '✓' : '')),
      );
      expect(row[1 + ROLE_NAMES.length]).toBe(PERMISSIONS[permission]);
    }
  });

  it('docs/api.md: the permission of every /admin route', () => {
    const rows = tableAfter('docs/api.md', /^\| route +\| permission +\|/);
    expect(rows).toEqual(staffRoutes.map((route) => [`\`${route.key}\``, `\`${route.permission}\``]));
  });
});
