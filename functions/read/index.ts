/**
 * Read routes: GET /health, GET /server-key and GET /receipt-keys (public), GET /products, GET /orders and
 * GET /orders/{id} and GET /account (a session; a customer only ever sees their own orders and account: the customer ID
 * comes from the session, never from the request); GET /admin/audit (staff with `audit:read`: functions/read/audit.ts).
 */
import { createPublicKey } from 'node:crypto';
import { listProducts } from '../../shared/aws/catalog.js';
import { accountView, ledgerCursor } from '../../shared/accounts.js';
import { listLedger } from '../../shared/aws/accounts.js';
import { getAccountProfile } from '../../shared/aws/customers.js';
import { listKeys } from '../../shared/aws/keystore.js';
import { config } from '../../shared/config.js';
import { ApiError, serviceUnavailable, sessionInvalid } from '../../shared/errors.js';
import { apiHandler } from '../../shared/handler.js';
import { jsonResponse, pageLimit } from '../../shared/http.js';
import { parsePublicKeyPem, spkiFingerprint } from '../../shared/keys.js';
import { orderView } from '../../shared/orders.js';
import { receiptKeyJwk } from '../../shared/receipts.js';
import { serveRoutes } from '../../shared/router.js';
import { evidenceKeys } from '../../shared/services/verification-keys.js';
import { getOrder, listOrders } from '../../shared/aws/order-queries.js';
import { signsNoMoreAfter } from '../../shared/aws/receipt-key-revocation.js';
import { auditRoutes } from './audit.js';

/**
 * The active server key, read on each request (one consistent read of a tiny partition): a rotation shows at once.
 * `history` lists every server key, newest first, with its fingerprint, so that a customer whose `po` stopped at a
 * changed key can see when it changed (and check the fingerprint with the OPD by another channel).
 */
async function currentServerKey(): Promise<unknown> {
  const stored = (await listKeys('server-key')).filter((key) => key.publicKeyPem !== undefined);
  stored.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const active = stored.find((key) => key.status === 'active');
  if (!active?.publicKeyPem) throw serviceUnavailable('the server key');
  const publicKey = createPublicKey(active.publicKeyPem);
  const nowSeconds = Date.now() / 1000;
  return {
    kid: active.kid,
    alg: 'ECDH-ES',
    enc: 'A256GCM',
    fingerprint: spkiFingerprint(publicKey),
    createdAt: active.createdAt,
    jwk: { ...publicKey.export({ format: 'jwk' }), kid: active.kid, use: 'enc', alg: 'ECDH-ES' },
    publicKeyPem: active.publicKeyPem,
    history: stored.map((key) => ({
      kid: key.kid,
      fingerprint: spkiFingerprint(parsePublicKeyPem(key.publicKeyPem!)),
      createdAt: key.createdAt,
      status: key.status === 'active' ? 'active' : (key.retireAt ?? 0) > nowSeconds ? 'retiring' : 'retired',
      ...(key.retireAt === undefined ? {} : { retireAt: new Date(key.retireAt * 1000).toISOString() }),
    })),
  };
}

/**
 * Every receipt key ever used, newest first, as a JWK Set: receipts stay verifiable after any number of rotations.
 * `current` names the one receipts are signed with now. Public keys only (the wrapped private parts never leave the
 * table).
 */
async function receiptKeys(): Promise<{
  keys: unknown[];
  current?: string;
  revoked: Array<{ kid: string; revokedAt: string; signsNoMoreAfter: string }>;
}> {
  const stored = (await listKeys('receipt-key')).filter((key) => key.publicKeyPem !== undefined);
  stored.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const keys = stored.map((key) => receiptKeyJwk(parsePublicKeyPem(key.publicKeyPem!)));
  const active = stored.findIndex((key) => key.status === 'active');
  // Revoked keys stay in `keys` (what they signed before stays verifiable); a receipt one of them claims to have
  // signed after `signsNoMoreAfter` (its `iat` later than that) is not the OPD's. The JWKs keep their standard members
  // only, so any JOSE library reads the set.
  const revoked = stored.flatMap((key) =>
    key.status === 'revoked' && key.revokedAt !== undefined
      ? [
          {
            kid: key.kid,
            revokedAt: key.revokedAt,
            signsNoMoreAfter: signsNoMoreAfter(key.revokedAt),
          },
        ]
      : [],
  );
  return { keys, ...(active >= 0 ? { current: keys[active]!.kid } : {}), revoked };
}

export const handler = apiHandler(
  serveRoutes('read', {
    ...auditRoutes,
    'GET /health': () => Promise.resolve(jsonResponse(200, { status: 'ok', time: new Date().toISOString() })),
    'GET /server-key': async () =>
      jsonResponse(200, await currentServerKey(), { 'Cache-Control': 'public, max-age=60' }),
    'GET /receipt-keys': async () => jsonResponse(200, await receiptKeys(), { 'Cache-Control': 'public, max-age=300' }),
    // The whole stock of each product; how the OPD splits it over items is not the customer's concern.
    'GET /products': async () =>
      jsonResponse(200, {
        currency: config().catalogueCurrency,
        products: (await listProducts()).map(({ sku, name, priceCents, stock }) => ({ sku, name, priceCents, stock })),
      }),
    'GET /orders': async ({ event, session }) => {
      const page = await listOrders(session.customerId, pageLimit(event), event.queryStringParameters?.cursor);
      return jsonResponse(200, {
        orders: page.orders.map((order) => orderView(order)),
        ...(page.next ? { next: page.next } : {}),
      });
    },
    'GET /orders/{id}': async ({ session, params }) => {
      const order = await getOrder(session.customerId, params.id);
      if (!order) throw new ApiError('not_found', 'no such order');
      return jsonResponse(200, orderView(order, await evidenceKeys(order)));
    },
    'GET /account': async ({ event, session }) => {
      const { customerId } = session;
      const before = ledgerCursor(event.queryStringParameters?.cursor);
      const limit = pageLimit(event, 10);
      const [profile, ledger] = await Promise.all([
        getAccountProfile(customerId),
        listLedger(customerId, limit, before),
      ]);
      if (!profile) throw sessionInvalid();
      return jsonResponse(200, accountView(profile, config().catalogueCurrency, ledger));
    },
  }),
);
