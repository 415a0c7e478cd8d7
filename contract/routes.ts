/**
 * The API's routes, one entry each: method and path (the key), the function that serves it, how the session is
 * checked, who may call it, its body schema, its API Gateway model and required headers. The CDK stack builds API
 * Gateway from this table, the local API serves it, and every function's router is built from it (shared/router.ts):
 * a route cannot exist in one and not the others.
 */
import type { ZodMiniType } from 'zod/mini';
import type { HandlerName } from './handlers.js';
import type { Permission } from '../shared/permissions.js';
import { IDEMPOTENCY_KEY_HEADER } from '../shared/idempotency.js';
import * as requests from '../shared/requests.js';
import {
  CUSTOMER_ID_MAX_LENGTH,
  CUSTOMER_ID_PATTERN,
  KEY_ID_PATTERN,
  MAX_BODY_BYTES,
  ORDER_ID_PATTERN,
  PASSWORD_POLICY,
  SKU_PATTERN,
  STAFF_ID_PATTERN,
} from '../shared/rules.js';

/** `METHOD /path`, the path with `{param}` placeholders as API Gateway's resource. */
export type RouteKey = keyof typeof ROUTES;

/**
 * API Gateway's request models: each a JSON object of exactly these required string members, of at most this many
 * characters. They refuse the grossly malformed at the edge; the body schema is the whole rule, in the function.
 */
export const GATEWAY_MODELS = {
  LoginRequest: { customerId: CUSTOMER_ID_MAX_LENGTH, password: PASSWORD_POLICY.maxInputLength },
  StaffLoginRequest: { staffId: CUSTOMER_ID_MAX_LENGTH, password: PASSWORD_POLICY.maxInputLength },
  PasswordRequest: { oldPassword: PASSWORD_POLICY.maxInputLength, newPassword: PASSWORD_POLICY.maxInputLength },
  // Bounded by the body limit only: the envelope's own bound is the function's, with its own code (413).
  OrderRequest: { envelope: MAX_BODY_BYTES },
} as const satisfies Record<string, Record<string, number>>;

export interface RouteDefinition {
  readonly handler: HandlerName;
  /**
   * `none`: public by design (login, health, the server's public key, the receipt keys). `session`: the Lambda
   * authorizer checks the token and the customer's current token version and role on every call. `cached-session`:
   * the same authorizer, whose answer API Gateway keeps for {@link AUTHORIZER_CACHE_SECONDS} per token — only for
   * placing an order, whose transaction checks the token version and role again at commit, so a cached answer can
   * never let a revoked session order.
   */
  readonly auth: 'none' | 'session' | 'cached-session';
  /**
   * Who may call it: `public` (no session), `account` (anyone logged in: a customer or a staff member), `customer`
   * (customers only), or the one staff permission it needs (shared/permissions.ts): staff whose roles give it (the
   * authorizer denies `/admin/*` to customers, and the router checks the permission).
   */
  readonly permission: 'public' | 'account' | 'customer' | Permission;
  /**
   * The path parameters, each with the pattern the router checks it against before the route runs, in the order they
   * are checked (every `{name}` of the path, no other).
   */
  readonly params?: Readonly<Record<string, RegExp>>;
  /** The body's schema (built on first use), parsed by the router before the route runs (shared/requests.ts). */
  readonly body?: () => ZodMiniType;
  /** The API Gateway request model (body validation at the edge) for this route, if any. */
  readonly model?: keyof typeof GATEWAY_MODELS;
  /**
   * Request headers the route requires: API Gateway (and the local API) refuse a request without them, 400. The router
   * checks an `Idempotency-Key`'s value (shared/http.ts `requiredIdempotencyKey`) before the body.
   */
  readonly headers?: readonly string[];
}

const session = { auth: 'session', permission: 'customer' } as const;
const anyone = { auth: 'session', permission: 'account' } as const;
const open = { auth: 'none', permission: 'public' } as const;
/** A staff route that needs `permission`. */
const staff = <P extends Permission>(permission: P) => ({ auth: 'session', permission }) as const;
const orderId = { id: ORDER_ID_PATTERN } as const;
const sku = { sku: SKU_PATTERN } as const;
const customerId = { customerId: CUSTOMER_ID_PATTERN } as const;
const staffId = { staffId: STAFF_ID_PATTERN } as const;

export const ROUTES = {
  'POST /login': { handler: 'login', ...open, body: requests.loginRequest, model: 'LoginRequest' },
  'POST /staff/login': { handler: 'login', ...open, body: requests.staffLoginRequest, model: 'StaffLoginRequest' },
  'POST /refresh': { handler: 'login', ...anyone },
  'POST /logout': { handler: 'login', ...anyone },
  'GET /health': { handler: 'read', ...open },
  'GET /server-key': { handler: 'read', ...open },
  'GET /receipt-keys': { handler: 'read', ...open },
  'POST /password': { handler: 'password', ...anyone, body: requests.passwordChange, model: 'PasswordRequest' },
  'POST /orders': {
    handler: 'order',
    auth: 'cached-session',
    permission: 'customer',
    body: requests.orderRequest,
    model: 'OrderRequest',
  },
  'GET /orders': { handler: 'read', ...session },
  'GET /orders/{id}': { handler: 'read', ...session, params: orderId },
  'GET /products': { handler: 'read', ...session },
  'POST /orders/{id}/cancel': { handler: 'order', ...session, params: orderId, body: requests.customerCancellation },
  'GET /account': { handler: 'read', ...session },
  // A customer's own keys: the credentials function's, as each change needs the password (and the list sits with them).
  'GET /account/keys': { handler: 'password', ...session },
  'POST /account/keys': { handler: 'password', ...session, body: requests.ownKey },
  'DELETE /account/keys/{kid}': {
    handler: 'password',
    ...session,
    params: { kid: KEY_ID_PATTERN },
    body: requests.reauthentication,
  },
  'GET /admin/orders': { handler: 'admin', ...staff('orders:read') },
  'GET /admin/orders/{id}': { handler: 'admin', ...staff('orders:read'), params: orderId },
  'POST /admin/orders/{id}/fulfil': { handler: 'admin', ...staff('orders:fulfil'), params: orderId },
  'POST /admin/orders/{id}/cancel': {
    handler: 'order',
    ...staff('orders:cancel'),
    params: orderId,
    body: requests.opdCancellation,
  },
  'GET /admin/customers': { handler: 'admin', ...staff('accounts:read') },
  'GET /admin/customers/{customerId}': { handler: 'admin', ...staff('accounts:read'), params: customerId },
  'POST /admin/customers/{customerId}/credit': {
    handler: 'admin',
    ...staff('accounts:credit'),
    params: customerId,
    body: requests.credit,
    headers: [IDEMPOTENCY_KEY_HEADER],
  },
  'POST /admin/products': { handler: 'admin', ...staff('products:write'), body: requests.newProduct },
  'PATCH /admin/products/{sku}': {
    handler: 'admin',
    ...staff('products:write'),
    params: sku,
    body: requests.productChanges,
  },
  'POST /admin/products/{sku}/restock': {
    handler: 'admin',
    ...staff('products:write'),
    params: sku,
    body: requests.restock,
  },
  'POST /admin/products/{sku}/rebalance': { handler: 'admin', ...staff('products:write'), params: sku },
  'POST /admin/customers': { handler: 'admin', ...staff('customers:write'), body: requests.newCustomer },
  'POST /admin/customers/{customerId}/keys': {
    handler: 'admin',
    ...staff('customer-keys:write'),
    params: customerId,
    body: requests.publicKey,
  },
  'DELETE /admin/customers/{customerId}/keys/{keyId}': {
    handler: 'admin',
    ...staff('customer-keys:write'),
    params: { keyId: KEY_ID_PATTERN, customerId: CUSTOMER_ID_PATTERN },
  },
  'POST /admin/customers/{customerId}/unlock': { handler: 'admin', ...staff('customers:write'), params: customerId },
  'POST /admin/customers/{customerId}/disable': { handler: 'admin', ...staff('customers:write'), params: customerId },
  'POST /admin/customers/{customerId}/enable': { handler: 'admin', ...staff('customers:write'), params: customerId },
  'POST /admin/customers/{customerId}/logout': { handler: 'admin', ...staff('customers:write'), params: customerId },
  'POST /admin/customers/{customerId}/password-reset': {
    handler: 'admin',
    ...staff('customers:write'),
    params: customerId,
  },
  'GET /admin/products': { handler: 'admin', ...staff('products:read') },
  'GET /admin/products/{sku}': { handler: 'admin', ...staff('products:read'), params: sku },
  'GET /admin/staff': { handler: 'admin', ...staff('staff:read') },
  'GET /admin/staff/{staffId}': { handler: 'admin', ...staff('staff:read'), params: staffId },
  'POST /admin/staff': { handler: 'admin', ...staff('staff:write'), body: requests.newStaff },
  'PUT /admin/staff/{staffId}/roles': {
    handler: 'admin',
    ...staff('staff:write'),
    params: staffId,
    body: requests.staffRolesChange,
  },
  'POST /admin/staff/{staffId}/disable': { handler: 'admin', ...staff('staff:write'), params: staffId },
  'POST /admin/staff/{staffId}/enable': { handler: 'admin', ...staff('staff:write'), params: staffId },
  'POST /admin/staff/{staffId}/logout': { handler: 'admin', ...staff('staff:write'), params: staffId },
  'POST /admin/staff/{staffId}/password-reset': { handler: 'admin', ...staff('staff:write'), params: staffId },
  'GET /admin/emails': { handler: 'admin', ...staff('orders:read') },
  'POST /admin/emails/{id}/retry': { handler: 'admin', ...staff('emails:retry'), params: orderId },
  'POST /admin/server-keys/rotate': { handler: 'admin', ...staff('opd-keys:rotate') },
  'POST /admin/receipt-keys/rotate': { handler: 'admin', ...staff('opd-keys:rotate') },
  'POST /admin/receipt-keys/{kid}/revoke': {
    handler: 'admin',
    ...staff('opd-keys:rotate'),
    params: { kid: KEY_ID_PATTERN },
  },
  // Read by the read function, whose role may query the audit table but write nothing (infra/access.ts).
  'GET /admin/audit': { handler: 'read', ...staff('audit:read') },
} as const satisfies Record<`${'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'} /${string}`, RouteDefinition>;

/** How long API Gateway keeps an authorizer answer for a `cached-session` route (its maximum is 3600). */
export const AUTHORIZER_CACHE_SECONDS = 300;

/** A route with its method and path spelled out, as API Gateway and the local API build from it. */
export interface RouteEntry extends RouteDefinition {
  readonly key: RouteKey;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
}

/** Every route, in the table's order. */
export const ROUTE_LIST: readonly RouteEntry[] = Object.entries(ROUTES).map(([key, route]) => {
  const [method, path] = key.split(' ') as [RouteEntry['method'], string];
  return { ...(route as RouteDefinition), key: key as RouteKey, method, path };
});

/** The path parameters of a route path, in order. */
export function pathParameters(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
}
