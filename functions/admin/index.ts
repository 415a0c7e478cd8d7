/**
 * Admin routes (role "admin" only; the authorizer denies /admin/* to customers and this handler checks again):
 * products (create, update, restock), customers (create, add/revoke a key, unlock), server and receipt key rotation.
 */
import * as z from 'zod/mini';
import { createProduct, restock, updateProduct } from '../../shared/aws/catalog.js';
import { revokeCustomerKey, unlockCustomer } from '../../shared/aws/customers.js';
import { rotateReceiptKey, rotateServerKey } from '../../shared/aws/keystore.js';
import { CUSTOMER_ID_PATTERN, SKU_PATTERN } from '../../shared/envelope/claims.js';
import { ApiError } from '../../shared/errors.js';
import { apiHandler, sessionOf } from '../../shared/handler.js';
import { jsonResponse, parseJsonBody } from '../../shared/http.js';
import { KEY_ID_PATTERN, parsePublicKeyPem } from '../../shared/keys.js';
import { logger } from '../../shared/observability.js';
import { receiptKeyJwk } from '../../shared/receipts.js';
import { pathParameter, router } from '../../shared/router.js';
import type { Route } from '../../shared/router.js';
import { registerCustomer, registerCustomerKey } from '../../shared/services/admin.js';

const name = z.string().check(z.trim(), z.minLength(1), z.maxLength(200));
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

/** Only admins; logs who did what (identifiers only). */
function admin(route: Route): Route {
  return async (event, context) => {
    const session = sessionOf(event);
    if (session.role !== 'admin') throw new ApiError('forbidden', 'this route is for administrators');
    const response = await route(event, context);
    logger.info('admin action', {
      admin: session.customerId,
      route: `${event.httpMethod} ${event.resource}`,
      status: response.statusCode,
    });
    return response;
  };
}

const sku = (event: Parameters<Route>[0]) => pathParameter(event, 'sku', SKU_PATTERN);
const customerId = (event: Parameters<Route>[0]) => pathParameter(event, 'customerId', CUSTOMER_ID_PATTERN);

export const handler = apiHandler(
  router({
    'POST /admin/products': admin(async (event) => {
      const product = parseJsonBody(event, newProduct);
      await createProduct(product);
      return jsonResponse(201, product);
    }),
    'PATCH /admin/products/{sku}': admin(async (event) =>
      jsonResponse(200, await updateProduct(sku(event), parseJsonBody(event, productChanges))),
    ),
    'POST /admin/products/{sku}/restock': admin(async (event) =>
      jsonResponse(200, await restock(sku(event), parseJsonBody(event, restockBody).quantity)),
    ),
    'POST /admin/customers': admin(async (event) => {
      const input = parseJsonBody(event, newCustomer);
      const keyIds = await registerCustomer(input);
      return jsonResponse(201, { customerId: input.customerId, email: input.email, role: input.role, keyIds });
    }),
    'POST /admin/customers/{customerId}/keys': admin(async (event) => {
      const { publicKeyPem, keyId } = parseJsonBody(event, publicKey);
      return jsonResponse(201, {
        customerId: customerId(event),
        keyId: await registerCustomerKey(customerId(event), publicKeyPem, keyId),
      });
    }),
    'DELETE /admin/customers/{customerId}/keys/{keyId}': admin(async (event) => {
      const keyId = pathParameter(event, 'keyId', KEY_ID_PATTERN);
      await revokeCustomerKey(customerId(event), keyId);
      return jsonResponse(200, { customerId: customerId(event), keyId, status: 'revoked' });
    }),
    'POST /admin/customers/{customerId}/unlock': admin(async (event) => {
      await unlockCustomer(customerId(event));
      return jsonResponse(200, { customerId: customerId(event), locked: false });
    }),
    'POST /admin/server-keys/rotate': admin(async () => jsonResponse(201, await rotateServerKey())),
    'POST /admin/receipt-keys/rotate': admin(async () => {
      const rotated = await rotateReceiptKey();
      return jsonResponse(201, { ...rotated, jwk: receiptKeyJwk(parsePublicKeyPem(rotated.publicKeyPem)) });
    }),
  }),
);
