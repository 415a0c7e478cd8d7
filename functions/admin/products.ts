/**
 * The catalogue, for staff: products are listed and shown, created, renamed or repriced, and restocked; each change
 * with its audit record, naming the staff member.
 */
import { createProduct, getProduct, listProducts, restock, updateProduct } from '../../shared/aws/catalog.js';
import { config } from '../../shared/config.js';
import { ApiError } from '../../shared/errors.js';
import { jsonResponse } from '../../shared/http.js';
import type { Implementations } from '../../shared/router.js';

/** `/admin/products…` */
export const productRoutes = {
  // Products are answered with the catalogue's currency, so that every price shown says what it is in.
  'GET /admin/products': async () =>
    jsonResponse(200, { currency: config().catalogueCurrency, products: await listProducts() }),
  'GET /admin/products/{sku}': async ({ params }) => {
    const product = await getProduct(params.sku);
    if (!product) throw new ApiError('not_found', `no product ${params.sku}`);
    return jsonResponse(200, { ...product, currency: config().catalogueCurrency });
  },
  'POST /admin/products': async ({ body, actor }) => {
    await createProduct(body, actor);
    return jsonResponse(201, { ...body, currency: config().catalogueCurrency });
  },
  'PATCH /admin/products/{sku}': async ({ params, body, actor }) =>
    jsonResponse(200, {
      ...(await updateProduct(params.sku, body, actor)),
      currency: config().catalogueCurrency,
    }),
  'POST /admin/products/{sku}/restock': async ({ params, body, actor }) =>
    jsonResponse(200, {
      ...(await restock(params.sku, body.quantity, actor)),
      currency: config().catalogueCurrency,
    }),
} satisfies Partial<Implementations<'admin'>>;
