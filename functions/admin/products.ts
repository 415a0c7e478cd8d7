/** The catalogue, for administrators: products are created, renamed or repriced, and restocked. */
import { createProduct, restock, updateProduct } from '../../shared/aws/catalog.js';
import { config } from '../../shared/config.js';
import { jsonResponse } from '../../shared/http.js';
import { pathParameter } from '../../shared/router.js';
import type { Implementations } from '../../shared/router.js';
import { SKU_PATTERN } from '../../shared/rules.js';
import type { APIGatewayProxyEvent } from 'aws-lambda';

const sku = (event: APIGatewayProxyEvent) => pathParameter(event, 'sku', SKU_PATTERN);

/** `/admin/products…` */
export const productRoutes = {
  // Products are answered with the catalogue's currency, so that every price shown says what it is in.
  'POST /admin/products': async ({ body }) => {
    await createProduct(body);
    return jsonResponse(201, { ...body, currency: config().catalogueCurrency });
  },
  'PATCH /admin/products/{sku}': async ({ event, body }) =>
    jsonResponse(200, {
      ...(await updateProduct(sku(event), body)),
      currency: config().catalogueCurrency,
    }),
  'POST /admin/products/{sku}/restock': async ({ event, body }) =>
    jsonResponse(200, {
      ...(await restock(sku(event), body.quantity)),
      currency: config().catalogueCurrency,
    }),
} satisfies Partial<Implementations<'admin'>>;
