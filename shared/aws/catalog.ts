/** The inventory table: products (SKU, name, price in cents, stock). */
import { BatchGetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.js';
import { ApiError } from '../errors.js';
import type { Product } from '../orders.js';
import { dynamo, guarded, isConditionFailure } from './clients.js';

const database = <T>(what: string, operation: () => Promise<T>) => guarded('the inventory database', what, operation);
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

/** @throws ApiError `already_exists` */
export async function createProduct(product: Product): Promise<void> {
  try {
    await database('PutItem', () =>
      dynamo().send(
        new PutCommand({ TableName: table(), Item: product, ConditionExpression: 'attribute_not_exists(sku)' }),
      ),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw new ApiError('already_exists', `product ${product.sku} already exists`);
    throw error;
  }
}

/** Changes name and/or price (never stock: stock moves only by orders and restocks). @throws ApiError `not_found` */
export async function updateProduct(sku: string, changes: { name?: string; priceCents?: number }): Promise<Product> {
  const sets = Object.entries(changes).filter(([, value]) => value !== undefined);
  try {
    const result = await database('UpdateItem', () =>
      dynamo().send(
        new UpdateCommand({
          TableName: table(),
          Key: { sku },
          UpdateExpression: `SET ${sets.map(([name]) => `#${name} = :${name}`).join(', ')}`,
          ConditionExpression: 'attribute_exists(sku)',
          ExpressionAttributeNames: Object.fromEntries(sets.map(([name]) => [`#${name}`, name])),
          ExpressionAttributeValues: Object.fromEntries(sets.map(([name, value]) => [`:${name}`, value])),
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return result.Attributes as Product;
  } catch (error) {
    if (isConditionFailure(error)) throw new ApiError('not_found', `no product ${sku}`);
    throw error;
  }
}

/** Adds stock atomically. @throws ApiError `not_found` */
export async function restock(sku: string, quantity: number): Promise<Product> {
  try {
    const result = await database('UpdateItem', () =>
      dynamo().send(
        new UpdateCommand({
          TableName: table(),
          Key: { sku },
          UpdateExpression: 'ADD stock :qty',
          ConditionExpression: 'attribute_exists(sku)',
          ExpressionAttributeValues: { ':qty': quantity },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return result.Attributes as Product;
  } catch (error) {
    if (isConditionFailure(error)) throw new ApiError('not_found', `no product ${sku}`);
    throw error;
  }
}
