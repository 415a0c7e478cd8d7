/**
 * The inventory table: products (SKU, name, price in cents, stock). A staff member's change of a product is one
 * transaction with its audit record (shared/audit.ts), written only if the values it replaces are still the ones read,
 * so that the record's before → after is exact.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchGetCommand, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Actor, AuditChanges } from '../audit.js';
import { config } from '../config.js';
import { ApiError, serviceUnavailable } from '../errors.js';
import type { Product } from '../orders.js';
import { auditAction } from './audit.js';
import { dynamo, guarded } from './clients.js';
import { transact } from './transactions.js';

/** How failures of the inventory table are named (in logs and 503 answers). */
const SERVICE = 'the inventory database';
const database = <T>(what: string, operation: () => Promise<T>) => guarded(SERVICE, what, operation);
const table = () => config().tables.inventory;

/** Reads the products for these SKUs (consistently: prices and stock must be current). Unknown SKUs are absent. */
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

/** One product, read consistently (as staff set it), or `undefined` if there is none. */
export async function getProduct(sku: string): Promise<Product | undefined> {
  const result = await database('GetItem', () =>
    dynamo().send(new GetCommand({ TableName: table(), Key: { sku }, ConsistentRead: true })),
  );
  return result.Item as Product | undefined;
}

/** Every product, sorted by SKU. The catalogue is small (hundreds of items); a scan is the right tool. */
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
  return products.sort((a, b) => a.sku.localeCompare(b.sku));
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
    const result = await transact(SERVICE, {
      product: {
        Update: {
          TableName: table(),
          Key: { sku },
          UpdateExpression: `SET ${names.map((name) => `#${name} = :${name}`).join(', ')}`,
          ConditionExpression: names.map((name) => `#${name} = :was_${name}`).join(' AND '),
          ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
          ExpressionAttributeValues: Object.fromEntries(
            names.flatMap((name) => [
              [`:${name}`, change.set[name]],
              [`:was_${name}`, current[name]],
            ]),
          ),
        },
      },
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
 * Adds stock atomically (`ADD`), with its audit record in the same transaction: the quantity added, exact, and the
 * stock before → after as read just before the addition. A restock never waits for the orders that take the same
 * stock (a hot SKU takes hundreds a second): were it written only if the stock were still what was read, it could
 * lose to orders every time. So an order committed between that read and the restock is not in the recorded before →
 * after; the quantity always is, and the product's stock is always right.
 * @throws ApiError `not_found`, `service_unavailable`
 */
export async function restock(sku: string, quantity: number, actor: Actor, now = Date.now()): Promise<Product> {
  const current = (await getProducts([sku])).get(sku);
  if (!current) throw new ApiError('not_found', `no product ${sku}`);
  const after = current.stock + quantity;
  const result = await transact(SERVICE, {
    product: {
      Update: {
        TableName: table(),
        Key: { sku },
        UpdateExpression: 'ADD stock :quantity',
        ConditionExpression: 'attribute_exists(sku)',
        ExpressionAttributeValues: { ':quantity': quantity },
      },
    },
    audit: auditAction(
      actor,
      { action: 'product.restock', target: sku, changes: { quantity, stock: { before: current.stock, after } } },
      now,
    ),
  });
  if (result.committed) return { ...current, stock: after };
  if (result.reasons.product?.code === 'ConditionalCheckFailed') throw new ApiError('not_found', `no product ${sku}`);
  throw serviceUnavailable(SERVICE, 1);
}
