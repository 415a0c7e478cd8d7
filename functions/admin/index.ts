/**
 * Admin routes (role "admin" only; the authorizer denies /admin/* to customers and this handler checks again):
 * products (create, update, restock), customers (create, add/revoke a key, unlock), server key rotation.
 */
import { z } from 'zod';
import { createProduct, restock, updateProduct } from '../../shared/aws/catalog.js';
import { revokeCustomerKey, unlockCustomer } from '../../shared/aws/customers.js';
import { rotateServerKey } from '../../shared/aws/keystore.js';
import { CUSTOMER_ID_PATTERN, SKU_PATTERN } from '../../shared/envelope/claims.js';
import { ApiError } from '../../shared/errors.js';
import { apiHandler, sessionOf } from '../../shared/handler.js';
import { jsonResponse, parseJsonBody } from '../../shared/http.js';
import { KEY_ID_PATTERN } from '../../shared/keys.js';
import { logger } from '../../shared/observability.js';
import { pathParameter, router } from '../../shared/router.js';
import type { Route } from '../../shared/router.js';
import { registerCustomer, registerCustomerKey } from '../../shared/services/admin.js';

const name = z.string().trim().min(1).max(200);
const priceCents = z.number().int().min(0).max(100_000_000);
const publicKey = z.strictObject({
  publicKeyPem: z.string().min(1).max(16_384),
  keyId: z.string().regex(KEY_ID_PATTERN).optional(),
});

const newProduct = z.strictObject({
  sku: z.string().regex(SKU_PATTERN),
  name,
  priceCents,
  stock: z.number().int().min(0).max(1_000_000_000),
});
const productChanges = z
  .strictObject({ name: name.optional(), priceCents: priceCents.optional() })
  .refine((changes) => changes.name !== undefined || changes.priceCents !== undefined, 'give name and/or priceCents');
const restockBody = z.strictObject({ quantity: z.number().int().min(1).max(1_000_000_000) });
const newCustomer = z.strictObject({
  customerId: z.string().regex(CUSTOMER_ID_PATTERN),
  email: z.string().email().max(254),
  password: z.string().min(1).max(1024),
  role: z.enum(['customer', 'admin']).default('customer'),
  keys: z.array(publicKey).max(10).default([]),
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
  }),
);
