/**
 * What the staff routes (`/admin/…`) answer, as clients read them: the server's own views (shared/admin-views.ts,
 * shared/orders.ts, shared/accounts.ts, imported as types only) and, where an answer is small and built in the route,
 * types composed from the server's. `po admin` (cli/admin-client.ts) and the console (web/console/) both read them.
 */
import type { PublishedKey } from '../shared/aws/keystore.js';
import type { OrderStatus, Product } from '../shared/orders.js';
import type { StaffSummaryView } from '../shared/staff-views.js';
import type { ReceiptKeyJwk } from '../shared/receipts.js';
import type { NewCustomer } from '../shared/services/admin.js';
import type { RevokedReceiptKey } from '../shared/aws/receipt-key-revocation.js';
import type {
  AuditRecordView,
  CustomerDetailView,
  CustomerSummaryView,
  MailView,
  QueuedOrderView,
  MailRetryView,
} from '../shared/admin-views.js';

/** A product as the admin routes answer: the catalogue entry, with the catalogue's currency. */
export type CatalogueProduct = Product & {
  readonly currency: string;
  /** What each shard holds, when the stock is split (`GET /admin/products/{sku}` and the changes' answers). */
  readonly shards?: ReadonlyArray<{ readonly shard: number; readonly stock: number }>;
};

/** `POST /admin/customers`: who was created, and the IDs of the keys registered with them. */
export type CreatedCustomer = Pick<NewCustomer, 'customerId' | 'email'> & { readonly keyIds: string[] };

/** What `POST /admin/customers` is sent: the initial password and the public keys to register. */
export interface NewCustomerRequest {
  readonly customerId: string;
  readonly email: string;
  readonly password: string;
  readonly keys: ReadonlyArray<{ publicKeyPem: string }>;
}

/** `GET /admin/customers`: a page of customers with their balance and lock state. */
export interface CustomerPage {
  readonly customers: CustomerSummaryView[];
  readonly next?: string;
}

/** `GET /admin/customers/{id}`: the customer's account, who they are, and their login lock. */
export type CustomerDetail = CustomerDetailView;

/** `GET /admin/orders`: a page of the work queue, orders in one status. */
export interface QueuePage {
  readonly status: OrderStatus;
  readonly orders: QueuedOrderView[];
  readonly next?: string;
}

/** `GET /admin/emails`: a page of mail owed to customers, or given up on. */
export interface MailPage {
  readonly status: 'owed' | 'failed';
  readonly emails: MailView[];
  readonly next?: string;
}

/** `POST /admin/emails/{id}/retry`: what became of each failed email of the order. */
export interface MailRetry {
  readonly orderId: string;
  readonly customerId: string;
  readonly retried: MailRetryView[];
}

/** `GET /admin/orders?customer=…`: a page of one customer's orders, newest first, in `status` when one was named. */
export interface CustomerOrdersPage {
  readonly customerId: string;
  readonly status?: OrderStatus;
  readonly orders: QueuedOrderView[];
  readonly next?: string;
}

/** `GET /admin/products`: the catalogue, in its currency. */
export interface Catalogue {
  readonly currency: string;
  readonly products: Product[];
}

/** `GET /admin/audit`: a page of the audit trail, newest first, and the time range it was read from. */
export interface AuditPage {
  readonly since: string;
  readonly until: string;
  readonly records: AuditRecordView[];
  readonly next?: string;
}

/** What `GET /admin/audit` is asked: filters (each optional), the time range, a page. */
export interface AuditQuery {
  readonly actor?: string;
  readonly target?: string;
  readonly action?: string;
  readonly since?: string;
  readonly until?: string;
  readonly limit?: string;
  readonly cursor?: string;
}

/** A customer key, as the key routes answer. */
export interface CustomerKey {
  readonly customerId: string;
  readonly keyId: string;
}

/** A new server or receipt key, with the fingerprint the admin announces to customers. */
export type RotatedKey = PublishedKey & { readonly fingerprint: string };

/** `POST /admin/receipt-keys/{kid}/revoke`: the revocation, and the receipt key that signs now. */
export type RevokedKey = Omit<RevokedReceiptKey, 'current'> & {
  readonly status: 'revoked';
  readonly current: { readonly kid: string; readonly fingerprint: string; readonly jwk: ReceiptKeyJwk };
};

/** `GET /admin/staff`: a page of staff. */
export interface StaffPage {
  readonly staff: StaffSummaryView[];
  readonly next?: string;
}
