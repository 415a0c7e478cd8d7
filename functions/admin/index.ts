/**
 * Admin routes (role "admin" only; the authorizer denies /admin/* to customers and this handler checks again):
 * products (create, update, restock), customers (list, show, create, add/revoke a key, unlock, credit), the OPD's work
 * queue (orders by status, one order with its evidence, fulfil), server and receipt key rotation.
 */
import * as z from 'zod/mini';
import { createProduct, restock, updateProduct } from '../../shared/aws/catalog.js';
import { accountView, ledgerCursor, ledgerEntryView, MAX_BALANCE_CENTS } from '../../shared/accounts.js';
import { listLedger, postLedgerEntry } from '../../shared/aws/accounts.js';
import { getCustomer, listCustomers } from '../../shared/aws/customers.js';
import { unlockCustomer } from '../../shared/aws/credentials.js';
import { revokeCustomerKey } from '../../shared/aws/customer-keys.js';
import { lockState } from '../../shared/lockout.js';
import { getOrder, listOrdersByStatus } from '../../shared/aws/order-queries.js';
import { listMailPage } from '../../shared/aws/mail-outbox.js';
import type { OwedMail } from '../../shared/aws/mail-outbox.js';
import { config } from '../../shared/config.js';
import { ORDER_STATUSES, orderView } from '../../shared/orders.js';
import type { OrderRecord } from '../../shared/orders.js';
import { findOrder, fulfilOrder } from '../../shared/services/lifecycle.js';
import { evidenceKeys } from '../../shared/services/verification-keys.js';
import { retryFailedMail } from '../../shared/services/notify.js';
import { rotateReceiptKey, rotateServerKey } from '../../shared/aws/keystore.js';
import { revokeReceiptKey } from '../../shared/aws/receipt-key-revocation.js';
import { CUSTOMER_ID_PATTERN, JTI_PATTERN, SKU_PATTERN } from '../../shared/envelope/claims.js';
import { ApiError } from '../../shared/errors.js';
import { adminOnly, apiHandler, sessionOf } from '../../shared/handler.js';
import { jsonResponse, pageLimit, parseJsonBody, requiredIdempotencyKey } from '../../shared/http.js';
import { requestDigest } from '../../shared/idempotency.js';
import { KEY_ID_PATTERN, parsePublicKeyPem, spkiFingerprint } from '../../shared/keys.js';
import { receiptKeyJwk } from '../../shared/receipts.js';
import { MAX_PRODUCT_NAME_LENGTH, oneLine } from '../../shared/text.js';
import { pathParameter, router } from '../../shared/router.js';
import type { Route } from '../../shared/router.js';
import { registerCustomer, registerCustomerKey } from '../../shared/services/admin.js';

const name = oneLine('name', MAX_PRODUCT_NAME_LENGTH);
const priceCents = z.int().check(z.minimum(0), z.maximum(100_000_000));
const publicKey = z.strictObject({
  publicKeyPem: z.string().check(z.minLength(1), z.maxLength(16_384)),
  keyId: z.optional(z.string().check(z.regex(KEY_ID_PATTERN))),
});

const newProduct = z.strictObject({
  sku: z.string().check(z.regex(SKU_PATTERN)),
  name,
  priceCents,
  stock: z.int().check(z.minimum(0), z.maximum(1_000_000_000)),
});
const productChanges = z
  .strictObject({ name: z.optional(name), priceCents: z.optional(priceCents) })
  .check(
    z.refine(
      (changes) => changes.name !== undefined || changes.priceCents !== undefined,
      'give name and/or priceCents',
    ),
  );
const restockBody = z.strictObject({ quantity: z.int().check(z.minimum(1), z.maximum(1_000_000_000)) });
const newCustomer = z.strictObject({
  customerId: z.string().check(z.regex(CUSTOMER_ID_PATTERN)),
  email: z.email().check(z.maxLength(254)),
  password: z.string().check(z.minLength(1), z.maxLength(1024)),
  role: z._default(z.enum(['customer', 'admin']), 'customer'),
  keys: z._default(z.array(publicKey).check(z.maxLength(10)), []),
});

const credit = z.strictObject({
  amountCents: z.int('amountCents must be a whole number of cents').check(
    z.minimum(-MAX_BALANCE_CENTS, 'amountCents is too small'),
    z.maximum(MAX_BALANCE_CENTS, 'amountCents is too large'),
    z.refine((amount) => amount !== 0, 'amountCents must not be 0'),
  ),
  reference: oneLine('reference'),
});

/** A query parameter that must match `pattern` if present. @throws ApiError `invalid_request` */
function queryParameter(event: Parameters<Route>[0], name: string, pattern: RegExp): string | undefined {
  const value = event.queryStringParameters?.[name];
  if (value !== undefined && !pattern.test(value)) throw new ApiError('invalid_request', `invalid ${name}`);
  return value;
}

const STATUS_PATTERN = new RegExp(`^(${ORDER_STATUSES.join('|')})$`);

/** One email in the owed or failed list: which order and kind, since when, where it stands and why it failed. */
function mailView(mail: OwedMail, order: OrderRecord | undefined) {
  const failure = order?.[`${mail.kind}Failure`];
  return {
    orderId: mail.orderId,
    customerId: mail.customerId,
    kind: mail.kind === 'email' ? 'confirmation' : 'notice',
    since: new Date(mail.since).toISOString(),
    status: order?.[`${mail.kind}Status`] ?? 'unknown',
    ...(order ? { orderStatus: order.status } : {}),
    ...(failure ? { failure } : {}),
  };
}

const sku = (event: Parameters<Route>[0]) => pathParameter(event, 'sku', SKU_PATTERN);
const customerId = (event: Parameters<Route>[0]) => pathParameter(event, 'customerId', CUSTOMER_ID_PATTERN);

export const handler = apiHandler(
  router({
    // Products are answered with the catalogue's currency, so that every price shown says what it is in.
    'POST /admin/products': adminOnly(async (event) => {
      const product = parseJsonBody(event, newProduct);
      await createProduct(product);
      return jsonResponse(201, { ...product, currency: config().catalogueCurrency });
    }),
    'PATCH /admin/products/{sku}': adminOnly(async (event) =>
      jsonResponse(200, {
        ...(await updateProduct(sku(event), parseJsonBody(event, productChanges))),
        currency: config().catalogueCurrency,
      }),
    ),
    'POST /admin/products/{sku}/restock': adminOnly(async (event) =>
      jsonResponse(200, {
        ...(await restock(sku(event), parseJsonBody(event, restockBody).quantity)),
        currency: config().catalogueCurrency,
      }),
    ),
    'POST /admin/customers': adminOnly(async (event) => {
      const input = parseJsonBody(event, newCustomer);
      const keyIds = await registerCustomer(input);
      return jsonResponse(201, { customerId: input.customerId, email: input.email, role: input.role, keyIds });
    }),
    'POST /admin/customers/{customerId}/keys': adminOnly(async (event) => {
      const { publicKeyPem, keyId } = parseJsonBody(event, publicKey);
      return jsonResponse(201, {
        customerId: customerId(event),
        keyId: await registerCustomerKey(customerId(event), publicKeyPem, keyId),
      });
    }),
    'DELETE /admin/customers/{customerId}/keys/{keyId}': adminOnly(async (event) => {
      const keyId = pathParameter(event, 'keyId', KEY_ID_PATTERN);
      await revokeCustomerKey(customerId(event), keyId);
      return jsonResponse(200, { customerId: customerId(event), keyId, status: 'revoked' });
    }),
    'POST /admin/customers/{customerId}/unlock': adminOnly(async (event) => {
      await unlockCustomer(customerId(event));
      return jsonResponse(200, { customerId: customerId(event), locked: false });
    }),
    'GET /admin/customers': adminOnly(async (event) => {
      const cursor = queryParameter(event, 'cursor', CUSTOMER_ID_PATTERN);
      const page = await listCustomers(pageLimit(event), cursor);
      const currency = config().catalogueCurrency;
      return jsonResponse(200, {
        customers: page.customers.map((customer) => ({
          customerId: customer.customerId,
          email: customer.email,
          role: customer.role,
          createdAt: customer.createdAt,
          balanceCents: customer.balanceCents ?? 0,
          currency,
          locked: lockState(customer).locked,
        })),
        ...(page.next ? { next: page.next } : {}),
      });
    }),
    'GET /admin/customers/{customerId}': adminOnly(async (event) => {
      const customer = await getCustomer(customerId(event));
      if (!customer) throw new ApiError('not_found', `no customer ${customerId(event)}`);
      const ledger = await listLedger(
        customer.customerId,
        pageLimit(event, 10),
        ledgerCursor(event.queryStringParameters?.cursor),
      );
      const lock = lockState(customer);
      return jsonResponse(200, {
        ...accountView(customer, config().catalogueCurrency, ledger),
        email: customer.email,
        role: customer.role,
        createdAt: customer.createdAt,
        lock: {
          locked: lock.locked,
          failedLogins: customer.failedLogins,
          ...(lock.until === undefined ? {} : { until: new Date(lock.until * 1000).toISOString() }),
        },
      });
    }),
    // Money: applied once per Idempotency-Key (a resent request answers with the entry it posted).
    'POST /admin/customers/{customerId}/credit': adminOnly(async (event) => {
      const key = requiredIdempotencyKey(event);
      const { amountCents, reference } = parseJsonBody(event, credit);
      const digest = requestDigest('credit', { customerId: customerId(event), amountCents, reference });
      const posted = await postLedgerEntry(
        customerId(event),
        { type: amountCents > 0 ? 'credit' : 'adjustment', amountCents, reference, actor: sessionOf(event).customerId },
        Date.now(),
        { key, digest },
      );
      return posted.replayed
        ? jsonResponse(200, ledgerEntryView(posted.entry), { 'Idempotent-Replayed': 'true' })
        : jsonResponse(201, ledgerEntryView(posted.entry));
    }),
    'GET /admin/orders': adminOnly(async (event) => {
      const status = (queryParameter(event, 'status', STATUS_PATTERN) ?? 'accepted') as (typeof ORDER_STATUSES)[number];
      const page = await listOrdersByStatus(status, pageLimit(event), event.queryStringParameters?.cursor, {
        customerId: CUSTOMER_ID_PATTERN,
        orderId: JTI_PATTERN,
      });
      return jsonResponse(200, {
        status,
        orders: page.orders.map((order) => ({
          orderId: order.orderId,
          customerId: order.customerId,
          status: order.status,
          acceptedAt: order.acceptedAt,
          ...(order.fulfilledAt === undefined ? {} : { fulfilledAt: order.fulfilledAt }),
          ...(order.cancelledAt === undefined ? {} : { cancelledAt: order.cancelledAt }),
          lines: order.lines,
          totalCents: order.totalCents,
          currency: order.currency,
        })),
        ...(page.next ? { next: page.next } : {}),
      });
    }),
    'GET /admin/orders/{id}': adminOnly(async (event) => {
      const order = await findOrder(
        pathParameter(event, 'id', JTI_PATTERN),
        queryParameter(event, 'customer', CUSTOMER_ID_PATTERN),
      );
      return jsonResponse(200, orderView(order, await evidenceKeys(order)));
    }),
    'POST /admin/orders/{id}/fulfil': adminOnly(async (event) => {
      const order = await findOrder(
        pathParameter(event, 'id', JTI_PATTERN),
        queryParameter(event, 'customer', CUSTOMER_ID_PATTERN),
      );
      return jsonResponse(200, orderView(await fulfilOrder(order)));
    }),
    'GET /admin/emails': adminOnly(async (event) => {
      const status = (queryParameter(event, 'status', /^(owed|failed)$/) ?? 'owed') as 'owed' | 'failed';
      const page = await listMailPage(status, pageLimit(event), event.queryStringParameters?.cursor, {
        customerId: CUSTOMER_ID_PATTERN,
        orderId: JTI_PATTERN,
      });
      const orders = await Promise.all(page.mail.map((mail) => getOrder(mail.customerId, mail.orderId)));
      return jsonResponse(200, {
        status,
        emails: page.mail.map((mail, index) => mailView(mail, orders[index])),
        ...(page.next ? { next: page.next } : {}),
      });
    }),
    'POST /admin/emails/{id}/retry': adminOnly(async (event) => {
      const order = await findOrder(
        pathParameter(event, 'id', JTI_PATTERN),
        queryParameter(event, 'customer', CUSTOMER_ID_PATTERN),
      );
      const kinds = (['email', 'notice'] as const).filter((kind) => order[`${kind}Status`] === 'failed');
      if (kinds.length === 0)
        throw new ApiError(
          'not_found',
          `order ${order.orderId} has no failed email (see po admin emails --status failed)`,
        );
      const outcomes = [];
      for (const kind of kinds) outcomes.push({ kind, outcome: await retryFailedMail(order, kind) });
      const after = await getOrder(order.customerId, order.orderId);
      return jsonResponse(200, {
        orderId: order.orderId,
        customerId: order.customerId,
        retried: outcomes.map(({ kind, outcome }) => ({
          kind,
          outcome,
          status: after?.[`${kind}Status`],
          ...(after?.[`${kind}Failure`] ? { failure: after[`${kind}Failure`] } : {}),
        })),
      });
    }),
    // Each rotation answers with the new key's fingerprint: the admin announces it so customers can check it.
    'POST /admin/server-keys/rotate': adminOnly(async () => {
      const rotated = await rotateServerKey();
      return jsonResponse(201, { ...rotated, fingerprint: spkiFingerprint(parsePublicKeyPem(rotated.publicKeyPem)) });
    }),
    'POST /admin/receipt-keys/rotate': adminOnly(async () => {
      const rotated = await rotateReceiptKey();
      const jwk = receiptKeyJwk(parsePublicKeyPem(rotated.publicKeyPem));
      return jsonResponse(201, { ...rotated, fingerprint: jwk.kid, jwk });
    }),
    // A receipt key that leaked: every order function stops signing with it by `signsNoMoreAfter`.
    'POST /admin/receipt-keys/{kid}/revoke': adminOnly(async (event) => {
      const revoked = await revokeReceiptKey(pathParameter(event, 'kid', KEY_ID_PATTERN));
      const jwk = receiptKeyJwk(parsePublicKeyPem(revoked.current.publicKeyPem));
      return jsonResponse(200, {
        kid: revoked.kid,
        status: 'revoked',
        revokedAt: revoked.revokedAt,
        signsNoMoreAfter: revoked.signsNoMoreAfter,
        current: { kid: jwk.kid, fingerprint: jwk.kid, jwk },
        rotated: revoked.rotated,
      });
    }),
  }),
);
