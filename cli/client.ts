/**
 * The OPD's public and customer routes as `po` calls them: one method per route, answering with the server's own view
 * types (imported as types only, so nothing of the server is bundled). Requests go through cli/api.ts: a refusal is an
 * `ApiCallError` with the server's code, an unreachable or unavailable OPD a `NetworkError`.
 */
import type {
  AccountView,
  Catalogue,
  Health,
  NewKeyRequest,
  OrderView,
  OwnKeyChange,
  OwnKeysView,
  PublishedKey,
  PublishedReceiptKeys,
  SessionView,
} from '../contract/customer-api.js';
import type { AccountKind } from '../shared/tokens.js';
import { apiClient, pathSegment } from './api.js';
import { keepForSeconds } from './key-cache.js';
import { pageQuery } from './paging.js';

export type { Catalogue, Health, NewKeyRequest, PublishedReceiptKeys } from '../contract/customer-api.js';

/** A public answer with how long the OPD lets a client keep it (its `Cache-Control`, in seconds; 0: not at all). */
export interface Keepable<T> {
  readonly body: T;
  readonly keepForSeconds: number;
}

/** A page of a list: `limit` and the `cursor` to continue after (both as typed). */
export interface Page {
  readonly limit?: string;
  readonly cursor?: string;
}

/** The routes `po` calls for a customer (and the public ones). `token` is the session's. */
export interface OpdClient {
  /** `GET /health`. */
  health(): Promise<Health>;
  /** `GET /server-key`: the key orders are encrypted to (its ID and SPKI PEM; po computes the fingerprint). */
  serverKey(): Promise<Keepable<PublishedKey>>;
  /** `GET /receipt-keys`. */
  receiptKeys(): Promise<Keepable<PublishedReceiptKeys>>;
  /** `POST /login` for a customer, `POST /staff/login` for a staff member. */
  login(account: { kind: AccountKind; id: string }, password: string): Promise<SessionView>;
  /** `POST /refresh`: a fresh token for a live session. */
  refresh(token: string): Promise<SessionView>;
  /** `POST /logout`: every session of the account ends. */
  logout(token: string): Promise<{ loggedOut: boolean }>;
  /** `POST /password`: every other session ends; the answer is a fresh one. */
  changePassword(token: string, oldPassword: string, newPassword: string): Promise<SessionView>;
  /** `GET /products`. */
  products(token: string): Promise<Catalogue>;
  /** `GET /orders`: the customer's orders, newest first, a page at a time. */
  listOrders(token: string, page: Page): Promise<{ orders: OrderView[]; next?: string }>;
  /** `GET /orders/{id}`: one order with its evidence and the keys it was verified with. */
  getOrder(token: string, orderId: string): Promise<OrderView>;
  /** `POST /orders`: a sealed envelope in, the accepted order with its receipt out. */
  placeOrder(token: string, envelope: string): Promise<OrderView>;
  /** `POST /orders/{id}/cancel`: a signed cancellation in, the cancelled order with its evidence out. */
  cancelOrder(token: string, orderId: string, cancellation: string): Promise<OrderView>;
  /** `GET /account`: balance, keys, and a page of the ledger (newest first). */
  account(token: string, page: Page): Promise<AccountView>;
  /** `GET /account/keys`: the customer's keys with their fingerprints, and the OPD's ID (a key proof's `aud`). */
  listKeys(token: string): Promise<OwnKeysView>;
  /** `POST /account/keys`: a new key with its proof of possession, and the current password. */
  addKey(token: string, request: NewKeyRequest): Promise<OwnKeyChange>;
  /** `DELETE /account/keys/{kid}`: revokes a key, with the current password. */
  revokeKey(token: string, keyId: string, password: string): Promise<OwnKeyChange>;
}

/**
 * The OPD at `apiUrl`.
 * @throws InputError `usage` when no API URL is configured or it is not one po may call (checked here, before any
 * request)
 */
export function opdClient(apiUrl: string | undefined): OpdClient {
  const api = apiClient(apiUrl);
  const keepable = async <T>(path: string): Promise<Keepable<T>> => {
    const { body, headers } = await api.callWithHeaders<T>('GET', path);
    return { body, keepForSeconds: keepForSeconds(headers.get('cache-control'), headers.get('age')) };
  };
  return {
    health: () => api.call<Health>('GET', '/health'),
    serverKey: () => keepable<PublishedKey>('/server-key'),
    receiptKeys: () => keepable<PublishedReceiptKeys>('/receipt-keys'),
    login: ({ kind, id }, password) =>
      kind === 'customer'
        ? api.call<SessionView>('POST', '/login', { body: { customerId: id, password } })
        : api.call<SessionView>('POST', '/staff/login', { body: { staffId: id, password } }),
    refresh: (token) => api.call<SessionView>('POST', '/refresh', { token }),
    logout: (token) => api.call<{ loggedOut: boolean }>('POST', '/logout', { token }),
    changePassword: (token, oldPassword, newPassword) =>
      api.call<SessionView>('POST', '/password', { token, body: { oldPassword, newPassword } }),
    products: (token) => api.call<Catalogue>('GET', '/products', { token }),
    listOrders: (token, page) =>
      api.call<{ orders: OrderView[]; next?: string }>('GET', `/orders${pageQuery(page)}`, { token }),
    getOrder: (token, orderId) => api.call<OrderView>('GET', `/orders/${pathSegment(orderId)}`, { token }),
    placeOrder: (token, envelope) => api.call<OrderView>('POST', '/orders', { token, body: { envelope } }),
    cancelOrder: (token, orderId, cancellation) =>
      api.call<OrderView>('POST', `/orders/${pathSegment(orderId)}/cancel`, { token, body: { cancellation } }),
    account: (token, page) => api.call<AccountView>('GET', `/account${pageQuery(page)}`, { token }),
    listKeys: (token) => api.call<OwnKeysView>('GET', '/account/keys', { token }),
    addKey: (token, request) => api.call<OwnKeyChange>('POST', '/account/keys', { token, body: request }),
    revokeKey: (token, keyId, password) =>
      api.call<OwnKeyChange>('DELETE', `/account/keys/${pathSegment(keyId)}`, { token, body: { password } }),
  };
}
