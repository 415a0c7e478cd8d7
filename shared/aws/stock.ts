/**
 * A product's stock shards in the inventory table (shared/stock.ts): reading them, the update an order's take makes,
 * and the catalogue manager's changes — how many shards a product's stock is split over, and a rebalance that evens
 * them out. Each change is one transaction with its audit record, conditional on what it read, so the sum of the
 * shards moves only by what orders, cancellations and restocks move.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchGetCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Actor } from '../audit.js';
import { config } from '../config.js';
import { ApiError } from '../errors.js';
import type { Product } from '../orders.js';
import { rebalancePlan, shardCountOf, stockItemKey, totalStock } from '../stock.js';
import type { StockShard, StockTake } from '../stock.js';
import { auditAction } from './audit.js';
import { dynamo, guarded } from './clients.js';
import { transact } from './transactions.js';
import type { TransactItem } from './transactions.js';

const SERVICE = 'the inventory database';
const table = () => config().tables.inventory;

/** The product item's condition that its stock is still split over `count` shards, as read. */
export function shardCountCondition(product: Pick<Product, 'stockShards'>): {
  expression: string;
  values: Record<string, unknown>;
} {
  return product.stockShards === undefined
    ? { expression: 'attribute_not_exists(stockShards)', values: {} }
    : { expression: 'stockShards = :shardsWere', values: { ':shardsWere': product.stockShards } };
}

/**
 * The shards of a product split over `count` (read consistently: what is left must be current), by number; a shard
 * missing from the table (the count shrank meanwhile) is left out.
 */
export async function readStockShards(sku: string, count: number): Promise<StockShard[]> {
  const keys = Array.from({ length: count }, (_, shard) => ({ sku: stockItemKey(sku, shard) }));
  const shards = new Map<string, number>();
  let pending: Array<Record<string, unknown>> = keys;
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > 5)
      throw new ApiError('service_unavailable', `${SERVICE} is busy; retry shortly`, { retryAfterSeconds: 1 });
    const requested = pending;
    const result = await guarded(SERVICE, 'BatchGetItem', () =>
      dynamo().send(new BatchGetCommand({ RequestItems: { [table()]: { Keys: requested, ConsistentRead: true } } })),
    );
    for (const item of result.Responses?.[table()] ?? []) shards.set(String(item.sku), Number(item.stock));
    pending = result.UnprocessedKeys?.[table()]?.Keys ?? [];
    if (pending.length > 0) await sleep(25 * 2 ** attempt);
  }
  return keys.flatMap(({ sku: key }, shard) => {
    const stock = shards.get(key);
    return stock === undefined ? [] : [{ shard, stock }];
  });
}

/**
 * The update an order's take makes: `qty` off its shard, only if the shard exists, holds enough, and still has the
 * price the customer signed. Refused, it returns the shard as it was, which says which of the three failed.
 */
export function takeAction(take: StockTake): TransactItem {
  return {
    Update: {
      TableName: table(),
      Key: { sku: stockItemKey(take.sku, take.shard) },
      UpdateExpression: 'SET stock = stock - :qty',
      ConditionExpression: 'attribute_exists(sku) AND stock >= :qty AND priceCents = :price',
      ExpressionAttributeValues: { ':qty': take.qty, ':price': take.unitPriceCents },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/**
 * The update that adds `quantity` to one shard (a restock, or a cancellation giving its line's stock back), only if
 * that shard exists.
 */
export function addStockAction(sku: string, shard: number, quantity: number): TransactItem {
  return {
    Update: {
      TableName: table(),
      Key: { sku: stockItemKey(sku, shard) },
      UpdateExpression: 'ADD stock :quantity',
      ConditionExpression: 'attribute_exists(sku)',
      ExpressionAttributeValues: { ':quantity': quantity },
    },
  };
}

/**
 * The updates that copy a new price to shards 1…N−1 of a product (the product item, shard 0, is updated by the
 * re-price itself), in the same transaction, so that every shard checks orders against the same price.
 */
export function priceCopyActions(product: Product, priceCents: number): TransactItem[] {
  return Array.from({ length: shardCountOf(product) - 1 }, (_, index) => ({
    Update: {
      TableName: table(),
      Key: { sku: stockItemKey(product.sku, index + 1) },
      UpdateExpression: 'SET priceCents = :price',
      ConditionExpression: 'attribute_exists(sku)',
      ExpressionAttributeValues: { ':price': priceCents },
    },
  }));
}

/** Runs `attempt` up to 5 times while what it read moved before it committed, a short random pause between. */
export async function untilCommitted<T>(sku: string, attempt: () => Promise<{ done: T } | 'moved'>): Promise<T> {
  for (let tries = 1; tries <= 5; tries++) {
    const result = await attempt();
    if (result !== 'moved') return result.done;
    await sleep(5 + Math.random() * 45 * tries);
  }
  throw new ApiError('service_unavailable', `product ${sku} kept changing meanwhile; try again`, {
    retryAfterSeconds: 1,
  });
}

/**
 * A product's own item (shard 0: its `stock` is that shard's part only), read consistently, or `undefined`. Shard
 * items are not products: their keys (`SKU#k`) are not SKUs.
 */
export async function getProductItem(sku: string): Promise<Product | undefined> {
  if (sku.includes('#')) return undefined;
  const result = await guarded(SERVICE, 'GetItem', () =>
    dynamo().send(new GetCommand({ TableName: table(), Key: { sku }, ConsistentRead: true })),
  );
  return result.Item as Product | undefined;
}

/** The product item, read consistently, or `not_found`. */
async function productItem(sku: string): Promise<Product> {
  const product = await getProductItem(sku);
  if (!product) throw new ApiError('not_found', `no product ${sku}`);
  return product;
}

/**
 * Splits a product's stock over `count` shards (1…64). Growing adds empty shards carrying the price; shrinking moves
 * the stock of the shards it removes to shard 0 and deletes them only if their stock is still what was read. One
 * transaction with its audit record (`product.shards`). Returns the shard count and the stock as left.
 * @throws ApiError `not_found`, `service_unavailable` (the product kept changing)
 */
export function setShardCount(
  sku: string,
  count: number,
  actor: Actor,
  now = Date.now(),
): Promise<{ product: Product; shards: StockShard[] }> {
  return untilCommitted(sku, async () => {
    const product = await productItem(sku);
    const was = shardCountOf(product);
    const shards = await readStockShards(sku, was);
    if (count === was) return { done: { product, shards } };
    const held = shardCountCondition(product);
    const removed = shards.filter(({ shard }) => shard >= count);
    const moved = totalStock(removed);
    const set = count === 1 ? 'REMOVE stockShards' : 'SET stockShards = :count';
    const result = await transact(SERVICE, {
      product: {
        Update: {
          TableName: table(),
          Key: { sku },
          UpdateExpression: moved > 0 ? `${set} ADD stock :moved` : set,
          ConditionExpression: `${held.expression} AND priceCents = :price`,
          ExpressionAttributeValues: {
            ...held.values,
            ':price': product.priceCents,
            ...(count === 1 ? {} : { ':count': count }),
            ...(moved > 0 ? { ':moved': moved } : {}),
          },
        },
      },
      added: Array.from({ length: Math.max(0, count - was) }, (_, index) => ({
        Put: {
          TableName: table(),
          Item: { sku: stockItemKey(sku, was + index), shardOf: sku, priceCents: product.priceCents, stock: 0 },
          ConditionExpression: 'attribute_not_exists(sku)',
        },
      })),
      removed: removed.map(({ shard, stock }) => ({
        Delete: {
          TableName: table(),
          Key: { sku: stockItemKey(sku, shard) },
          ConditionExpression: 'stock = :stock',
          ExpressionAttributeValues: { ':stock': stock },
        },
      })),
      audit: auditAction(
        actor,
        {
          action: 'product.shards',
          target: sku,
          changes: { stockShards: { before: was, after: count }, stock: totalStock(shards), moved },
        },
        now,
      ),
    });
    if (!result.committed) return 'moved';
    const kept = shards
      .filter(({ shard }) => shard < count)
      .map((shard) => (shard.shard === 0 ? { shard: 0, stock: shard.stock + moved } : shard));
    const grown = Array.from({ length: Math.max(0, count - was) }, (_, index) => ({ shard: was + index, stock: 0 }));
    const rest = Object.fromEntries(Object.entries(product).filter(([name]) => name !== 'stockShards')) as Product;
    return {
      done: { product: { ...rest, ...(count === 1 ? {} : { stockShards: count }) }, shards: [...kept, ...grown] },
    };
  });
}

/**
 * Evens out a product's shards ({@link rebalancePlan}) in one transaction with its audit record
 * (`product.rebalance`): each shard that gives stock gives it only if it still holds it, so the sum never changes,
 * even while orders take from the same shards. Returns the shards as the plan left them.
 * @throws ApiError `not_found`, `service_unavailable` (the shards kept changing)
 */
export function rebalanceStock(sku: string, actor: Actor, now = Date.now()): Promise<StockShard[]> {
  return untilCommitted(sku, async () => {
    const product = await productItem(sku);
    const shards = await readStockShards(sku, shardCountOf(product));
    const plan = rebalancePlan(shards);
    if (plan.length === 0) return { done: shards };
    const held = shardCountCondition(product);
    const moves = plan.map(({ shard, change }) => ({
      Update: {
        TableName: table(),
        Key: { sku: stockItemKey(sku, shard) },
        UpdateExpression: 'ADD stock :change',
        ConditionExpression: [
          change < 0 ? 'stock >= :need' : 'attribute_exists(sku)',
          ...(shard === 0 ? [held.expression] : []),
        ].join(' AND '),
        ExpressionAttributeValues: {
          ':change': change,
          ...(change < 0 ? { ':need': -change } : {}),
          ...(shard === 0 ? held.values : {}),
        },
      },
    }));
    const checksCount = plan.some(({ shard }) => shard === 0);
    const result = await transact(SERVICE, {
      moves,
      count: checksCount
        ? undefined
        : {
            ConditionCheck: {
              TableName: table(),
              Key: { sku },
              ConditionExpression: held.expression,
              ...(Object.keys(held.values).length > 0 ? { ExpressionAttributeValues: held.values } : {}),
            },
          },
      audit: auditAction(
        actor,
        { action: 'product.rebalance', target: sku, changes: { stock: totalStock(shards), moves: plan } },
        now,
      ),
    });
    if (!result.committed) return 'moved';
    const change = new Map(plan.map(({ shard, change }) => [shard, change]));
    return { done: shards.map(({ shard, stock }) => ({ shard, stock: stock + (change.get(shard) ?? 0) })) };
  });
}
