/** The inventory table: products (SKU, name, price in cents, stock). */
import { BatchGetCommand, GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.js';
import { ApiError } from '../errors.js';
import type { Product } from '../orders.js';
import { dynamo, guarded, whenConditionFails } from './clients.js';

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

/** @throws ApiError `already_exists` */
export async function createProduct(product: Product): Promise<void> {
  const put = new PutCommand({ TableName: table(), Item: product, ConditionExpression: 'attribute_not_exists(sku)' });
  await whenConditionFails(
    () => database('PutItem', () => dynamo().send(put)),
    () => {
      throw new ApiError('already_exists', `product ${product.sku} already exists`);
    },
  );
}

/** Applies an update to an existing product and returns the product as it now is. @throws ApiError `not_found` */
async function updateExisting(
  sku: string,
  update: Omit<UpdateCommandInput, 'TableName' | 'Key' | 'ConditionExpression' | 'ReturnValues'>,
): Promise<Product> {
  const command = new UpdateCommand({
    ...update,
    TableName: table(),
    Key: { sku },
    ConditionExpression: 'attribute_exists(sku)',
    ReturnValues: 'ALL_NEW',
  });
  const result = await whenConditionFails(
    () => database('UpdateItem', () => dynamo().send(command)),
    () => {
      throw new ApiError('not_found', `no product ${sku}`);
    },
  );
  return result.Attributes as Product;
}

/** Changes name and/or price (never stock: stock moves only by orders and restocks). @throws ApiError `not_found` */
export function updateProduct(sku: string, changes: { name?: string; priceCents?: number }): Promise<Product> {
  const sets = Object.entries(changes).filter(([, value]) => value !== undefined);
  return updateExisting(sku, {
    UpdateExpression: `SET ${sets.map(([name]) => `#${name} = :${name}`).join(', ')}`,
    ExpressionAttributeNames: Object.fromEntries(sets.map(([name]) => [`#${name}`, name])),
    ExpressionAttributeValues: Object.fromEntries(sets.map(([name, value]) => [`:${name}`, value])),
  });
}

/** Adds stock atomically. @throws ApiError `not_found` */
export function restock(sku: string, quantity: number): Promise<Product> {
  return updateExisting(sku, { UpdateExpression: 'ADD stock :qty', ExpressionAttributeValues: { ':qty': quantity } });
}
