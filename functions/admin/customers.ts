/**
 * Customers, for staff: list, show, create, add or revoke a key, unlock, credit (money, once per key); disable and
 * re-enable an account, end its sessions, reset its password (shared/services/account-control.ts). Every change is
 * audited, naming the staff member.
 */
import { ledgerCursor, ledgerEntryView } from '../../shared/accounts.js';
import { listLedger, postLedgerEntry } from '../../shared/aws/accounts.js';
import { getCustomer, listCustomers } from '../../shared/aws/customers.js';
import { config } from '../../shared/config.js';
import { ApiError } from '../../shared/errors.js';
import { jsonResponse, pageLimit } from '../../shared/http.js';
import { requestDigest } from '../../shared/idempotency.js';
import { queryParameter } from '../../shared/router.js';
import type { Implementations } from '../../shared/router.js';
import { CUSTOMER_ID_PATTERN } from '../../shared/rules.js';
import { registerCustomer, registerCustomerKey, unlockCustomer } from '../../shared/services/admin.js';
import { revokeCustomerKey } from '../../shared/aws/customer-keys.js';
import { customerDetailView, customerSummaryView } from '../../shared/admin-views.js';
import type { AccountRef } from '../../shared/aws/credentials.js';
import { disableAccount, enableAccount, endSessions, resetPassword } from '../../shared/services/account-control.js';
import { accountStateView, passwordResetView, sessionsEndedView } from '../../shared/staff-views.js';

const customer = (customerId: string): AccountRef => ({ kind: 'customer', id: customerId });

/** `/admin/customers…` */
export const customerRoutes = {
  'POST /admin/customers': async ({ body, actor }) => {
    const keyIds = await registerCustomer(body, actor);
    return jsonResponse(201, { customerId: body.customerId, email: body.email, keyIds });
  },
  'POST /admin/customers/{customerId}/keys': async ({ params, body, actor }) => {
    const { publicKeyPem, keyId } = body;
    return jsonResponse(201, {
      customerId: params.customerId,
      keyId: await registerCustomerKey(params.customerId, publicKeyPem, keyId, actor),
    });
  },
  // A key already revoked answers the same: it stays revoked, as it was.
  'DELETE /admin/customers/{customerId}/keys/{keyId}': async ({ params, actor }) => {
    const { keyId } = params;
    await revokeCustomerKey(params.customerId, keyId, actor);
    return jsonResponse(200, { customerId: params.customerId, keyId, status: 'revoked' });
  },
  'POST /admin/customers/{customerId}/unlock': async ({ params, actor }) => {
    const outcome = await unlockCustomer(params.customerId, actor);
    return jsonResponse(200, { customerId: params.customerId, locked: false, changed: outcome === 'unlocked' });
  },
  // A disabled customer cannot log in or order: the order transaction checks the token version disabling moved.
  'POST /admin/customers/{customerId}/disable': async ({ params, actor }) =>
    jsonResponse(
      200,
      accountStateView(customer(params.customerId), true, await disableAccount(customer(params.customerId), actor)),
    ),
  'POST /admin/customers/{customerId}/enable': async ({ params, actor }) =>
    jsonResponse(
      200,
      accountStateView(customer(params.customerId), false, await enableAccount(customer(params.customerId), actor)),
    ),
  'POST /admin/customers/{customerId}/logout': async ({ params, actor }) => {
    await endSessions(customer(params.customerId), actor);
    return jsonResponse(200, sessionsEndedView(customer(params.customerId)));
  },
  // The one-time password goes into this answer only: the router logs the route and the status, never a body.
  'POST /admin/customers/{customerId}/password-reset': async ({ params, actor }) =>
    jsonResponse(
      200,
      passwordResetView(customer(params.customerId), await resetPassword(customer(params.customerId), actor)),
    ),
  'GET /admin/customers': async ({ event }) => {
    const cursor = queryParameter(event, 'cursor', CUSTOMER_ID_PATTERN);
    const page = await listCustomers(pageLimit(event), cursor);
    const currency = config().catalogueCurrency;
    return jsonResponse(200, {
      customers: page.customers.map((customer) => customerSummaryView(customer, currency)),
      ...(page.next ? { next: page.next } : {}),
    });
  },
  'GET /admin/customers/{customerId}': async ({ event, params }) => {
    const customer = await getCustomer(params.customerId);
    if (!customer) throw new ApiError('not_found', `no customer ${params.customerId}`);
    const ledger = await listLedger(
      customer.customerId,
      pageLimit(event, 10),
      ledgerCursor(event.queryStringParameters?.cursor),
    );
    return jsonResponse(200, customerDetailView(customer, config().catalogueCurrency, ledger));
  },
  // Money: applied once per Idempotency-Key (a resent request answers with the entry it posted).
  // The ledger entry and the audit record name the staff member.
  'POST /admin/customers/{customerId}/credit': async ({ actor, params, idempotencyKey, body }) => {
    const { amountCents, reference } = body;
    const digest = requestDigest('credit', { customerId: params.customerId, amountCents, reference });
    const posted = await postLedgerEntry(
      params.customerId,
      { type: amountCents > 0 ? 'credit' : 'adjustment', amountCents, reference },
      actor,
      Date.now(),
      { key: idempotencyKey, digest },
    );
    return posted.replayed
      ? jsonResponse(200, ledgerEntryView(posted.entry), { 'Idempotent-Replayed': 'true' })
      : jsonResponse(201, ledgerEntryView(posted.entry));
  },
} satisfies Partial<Implementations<'admin'>>;
