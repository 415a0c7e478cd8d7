/**
 * The orders table as its adapters share it: how its failures are named, and the requests they all make the same way
 * (a query of one of its indexes, a conditional update of one order).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { QueryCommandInput, QueryCommandOutput, UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.js';
import { dynamo, guarded, updateIf } from './clients.js';

/** How failures of the orders table are named (in logs and 503 answers). */
export const ORDER_DATABASE = 'the order database';

/** Runs one request to the orders table through {@link guarded}: anything unexpected is a 503. */
export const orderDatabase = <T>(what: string, operation: () => Promise<T>) => guarded(ORDER_DATABASE, what, operation);

/** An order's key in the orders table. */
export interface OrderKey {
  readonly customerId: string;
  readonly orderId: string;
}

/** Runs one Query of the orders table (or of one of its indexes). */
export function queryOrders(query: Omit<QueryCommandInput, 'TableName'>): Promise<QueryCommandOutput> {
  return orderDatabase('Query', () => dynamo().send(new QueryCommand({ TableName: config().tables.orders, ...query })));
}

/** Runs a conditional update of one order: true if it was applied, false if its condition did not hold. */
export function updateOrderIf(key: OrderKey, update: Omit<UpdateCommandInput, 'TableName' | 'Key'>): Promise<boolean> {
  return updateIf(ORDER_DATABASE, { TableName: config().tables.orders, Key: key, ...update });
}
