/**
 * The API's routes, as plain data: the CDK stack builds API Gateway from this list and the local API adapter serves
 * the same list, so the two cannot disagree about which function serves what or which routes need a session.
 */
import { IDEMPOTENCY_KEY_HEADER } from '../shared/idempotency.js';
import type { HandlerDefinition } from './handlers.js';

export interface RouteDefinition {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** API Gateway resource path, with `{param}` placeholders. */
  readonly path: string;
  readonly handler: HandlerDefinition['name'];
  /**
   * `none`: public by design (login, health, the server's public key, the receipt keys). `session`: the Lambda
   * authorizer checks the token and the customer's current token version and role on every call. `cached-session`:
   * the same authorizer, whose answer API Gateway keeps for {@link AUTHORIZER_CACHE_SECONDS} per token — only for
   * placing an order, whose transaction checks the token version and role again at commit, so a cached answer can
   * never let a revoked session order.
   */
  readonly auth: 'none' | 'session' | 'cached-session';
  /** The API Gateway request model (body validation at the edge) for this route, if any. */
  readonly model?: 'LoginRequest' | 'PasswordRequest' | 'OrderRequest';
  /** Request headers the route requires: API Gateway (and the local API) refuse a request without them, 400. */
  readonly headers?: readonly string[];
}

/** How long API Gateway keeps an authorizer answer for a `cached-session` route (its maximum is 3600). */
export const AUTHORIZER_CACHE_SECONDS = 300;

export const ROUTES: readonly RouteDefinition[] = [
  { method: 'POST', path: '/login', handler: 'login', auth: 'none', model: 'LoginRequest' },
  { method: 'POST', path: '/refresh', handler: 'login', auth: 'session' },
  { method: 'POST', path: '/logout', handler: 'login', auth: 'session' },
  { method: 'GET', path: '/health', handler: 'read', auth: 'none' },
  { method: 'GET', path: '/server-key', handler: 'read', auth: 'none' },
  { method: 'GET', path: '/receipt-keys', handler: 'read', auth: 'none' },
  { method: 'POST', path: '/password', handler: 'password', auth: 'session', model: 'PasswordRequest' },
  { method: 'POST', path: '/orders', handler: 'order', auth: 'cached-session', model: 'OrderRequest' },
  { method: 'GET', path: '/orders', handler: 'read', auth: 'session' },
  { method: 'GET', path: '/orders/{id}', handler: 'read', auth: 'session' },
  { method: 'GET', path: '/products', handler: 'read', auth: 'session' },
  { method: 'POST', path: '/orders/{id}/cancel', handler: 'order', auth: 'session' },
  { method: 'GET', path: '/account', handler: 'read', auth: 'session' },
  { method: 'GET', path: '/admin/orders', handler: 'admin', auth: 'session' },
  { method: 'GET', path: '/admin/orders/{id}', handler: 'admin', auth: 'session' },
  { method: 'POST', path: '/admin/orders/{id}/fulfil', handler: 'admin', auth: 'session' },
  { method: 'POST', path: '/admin/orders/{id}/cancel', handler: 'order', auth: 'session' },
  { method: 'GET', path: '/admin/customers', handler: 'admin', auth: 'session' },
  { method: 'GET', path: '/admin/customers/{customerId}', handler: 'admin', auth: 'session' },
  {
    method: 'POST',
    path: '/admin/customers/{customerId}/credit',
    handler: 'admin',
    auth: 'session',
    headers: [IDEMPOTENCY_KEY_HEADER],
  },
  { method: 'POST', path: '/admin/products', handler: 'admin', auth: 'session' },
  { method: 'PATCH', path: '/admin/products/{sku}', handler: 'admin', auth: 'session' },
  { method: 'POST', path: '/admin/products/{sku}/restock', handler: 'admin', auth: 'session' },
  { method: 'POST', path: '/admin/customers', handler: 'admin', auth: 'session' },
  { method: 'POST', path: '/admin/customers/{customerId}/keys', handler: 'admin', auth: 'session' },
  { method: 'DELETE', path: '/admin/customers/{customerId}/keys/{keyId}', handler: 'admin', auth: 'session' },
  { method: 'POST', path: '/admin/customers/{customerId}/unlock', handler: 'admin', auth: 'session' },
  { method: 'GET', path: '/admin/emails', handler: 'admin', auth: 'session' },
  { method: 'POST', path: '/admin/emails/{id}/retry', handler: 'admin', auth: 'session' },
  { method: 'POST', path: '/admin/server-keys/rotate', handler: 'admin', auth: 'session' },
  { method: 'POST', path: '/admin/receipt-keys/rotate', handler: 'admin', auth: 'session' },
  { method: 'POST', path: '/admin/receipt-keys/{kid}/revoke', handler: 'admin', auth: 'session' },
];

/** The path parameters of a route path, in order. */
export function pathParameters(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
}

/** Answers API Gateway gives by itself (before or instead of a handler), in the API's error shape. */
export const GATEWAY_RESPONSES = {
  UNAUTHORIZED: {
    status: 401,
    code: 'unauthorized',
    message: 'the session is missing, invalid or expired; log in again',
  },
  ACCESS_DENIED: { status: 403, code: 'forbidden', message: 'this route is for administrators' },
  AUTHORIZER_FAILURE: {
    status: 503,
    code: 'service_unavailable',
    message: 'sessions cannot be checked right now; retry shortly',
    retryAfter: 2,
  },
  // What API Gateway answers when the authorizer throws anything but "Unauthorized" (its dependency failures, a
  // timeout): by default a 500. The authorizer throws only when DynamoDB or KMS cannot answer, so: retry shortly.
  AUTHORIZER_CONFIGURATION_ERROR: {
    status: 503,
    code: 'service_unavailable',
    message: 'sessions cannot be checked right now; retry shortly',
    retryAfter: 2,
  },
  BAD_REQUEST_BODY: { status: 400, code: 'invalid_request', message: 'the body does not match the expected shape' },
  BAD_REQUEST_PARAMETERS: {
    status: 400,
    code: 'invalid_request',
    message: 'a required request header is missing (a credit needs an Idempotency-Key)',
  },
  // No route has this method and path (API Gateway's "Missing Authentication Token", 403 by default): not found.
  MISSING_AUTHENTICATION_TOKEN: {
    status: 404,
    code: 'not_found',
    message: 'no such route: check the method and the path',
  },
  THROTTLED: { status: 429, code: 'rate_limited', message: 'too many requests; slow down', retryAfter: 1 },
  DEFAULT_4XX: { status: undefined, code: 'invalid_request', message: 'the request was refused' },
  DEFAULT_5XX: { status: undefined, code: 'internal', message: 'internal error; it has been logged' },
} as const satisfies Record<string, { status: number | undefined; code: string; message: string; retryAfter?: number }>;

/** The API Gateway token authorizer accepts only this header shape; anything else is 401 without calling it. */
export const AUTHORIZATION_HEADER_PATTERN = /^Bearer [A-Za-z0-9._-]{20,2048}$/;
