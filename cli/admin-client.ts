/**
 * The OPD's admin routes as `po admin` calls them, with an administrator's session: one method per route, answering
 * with the server's own types (imported as types only): its views (shared/admin-views.ts, shared/orders.ts,
 * shared/accounts.ts) and, where an answer is small and built in the route, types composed from the server's.
 */
import type { LedgerEntryView } from '../shared/accounts.js';
import type { OrderView, Product } from '../shared/orders.js';
import type { ApiClient } from './api.js';
import { pathSegment } from './api.js';
import type { Page } from './client.js';
import { pageQuery } from './paging.js';
import type {
  CatalogueProduct,
  CreatedCustomer,
  NewCustomerRequest,
  CustomerPage,
  CustomerDetail,
  QueuePage,
  MailPage,
  MailRetry,
  CustomerOrdersPage,
  Catalogue,
  AuditPage,
  AuditQuery,
  CustomerKey,
  RotatedKey,
  RevokedKey,
} from '../contract/admin-api.js';
import { accountControl, staffClient } from './staff-client.js';
import type { AccountControlRoutes, StaffClient } from './staff-client.js';

/** The product routes of one SKU. */
export interface ProductRoutes {
  /** `GET /admin/products/{sku}`. */
  show(): Promise<CatalogueProduct>;
  /** `PATCH /admin/products/{sku}`. */
  update(changes: { name?: string; priceCents?: number; stockShards?: number }): Promise<CatalogueProduct>;
  /** `POST /admin/products/{sku}/restock`. */
  restock(quantity: number): Promise<CatalogueProduct>;
  /** `POST /admin/products/{sku}/rebalance`. */
  rebalance(): Promise<CatalogueProduct>;
}

/** The routes of one customer. */
export interface CustomerRoutes extends AccountControlRoutes<{ readonly customerId: string }> {
  /** `GET /admin/customers/{id}`, with a page of the ledger. */
  show(page: Page): Promise<CustomerDetail>;
  /** `POST /admin/customers/{id}/unlock`. */
  unlock(): Promise<{ customerId: string; locked: boolean }>;
  /** `POST /admin/customers/{id}/credit`: applied once per `idempotencyKey`, however often it is sent. */
  credit(credit: { amountCents: number; reference: string }, idempotencyKey: string): Promise<LedgerEntryView>;
  /** `POST /admin/customers/{id}/keys`. */
  addKey(key: { publicKeyPem: string; keyId?: string }): Promise<CustomerKey>;
  /** `DELETE /admin/customers/{id}/keys/{keyId}`. */
  revokeKey(keyId: string): Promise<CustomerKey>;
}

/** The routes of one order of the work queue. `customerId` picks one when two customers have an order with its ID. */
export interface OrderRoutes {
  /** `GET /admin/orders/{id}`: any customer's order, with its evidence. */
  show(customerId?: string): Promise<OrderView>;
  /** `POST /admin/orders/{id}/fulfil`. */
  fulfil(customerId?: string): Promise<OrderView>;
  /** `POST /admin/orders/{id}/cancel`: the OPD cancels, with a reason the customer reads. */
  cancel(cancellation: { reason: string; customerId?: string }): Promise<OrderView>;
}

/**
 * The admin routes `po admin` calls, with the session the client was made with. A route of one product, customer or
 * order is reached through it (`admin.customer(id).unlock()`): its path, and so the check of its ID, is made before
 * the request's body, so a bad ID is named before a bad value.
 */
export interface AdminClient extends StaffClient {
  /** `GET /admin/products`. */
  listProducts(): Promise<Catalogue>;
  /** `POST /admin/products`. */
  addProduct(product: Product): Promise<CatalogueProduct>;
  /** The routes of the product `sku`. @throws InputError `usage` for an ID no route can carry ("", ".", "..") */
  product(sku: string): ProductRoutes;
  /** `POST /admin/customers`. */
  createCustomer(customer: NewCustomerRequest): Promise<CreatedCustomer>;
  /** `GET /admin/customers`. */
  listCustomers(page: Page): Promise<CustomerPage>;
  /** The routes of the customer `customerId`. @throws InputError `usage` for an ID no route can carry */
  customer(customerId: string): CustomerRoutes;
  /** `GET /admin/orders`: orders in `status`, oldest first. */
  listQueue(status: string, page: Page): Promise<QueuePage>;
  /** `GET /admin/orders?customer=…`: one customer's orders, newest first, in `status` if given. */
  listCustomerOrders(customerId: string, status: string | undefined, page: Page): Promise<CustomerOrdersPage>;
  /** The routes of the order `orderId`. @throws InputError `usage` for an ID no route can carry */
  order(orderId: string): OrderRoutes;
  /** `GET /admin/emails`. */
  listEmails(status: string, page: Page): Promise<MailPage>;
  /** `POST /admin/emails/{id}/retry`. */
  retryEmails(orderId: string, customerId?: string): Promise<MailRetry>;
  /** `POST /admin/server-keys/rotate` or `POST /admin/receipt-keys/rotate`. */
  rotateKey(what: 'server' | 'receipt'): Promise<RotatedKey>;
  /** `POST /admin/receipt-keys/{kid}/revoke`. */
  revokeReceiptKey(kid: string): Promise<RevokedKey>;
  /** `GET /admin/audit`. */
  listAudit(query: AuditQuery): Promise<AuditPage>;
}

/** `?customer=…` when a customer is named: which customer's order an order ID means. */
const customerQuery = (customerId: string | undefined) =>
  customerId ? `?customer=${encodeURIComponent(customerId)}` : '';

/** The admin routes of the OPD `api` reaches, called with the session `token`. */
export function adminClient(api: ApiClient, token: string): AdminClient {
  /** Sends a request with the session; a body only when there is one (no body, no content type). */
  const send = <T>(method: string, path: string, body?: unknown) =>
    api.call<T>(method, path, { token, ...(body === undefined ? {} : { body }) });
  return {
    listProducts: () => send('GET', '/admin/products'),
    addProduct: (product) => send('POST', '/admin/products', product),
    product: (sku) => {
      const path = `/admin/products/${pathSegment(sku)}`;
      return {
        show: () => send('GET', path),
        update: (changes) => send('PATCH', path, changes),
        restock: (quantity) => send('POST', `${path}/restock`, { quantity }),
        rebalance: () => send('POST', `${path}/rebalance`),
      };
    },
    createCustomer: (customer) => send('POST', '/admin/customers', customer),
    listCustomers: (page) => send('GET', `/admin/customers${pageQuery(page)}`),
    customer: (customerId) => {
      const path = `/admin/customers/${pathSegment(customerId)}`;
      return {
        ...accountControl<{ readonly customerId: string }>(send, path),
        show: (page) => send('GET', `${path}${pageQuery(page)}`),
        unlock: () => send('POST', `${path}/unlock`),
        credit: (credit, idempotencyKey) =>
          api.call<LedgerEntryView>('POST', `${path}/credit`, {
            token,
            body: credit,
            headers: { 'Idempotency-Key': idempotencyKey },
          }),
        addKey: (key) => send('POST', `${path}/keys`, key),
        revokeKey: (keyId) => send('DELETE', `${path}/keys/${pathSegment(keyId)}`),
      };
    },
    listQueue: (status, page) => send('GET', `/admin/orders${pageQuery(page, { status })}`),
    listCustomerOrders: (customer, status, page) =>
      send('GET', `/admin/orders${pageQuery(page, { customer, ...(status === undefined ? {} : { status }) })}`),
    order: (orderId) => {
      const path = `/admin/orders/${pathSegment(orderId)}`;
      return {
        show: (customerId) => send('GET', `${path}${customerQuery(customerId)}`),
        fulfil: (customerId) => send('POST', `${path}/fulfil${customerQuery(customerId)}`),
        cancel: (cancellation) => send('POST', `${path}/cancel`, cancellation),
      };
    },
    listEmails: (status, page) => send('GET', `/admin/emails${pageQuery(page, { status })}`),
    retryEmails: (orderId, customerId) =>
      send('POST', `/admin/emails/${pathSegment(orderId)}/retry${customerQuery(customerId)}`),
    rotateKey: (what) => send('POST', `/admin/${what}-keys/rotate`),
    revokeReceiptKey: (kid) => send('POST', `/admin/receipt-keys/${pathSegment(kid)}/revoke`),
    ...staffClient(send),
    listAudit: ({ limit, cursor, ...filters }) =>
      send(
        'GET',
        `/admin/audit${pageQuery(
          { ...(limit === undefined ? {} : { limit }), ...(cursor === undefined ? {} : { cursor }) },
          Object.fromEntries(
            Object.entries(filters).filter((entry): entry is [string, string] => entry[1] !== undefined),
          ),
        )}`,
      ),
  };
}
