/**
 * Every function's router, built from the route table (contract/routes.ts): a function gives one implementation per
 * route the table says it serves — no more, no fewer, checked by the compiler and again when the module loads — and
 * the router checks who may call it and parses its body before the implementation runs.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import { ROUTES } from '../contract/routes.js';
import type { RouteDefinition, RouteKey } from '../contract/routes.js';
import { ApiError, MESSAGES } from './errors.js';
import { sessionOf } from './handler.js';
import type { ApiHandler, CallerSession, CustomerSession, StaffSession } from './handler.js';
import type { Actor } from './audit.js';
import { allows } from './permissions.js';
import { asStaffCaller } from './caller.js';
import { parseJsonBody, requiredIdempotencyKey } from './http.js';
import { IDEMPOTENCY_KEY_HEADER } from './idempotency.js';
import { logger } from './observability.js';

type Routes = typeof ROUTES;
/** A function that serves routes (the table's `handler`). */
export type HandlerName = RouteDefinition['handler'];
/** The routes function `H` serves. */
export type RoutesOf<H extends HandlerName> = { [K in RouteKey]: Routes[K]['handler'] extends H ? K : never }[RouteKey];
/** Route `K`'s body as its schema parsed it; `undefined` for a route without a body. */
export type BodyOf<K extends RouteKey> = Routes[K] extends { body: () => infer S extends z.ZodMiniType }
  ? z.infer<S>
  : undefined;
/** Route `K`'s path parameters, checked against their patterns. */
export type ParamsOf<K extends RouteKey> = Routes[K] extends { params: infer P }
  ? { readonly [N in keyof P]: string }
  : Readonly<Record<never, string>>;
/** Route `K`'s `Idempotency-Key`, checked: present exactly on the routes that require it. */
export type IdempotencyKeyOf<K extends RouteKey> = Routes[K] extends { headers: readonly string[] }
  ? string
  : undefined;
/** The caller of route `K`: none for a public route, a customer, a staff member, or either. */
export type CallerOf<K extends RouteKey> = Routes[K]['permission'] extends 'public'
  ? undefined
  : Routes[K]['permission'] extends 'account'
    ? CallerSession
    : Routes[K]['permission'] extends 'customer'
      ? CustomerSession
      : StaffSession;
/** Who acts on route `K`, for the audit trail: none for a public route. */
export type ActorOf<K extends RouteKey> = Routes[K]['permission'] extends 'public' ? undefined : Actor;

/** What a route's implementation is given: the event, and what the router already checked and parsed. */
export interface RouteRequest<K extends RouteKey> {
  readonly event: APIGatewayProxyEvent;
  readonly context: Context;
  readonly session: CallerOf<K>;
  /** The caller as the audit trail names them (shared/audit.ts), with this request's ID. */
  readonly actor: ActorOf<K>;
  readonly params: ParamsOf<K>;
  readonly idempotencyKey: IdempotencyKeyOf<K>;
  readonly body: BodyOf<K>;
}

export type RouteImplementation<K extends RouteKey> = (request: RouteRequest<K>) => Promise<APIGatewayProxyResult>;
/** One implementation per route of function `H`. */
export type Implementations<H extends HandlerName> = { readonly [K in RoutesOf<H>]: RouteImplementation<K> };

/**
 * The router of function `handler`. Dispatches on `httpMethod` and `resource` (the route template API Gateway matched,
 * e.g. `/orders/{id}`), then checks, in this order, failing on the first fault: the session and who may call the route
 * ({@link checkCaller}), the path parameters, the `Idempotency-Key`, the body. Logs who did what on a staff route.
 * @throws Error at load if `implementations` and the table disagree
 */
export function serveRoutes<H extends HandlerName>(handler: H, implementations: Implementations<H>): ApiHandler {
  const table = ROUTES as Readonly<Record<string, RouteDefinition>>;
  const served = Object.keys(table).filter((key) => table[key]!.handler === handler);
  const given = Object.keys(implementations);
  const missing = served.filter((key) => !given.includes(key));
  const extra = given.filter((key) => !served.includes(key));
  if (missing.length > 0 || extra.length > 0)
    throw new Error(
      `the ${handler} function and the route table disagree: ${[
        ...missing.map((key) => `no implementation of ${key}`),
        ...extra.map((key) => `${key} is not a route of ${handler}`),
      ].join('; ')}`,
    );
  const routes = implementations as unknown as Readonly<Record<string, RouteImplementation<RouteKey>>>;
  return async (event, context) => {
    const key = `${event.httpMethod} ${event.resource}`;
    const route = table[key];
    const implementation = routes[key];
    if (!route || route.handler !== handler || !implementation)
      throw new ApiError('not_found', `no route ${event.httpMethod} ${event.resource}`);
    const session = route.permission === 'public' ? undefined : sessionOf(event);
    if (session) checkCaller(key, route, session);
    const actor = session && actorOf(session, event);
    const params = Object.fromEntries(
      Object.entries(route.params ?? {}).map(([name, pattern]) => [name, pathParameter(event, name, pattern)]),
    );
    const idempotencyKey = route.headers?.includes(IDEMPOTENCY_KEY_HEADER) ? requiredIdempotencyKey(event) : undefined;
    const body = route.body ? parseJsonBody(event, route.body()) : undefined;
    const request = { event, context, session, actor, params, idempotencyKey, body };
    const run = () => implementation(request as RouteRequest<RouteKey>);
    // A staff request's transactions check at commit that the caller may still act (shared/caller.ts).
    const response =
      session?.kind === 'staff'
        ? await asStaffCaller({ staffId: session.staffId, tokenVersion: session.tokenVersion }, run)
        : await run();
    if (session?.kind === 'staff')
      logger.info('staff action', { staff: session.staffId, route: key, status: response.statusCode });
    return response;
  };
}

/** Routes a session that must change its password may still call: the change itself, and leaving. */
const WHILE_PASSWORD_MUST_CHANGE: ReadonlySet<string> = new Set(['POST /password', 'POST /logout']);

/**
 * Whether `session` may call route `key`: customers only the customers' routes, staff only the routes whose
 * permission one of their roles gives, and a session opened with a one-time password nothing but the password change.
 * @throws ApiError `forbidden` naming what is missing; `password_change_required`
 */
export function checkCaller(key: string, route: RouteDefinition, session: CallerSession): void {
  if (session.mustChangePassword && !WHILE_PASSWORD_MUST_CHANGE.has(key))
    throw new ApiError('password_change_required', MESSAGES.passwordChangeRequired);
  const { permission } = route;
  if (permission === 'public' || permission === 'account') return;
  if (permission === 'customer') {
    if (session.kind !== 'customer') throw new ApiError('forbidden', MESSAGES.customersOnly);
    return;
  }
  if (session.kind !== 'staff') throw new ApiError('forbidden', MESSAGES.staffOnly);
  if (!allows(session.roles, permission))
    throw new ApiError(
      'forbidden',
      `this needs the permission ${permission}, which your roles (${session.roles.join(', ') || 'none'}) do not give`,
      { details: { permission } },
    );
}

/** The caller as the audit trail names them. */
function actorOf(session: CallerSession, event: APIGatewayProxyEvent): Actor {
  const requestId = event.requestContext?.requestId ?? 'unknown';
  return session.kind === 'customer'
    ? { kind: 'customer', id: session.customerId, roles: [], requestId }
    : { kind: 'staff', id: session.staffId, roles: session.roles, requestId };
}

/** How a path parameter is called in an error, in the words of the people who typed it. */
const PARAMETER_NAMES: Readonly<Record<string, string>> = {
  id: 'order ID',
  sku: 'SKU',
  customerId: 'customer ID',
  staffId: 'staff ID',
  keyId: 'key ID',
  kid: 'key ID',
};

/** A path parameter that must match `pattern`. @throws ApiError `invalid_request` */
export function pathParameter(event: APIGatewayProxyEvent, name: string, pattern: RegExp): string {
  const value = event.pathParameters?.[name];
  if (value === undefined || !pattern.test(value))
    throw new ApiError('invalid_request', `the ${PARAMETER_NAMES[name] ?? name} in the URL is not a valid one`);
  return value;
}

/** A query parameter that must match `pattern` if present. @throws ApiError `invalid_request` */
export function queryParameter(event: APIGatewayProxyEvent, name: string, pattern: RegExp): string | undefined {
  const value = event.queryStringParameters?.[name];
  if (value !== undefined && !pattern.test(value)) throw new ApiError('invalid_request', `invalid ${name}`);
  return value;
}
