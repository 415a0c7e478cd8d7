/**
 * The catalogue, for staff: products are listed and shown, created, renamed or repriced, restocked, and their stock
 * split over shards and rebalanced; each change with its audit record, naming the staff member.
 */
import { createProduct, getProduct, listProducts, restock, updateProduct } from '../../shared/aws/catalog.js';
import { rebalanceStock, setShardCount } from '../../shared/aws/stock.js';
import type { Product } from '../../shared/orders.js';
import { shardCountOf, totalStock } from '../../shared/stock.js';
import { config } from '../../shared/config.js';
import { ApiError } from '../../shared/errors.js';
import { jsonResponse } from '../../shared/http.js';
import type { Implementations } from '../../shared/router.js';

/** `/admin/products…` */
export const productRoutes = {
  // Products are answered with the catalogue's currency, so that every price shown says what it is in.
  'GET /admin/products': async () =>
    jsonResponse(200, { currency: config().catalogueCurrency, products: await listProducts() }),
  'GET /admin/products/{sku}': async ({ params }) => productAnswer(params.sku),
  'POST /admin/products': async ({ body, actor }) => {
    await createProduct(body, actor);
    return jsonResponse(201, { ...body, currency: config().catalogueCurrency });
  },
  // Name and price first (one transaction), then the shard count (another): each is audited on its own.
  'PATCH /admin/products/{sku}': async ({ params, body, actor }) => {
    const { stockShards, ...changes } = body;
    const updated =
      changes.name !== undefined || changes.priceCents !== undefined
        ? await updateProduct(params.sku, changes, actor)
        : undefined;
    if (stockShards !== undefined) {
      const { product, shards } = await setShardCount(params.sku, stockShards, actor);
      // New shards start empty: spread the stock over them at once (a second transaction, audited as a rebalance),
      // or most orders would find their shard short and fall back to reading every shard.
      const spread = shards.some(({ stock }) => stock === 0) ? await rebalanceStock(params.sku, actor) : shards;
      return productJson({ ...product, stock: totalStock(spread), ...(spread.length > 1 ? { shards: spread } : {}) });
    }
    // Unsplit, the product item holds all of its stock; split, its whole stock is read.
    return updated && shardCountOf(updated) === 1 ? productJson(updated) : productAnswer(params.sku);
  },
  'POST /admin/products/{sku}/rebalance': async ({ params, actor }) => {
    await rebalanceStock(params.sku, actor);
    return productAnswer(params.sku);
  },
  'POST /admin/products/{sku}/restock': async ({ params, body, actor }) =>
    jsonResponse(200, {
      ...(await restock(params.sku, body.quantity, actor)),
      currency: config().catalogueCurrency,
    }),
} satisfies Partial<Implementations<'admin'>>;

/** A product as it now is (its whole stock, and each shard's when it is split), in the catalogue's currency. */
async function productAnswer(sku: string) {
  const product = await getProduct(sku);
  if (!product) throw new ApiError('not_found', `no product ${sku}`);
  return productJson(product);
}

const productJson = (product: Product) => jsonResponse(200, { ...product, currency: config().catalogueCurrency });
