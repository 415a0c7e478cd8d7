/**
 * The orders table and the order transaction: one TransactWriteItems that puts the order (with its receipt) only if
 * its ID (the envelope's jti) is new — the replay protection — and decrements each line's stock only if the product
 * exists, enough is left, and its price is still the unit price the customer signed. Stock never goes negative, is
 * never oversold and is never sold at a price the customer did not sign, whatever the concurrency: DynamoDB checks
 * every condition at commit.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { config } from '../config.js';
import { interpretCancellation } from '../orders.js';
import type { OrderRecord, TransactionOutcome } from '../orders.js';
import { dynamo, guarded, whenConditionFails } from './clients.js';

const database = <T>(what: string, operation: () => Promise<T>) => guarded('the order database', what, operation);

/** Writes the order and decrements stock in one transaction. Returns 'placed' or why it was cancelled. */
export async function writeOrder(order: OrderRecord): Promise<{ kind: 'placed' } | TransactionOutcome> {
  const { orders, inventory } = config().tables;
  try {
    await database('TransactWriteItems', () =>
      dynamo().send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: orders,
                Item: order,
                ConditionExpression: 'attribute_not_exists(orderId)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            ...order.lines.map((line) => ({
              Update: {
                TableName: inventory,
                Key: { sku: line.sku },
                UpdateExpression: 'SET stock = stock - :qty',
                ConditionExpression: 'attribute_exists(sku) AND stock >= :qty AND priceCents = :price',
                ExpressionAttributeValues: { ':qty': line.qty, ':price': line.unitPriceCents },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
              },
            })),
          ],
        }),
      ),
    );
    return { kind: 'placed' };
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const reasons = (error.CancellationReasons ?? []).map((reason) => ({
      code: reason.Code,
      ...(reason.Item ? { item: unmarshall(reason.Item) } : {}),
    }));
    return interpretCancellation(reasons, order.lines);
  }
}

export async function getOrder(customerId: string, orderId: string): Promise<OrderRecord | undefined> {
  const result = await database('GetItem', () =>
    dynamo().send(new GetCommand({ TableName: config().tables.orders, Key: { customerId, orderId } })),
  );
  return result.Item as OrderRecord | undefined;
}

/** One page of a customer's orders (order IDs are random, so the page order is by ID, not time). */
export async function listOrders(
  customerId: string,
  limit: number,
  cursor?: string,
): Promise<{ orders: OrderRecord[]; next?: string }> {
  const result = await database('Query', () =>
    dynamo().send(
      new QueryCommand({
        TableName: config().tables.orders,
        KeyConditionExpression: 'customerId = :customerId',
        ExpressionAttributeValues: { ':customerId': customerId },
        Limit: limit,
        ...(cursor ? { ExclusiveStartKey: { customerId, orderId: cursor } } : {}),
      }),
    ),
  );
  const last: unknown = result.LastEvaluatedKey?.orderId;
  return { orders: (result.Items ?? []) as OrderRecord[], ...(typeof last === 'string' ? { next: last } : {}) };
}

/**
 * Moves an order's email status from `from` to `to` if and only if it is `from` (or a `sending` claim older than
 * `staleBefore`, left by a crashed sender). Returns false when another worker got there first.
 */
export async function transitionEmailStatus(
  key: { customerId: string; orderId: string },
  from: OrderRecord['emailStatus'],
  to: OrderRecord['emailStatus'],
  now = Date.now(),
  staleBefore?: number,
): Promise<boolean> {
  const stale = staleBefore === undefined ? '' : ' OR (emailStatus = :sending AND emailClaimedAt < :stale)';
  const update = new UpdateCommand({
    TableName: config().tables.orders,
    Key: key,
    UpdateExpression:
      to === 'sent' ? 'SET emailStatus = :to, emailSentAt = :now' : 'SET emailStatus = :to, emailClaimedAt = :epoch',
    ConditionExpression: `emailStatus = :from${stale}`,
    ExpressionAttributeValues: {
      ':to': to,
      ':from': from,
      ...(to === 'sent' ? { ':now': new Date(now).toISOString() } : { ':epoch': now }),
      ...(staleBefore === undefined ? {} : { ':sending': 'sending', ':stale': staleBefore }),
    },
  });
  return whenConditionFails(
    async () => {
      await database('UpdateItem', () => dynamo().send(update));
      return true;
    },
    () => false,
  );
}
