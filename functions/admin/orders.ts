/**
 * The OPD's work queue, for staff: orders by status (oldest first) or by customer (newest first), one order with its
 * evidence, fulfilment; mail still owed or given up on, and a retry of what failed. Fulfilments and retries are
 * audited, naming the staff member.
 */
import { ApiError } from '../../shared/errors.js';
import { jsonResponse, pageLimit } from '../../shared/http.js';
import { ORDER_STATUSES, orderView } from '../../shared/orders.js';
import type { OrderStatus } from '../../shared/orders.js';
import { queryParameter } from '../../shared/router.js';
import type { Implementations } from '../../shared/router.js';
import { CUSTOMER_ID_PATTERN, ORDER_ID_PATTERN } from '../../shared/rules.js';
import { findOrder, fulfilOrder } from '../../shared/services/lifecycle.js';
import { retryFailedMail } from '../../shared/services/notify.js';
import { MAIL_KINDS, mailAttributes } from '../../shared/mail.js';
import { evidenceKeys } from '../../shared/services/verification-keys.js';
import { listMailPage } from '../../shared/aws/mail-outbox.js';
import { getOrder, listOrders, listOrdersByStatus } from '../../shared/aws/order-queries.js';
import { mailRetryView, mailView, queuedOrderView } from '../../shared/admin-views.js';

const STATUS_PATTERN = new RegExp(`^(${ORDER_STATUSES.join('|')})$`);

/** `/admin/orders…` and `/admin/emails…` */
export const orderRoutes = {
  // The queue by status (oldest first), or one customer's orders (newest first, every status unless one is named).
  'GET /admin/orders': async ({ event }) => {
    const customerId = queryParameter(event, 'customer', CUSTOMER_ID_PATTERN);
    if (customerId !== undefined) {
      const only = queryParameter(event, 'status', STATUS_PATTERN) as OrderStatus | undefined;
      // The customer index holds keys only: a page is read whole, then filtered by status (so it may be short).
      const page = await listOrders(customerId, pageLimit(event), event.queryStringParameters?.cursor);
      return jsonResponse(200, {
        customerId,
        ...(only ? { status: only } : {}),
        orders: page.orders.filter((order) => !only || order.status === only).map(queuedOrderView),
        ...(page.next ? { next: page.next } : {}),
      });
    }
    const status = (queryParameter(event, 'status', STATUS_PATTERN) ?? 'accepted') as OrderStatus;
    const page = await listOrdersByStatus(status, pageLimit(event), event.queryStringParameters?.cursor, {
      customerId: CUSTOMER_ID_PATTERN,
      orderId: ORDER_ID_PATTERN,
    });
    return jsonResponse(200, {
      status,
      orders: page.orders.map(queuedOrderView),
      ...(page.next ? { next: page.next } : {}),
    });
  },
  'GET /admin/orders/{id}': async ({ event, params }) => {
    const order = await findOrder(params.id, queryParameter(event, 'customer', CUSTOMER_ID_PATTERN));
    return jsonResponse(200, orderView(order, await evidenceKeys(order)));
  },
  'POST /admin/orders/{id}/fulfil': async ({ event, params, actor }) => {
    const order = await findOrder(params.id, queryParameter(event, 'customer', CUSTOMER_ID_PATTERN));
    return jsonResponse(200, orderView(await fulfilOrder(order, actor)));
  },
  'GET /admin/emails': async ({ event }) => {
    const status = (queryParameter(event, 'status', /^(owed|failed)$/) ?? 'owed') as 'owed' | 'failed';
    const page = await listMailPage(status, pageLimit(event), event.queryStringParameters?.cursor, {
      customerId: CUSTOMER_ID_PATTERN,
      orderId: ORDER_ID_PATTERN,
    });
    const orders = await Promise.all(page.mail.map((mail) => getOrder(mail.customerId, mail.orderId)));
    return jsonResponse(200, {
      status,
      emails: page.mail.map((mail, index) => mailView(mail, orders[index])),
      ...(page.next ? { next: page.next } : {}),
    });
  },
  'POST /admin/emails/{id}/retry': async ({ event, params, actor }) => {
    const order = await findOrder(params.id, queryParameter(event, 'customer', CUSTOMER_ID_PATTERN));
    const kinds = MAIL_KINDS.filter((kind) => order[mailAttributes(kind).status] === 'failed');
    if (kinds.length === 0)
      throw new ApiError(
        'not_found',
        `order ${order.orderId} has no failed email (see po admin emails --status failed)`,
      );
    const outcomes = await retryFailedMail(order, kinds, actor);
    const after = await getOrder(order.customerId, order.orderId);
    return jsonResponse(200, {
      orderId: order.orderId,
      customerId: order.customerId,
      retried: outcomes.map(({ kind, outcome }) => mailRetryView(kind, outcome, after)),
    });
  },
} satisfies Partial<Implementations<'admin'>>;
