/**
 * The staff and account-control suites' world: the in-memory tables (../aws/tables.ts) over the mocked world, with
 * staff `root` and `boss` (admin: the two holders of staff:write), `clerk1` (clerk) and `sec` (security), customer
 * `alice`; the admin, login, password and order functions and the authorizer imported anew before each test
 * ({@link coldStartBeforeEach}); and the calls the tests make, as a person would through API Gateway. `world`,
 * `tables` and the handlers are live bindings: read them inside tests.
 */
import { beforeEach, expect, vi } from 'vitest';
import type { APIGatewayAuthorizerResult, APIGatewayProxyResult } from 'aws-lambda';
import type { StaffMember } from '../../../shared/aws/staff.js';
import { STAFF_WRITERS_KEY } from '../../../shared/aws/staff.js';
import { hashPassword } from '../../../shared/passwords.js';
import type { StaffRole } from '../../../shared/permissions.js';
import { FAST_SCRYPT, addCustomer, apiEvent, bodyOf, installWorld, lambdaContext } from '../aws.js';
import type { World } from '../aws.js';
import { installTables } from '../aws/tables.js';
import type { Tables } from '../aws/tables.js';

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;
export let world: World;
export let tables: Tables;
export let admin: Handler;
export let loginHandler: Handler;
export let passwordHandler: Handler;
export let authorize: (event: {
  type: 'TOKEN';
  authorizationToken: string;
  methodArn: string;
}) => Promise<APIGatewayAuthorizerResult>;

export const PASSWORD = 'correct horse battery';
const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:api123/prod/GET/admin/staff';

/** The staff every test starts with, and their roles. */
export const STAFF: Readonly<Record<string, StaffRole[]>> = {
  root: ['admin'],
  boss: ['admin'],
  clerk1: ['clerk'],
  sec: ['security'],
};

/** A fresh world with the staff and alice, and freshly imported functions, before each of the file's tests. */
export function coldStartBeforeEach(): void {
  beforeEach(async () => {
    world = installWorld();
    tables = installTables(world);
    vi.resetModules();
    admin = (await import('../../../functions/admin/index.js')).handler as unknown as Handler;
    loginHandler = (await import('../../../functions/login/index.js')).handler as unknown as Handler;
    passwordHandler = (await import('../../../functions/password/index.js')).handler as unknown as Handler;
    authorize = (await import('../../../functions/authorizer/index.js')).authorize;
    const passwordHash = await hashPassword(PASSWORD, FAST_SCRYPT);
    for (const [staffId, roles] of Object.entries(STAFF)) {
      const member: StaffMember = {
        staffId,
        email: `${staffId}@opd.example`,
        roles,
        passwordHash,
        failedLogins: 0,
        tokenVersion: 1,
        createdAt: '2026-11-01T00:00:00.000Z',
        createdBy: 'first-admin',
      };
      tables.put('staff', { ...member });
    }
    tables.put('staff', { ...STAFF_WRITERS_KEY, holders: 2 });
    await addCustomer(world, 'alice', PASSWORD);
  });
}

/** A staff member as stored now. */
export const stored = (staffId: string) => tables.item('staff', staffId) as StaffMember | undefined;

/** `METHOD resource` of the admin function, called by `as` (a staff ID: their session at their current version). */
export function call(
  as: string,
  method: string,
  resource: string,
  options: { params?: Record<string, string>; body?: unknown; query?: Record<string, string> } = {},
): Promise<APIGatewayProxyResult> {
  const member = stored(as);
  const path = Object.entries(options.params ?? {}).reduce(
    (p, [name, value]) => p.replace(`{${name}}`, value),
    resource,
  );
  return admin(
    apiEvent({
      method,
      resource,
      path,
      session: { staffId: as, roles: [...(member?.roles ?? [])], tokenVersion: member?.tokenVersion ?? 1 },
      ...(options.params ? { pathParameters: options.params } : {}),
      ...(options.body === undefined ? {} : { body: options.body }),
      ...(options.query ? { query: options.query } : {}),
    }),
    lambdaContext,
  );
}

/** A staff route of one member: `POST /admin/staff/{staffId}/<what>` by `as`. */
export const onStaff = (as: string, what: string, staffId: string, body?: unknown) =>
  call(as, what === 'roles' ? 'PUT' : 'POST', `/admin/staff/{staffId}/${what}`, {
    params: { staffId },
    ...(body === undefined ? {} : { body }),
  });

/** `POST /admin/customers/{customerId}/<what>` by `as`. */
export const onCustomer = (as: string, what: string, customerId: string) =>
  call(as, 'POST', `/admin/customers/{customerId}/${what}`, { params: { customerId } });

/** Logs in (`POST /login` or `POST /staff/login`) and returns the answer. */
export function login(kind: 'customer' | 'staff', id: string, password = PASSWORD) {
  const [resource, body] =
    kind === 'customer' ? ['/login', { customerId: id, password }] : ['/staff/login', { staffId: id, password }];
  return loginHandler(apiEvent({ method: 'POST', resource, body }), lambdaContext);
}

/** Logs in, expecting success; the session's answer. */
export async function sessionOf(kind: 'customer' | 'staff', id: string, password = PASSWORD) {
  const response = await login(kind, id, password);
  expect(response.statusCode, response.body).toBe(200);
  return bodyOf(response) as { token: string; mustChangePassword: boolean };
}

/** What the authorizer says of `token`: its context (allowed), or `refused` (API Gateway's 401). */
export async function authorizerSays(token: string): Promise<Record<string, unknown> | 'refused'> {
  try {
    const result = await authorize({ type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn: METHOD_ARN });
    return { ...result.context, principalId: result.principalId };
  } catch (error) {
    if (error instanceof Error && error.message === 'Unauthorized') return 'refused';
    throw error;
  }
}

/**
 * Calls `handler` with `token` as API Gateway would: the authorizer first (expected to allow it), then the route with
 * the context the authorizer gave.
 */
export async function throughGateway(
  handler: Handler,
  token: string,
  request: { method: string; resource: string; body?: unknown; params?: Record<string, string> },
): Promise<APIGatewayProxyResult> {
  const context = await authorizerSays(token);
  if (context === 'refused') throw new Error('the authorizer refused the token');
  const event = apiEvent({
    method: request.method,
    resource: request.resource,
    ...(request.body === undefined ? {} : { body: request.body }),
    ...(request.params ? { pathParameters: request.params } : {}),
  });
  (event.requestContext as { authorizer: unknown }).authorizer = context;
  return handler(event, lambdaContext);
}

/** The audit records written since the test began (fixtures write none). */
export const auditRecords = () => tables.audit();
