/**
 * The inventory table: products (SKU, name, price in cents, stock), their stock split over shards when one item
 * cannot take a SKU's orders (shared/stock.ts, shared/aws/stock.ts). A staff member's change of a product is one
 * transaction with its audit record (shared/audit.ts), written only if the values it replaces are still the ones read,
 * so that the record's before → after is exact.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchGetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Actor, AuditChanges } from '../audit.js';
import { config } from '../config.js';
import { ApiError, serviceUnavailable } from '../errors.js';
import type { Product } from '../orders.js';
import { emptiestShard, shardCountOf, totalStock, withShardTotals } from '../stock.js';
import type { StockShard } from '../stock.js';
import { auditAction } from './audit.js';
import { dynamo, guarded } from './clients.js';
import {
  addStockAction,
  getProductItem,
  priceCopyActions,
  readStockShards,
  shardCountCondition,
  untilCommitted,
} from './stock.js';
import { transact } from './transactions.js';

/** How failures of the inventory table are named (in logs and 503 answers). */
const SERVICE = 'the inventory database';
const database = <T>(what: string, operation: () => Promise<T>) => guarded(SERVICE, what, operation);
const table = () => config().tables.inventory;

/**
 * Reads the product items for these SKUs (consistently: prices must be current), each with shard 0's part of the
 * stock only (the order path reads names, prices and shard counts; the transaction checks stock). Unknown SKUs are
 * absent.
 */
export async function getProducts(skus: readonly string[]): Promise<Map<string, Product>> {
  const products = new Map<string, Product>();
  let keys: Array<Record<string, unknown>> = skus.map((sku) => ({ sku }));
  for (let attempt = 0; keys.length > 0 && attempt < 5; attempt++) {
    const result = await database('BatchGetItem', () =>
      dynamo().send(new BatchGetCommand({ RequestItems: { [table()]: { Keys: keys, ConsistentRead: true } } })),
    );
    for (const item of (result.Responses?.[table()] ?? []) as Product[]) products.set(item.sku, item);
    keys = (result.UnprocessedKeys?.[table()]?.Keys ?? []) as Array<Record<string, unknown>>;
  }
  if (keys.length > 0)
    throw new ApiError('service_unavailable', 'the inventory database is busy; retry shortly', {
      retryAfterSeconds: 1,
    });
  return products;
}

/**
 * One product, read consistently (as staff set it), with its whole stock and, when it is split, what each shard
 * holds; `undefined` if there is none.
 */
export async function getProduct(sku: string): Promise<(Product & { shards?: StockShard[] }) | undefined> {
  const product = await getProductItem(sku);
  if (!product || shardCountOf(product) === 1) return product;
  const shards = await readStockShards(sku, shardCountOf(product));
  return { ...product, stock: totalStock(shards), shards };
}

/**
 * Every product, sorted by SKU, each with its whole stock (its shard items summed in). The catalogue is small
 * (hundreds of items, a few more for split stock); a scan is the right tool.
 */
export async function listProducts(): Promise<Product[]> {
  const products: Product[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await database('Scan', () =>
      dynamo().send(new ScanCommand({ TableName: table(), ExclusiveStartKey: cursor })),
    );
    products.push(...((page.Items ?? []) as Product[]));
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return withShardTotals(products).sort((a, b) => a.sku.localeCompare(b.sku));
}

/**
 * Adds a product, with its audit record in the same transaction. @throws ApiError `already_exists`
 */
export async function createProduct(product: Product, actor: Actor, now = Date.now()): Promise<void> {
  const { sku, name, priceCents, stock } = product;
  const result = await transact(SERVICE, {
    product: { Put: { TableName: table(), Item: product, ConditionExpression: 'attribute_not_exists(sku)' } },
    audit: auditAction(
      actor,
      {
        action: 'product.add',
        target: sku,
        changes: { name: { after: name }, priceCents: { after: priceCents }, stock: { after: stock } },
      },
      now,
    ),
  });
  if (result.committed) return;
  if (result.reasons.product?.code === 'ConditionalCheckFailed')
    throw new ApiError('already_exists', `product ${sku} already exists`);
  throw serviceUnavailable(SERVICE, 1);
}

/** What a change of a product sets (the names and values it writes) and records, as planned from the product read. */
interface ProductChange {
  readonly set: Partial<Pick<Product, 'name' | 'priceCents' | 'stock'>>;
  readonly changes: AuditChanges;
}

/**
 * Reads a product, plans a change from it, and writes the change only if every value it sets is still what was read,
 * with its audit record, in one transaction; when the product moved meanwhile, reads it again, `attempts` times in
 * all, a short random pause between them. Returns the product as the change left it (what it set, the rest as read).
 * @throws ApiError `not_found`; `service_unavailable` when it kept moving
 */
async function changeProduct(
  sku: string,
  actor: Actor,
  action: 'product.update',
  plan: (current: Product) => ProductChange | undefined,
  { attempts, now }: { attempts: number; now: number },
): Promise<Product> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const current = (await getProducts([sku])).get(sku);
    if (!current) throw new ApiError('not_found', `no product ${sku}`);
    const change = plan(current);
    if (!change) return current; // nothing would change: nothing to write, nothing to record
    const names = Object.keys(change.set) as Array<keyof ProductChange['set']>;
    // The shards it is split over are still those read, so that a new price reaches every one of them.
    const held = shardCountCondition(current);
    const result = await transact(SERVICE, {
      product: {
        Update: {
          TableName: table(),
          Key: { sku },
          UpdateExpression: `SET ${names.map((name) => `#${name} = :${name}`).join(', ')}`,
          ConditionExpression: [...names.map((name) => `#${name} = :was_${name}`), held.expression].join(' AND '),
          ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
          ExpressionAttributeValues: {
            ...Object.fromEntries(
              names.flatMap((name) => [
                [`:${name}`, change.set[name]],
                [`:was_${name}`, current[name]],
              ]),
            ),
            ...held.values,
          },
        },
      },
      prices: change.set.priceCents === undefined ? undefined : priceCopyActions(current, change.set.priceCents),
      audit: auditAction(actor, { action, target: sku, changes: change.changes }, now),
    });
    if (result.committed) return { ...current, ...change.set };
    // Moved since it was read (an order took stock, another change won) or held by another transaction: again.
    if (attempt < attempts) await sleep(5 + Math.random() * 45);
  }
  throw new ApiError('service_unavailable', `product ${sku} kept changing meanwhile; try again`, {
    retryAfterSeconds: 1,
  });
}

/**
 * Renames and/or re-prices a product (never its stock: stock moves only by orders and restocks), recording each value
 * before → after. Values that are already what is asked change nothing and are not recorded.
 * @throws ApiError `not_found`, `service_unavailable`
 */
export function updateProduct(
  sku: string,
  requested: { name?: string | undefined; priceCents?: number | undefined },
  actor: Actor,
  now = Date.now(),
): Promise<Product> {
  return changeProduct(
    sku,
    actor,
    'product.update',
    (current) => {
      const set: ProductChange['set'] = {
        ...(requested.name === undefined || requested.name === current.name ? {} : { name: requested.name }),
        ...(requested.priceCents === undefined || requested.priceCents === current.priceCents
          ? {}
          : { priceCents: requested.priceCents }),
      };
      if (Object.keys(set).length === 0) return undefined;
      const changes = Object.fromEntries(
        (Object.keys(set) as Array<'name' | 'priceCents'>).map((name) => [
          name,
          { before: current[name], after: set[name] },
        ]),
      );
      return { set, changes };
    },
    { attempts: 3, now },
  );
}

/**
 * Adds stock atomically (`ADD`) to one shard — the emptiest, when the stock is split — with its audit record in the
 * same transaction: the quantity added, exact, and the whole stock before → after as read just before the addition. A
 * restock never waits for the orders that take the same stock (a hot SKU takes hundreds a second): were it written
 * only if the stock were still what was read, it could lose to orders every time. So an order committed between that
 * read and the restock is not in the recorded before → after; the quantity always is, and the stock is always right.
 * @throws ApiError `not_found`, `service_unavailable`
 */
export function restock(sku: string, quantity: number, actor: Actor, now = Date.now()): Promise<Product> {
  return untilCommitted(sku, async () => {
    const current = await getProductItem(sku);
    if (!current) throw new ApiError('not_found', `no product ${sku}`);
    const count = shardCountOf(current);
    const shards = count === 1 ? [{ shard: 0, stock: current.stock }] : await readStockShards(sku, count);
    const shard = emptiestShard(shards);
    const before = totalStock(shards);
    const after = before + quantity;
    const result = await transact(SERVICE, {
      product: addStockAction(sku, shard, quantity),
      audit: auditAction(
        actor,
        {
          action: 'product.restock',
          target: sku,
          changes: { quantity, stock: { before, after }, ...(count === 1 ? {} : { shard }) },
        },
        now,
      ),
    });
    if (result.committed) return { done: { ...current, stock: after } };
    if (result.reasons.product?.code !== 'ConditionalCheckFailed') throw serviceUnavailable(SERVICE, 1);
    // The product is gone, or the shard was (its stock merged into shard 0 meanwhile): read again.
    if (shard === 0) throw new ApiError('not_found', `no product ${sku}`);
    return 'moved';
  });
}
