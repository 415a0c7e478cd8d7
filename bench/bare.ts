/**
 * The API benchmark's bare side: the order path's DynamoDB transaction written straight to DynamoDB Local, with no
 * code of ours in front of it — the same items, conditions and return values (the order item as large as ours, the
 * stock decrement from one stock shard picked at random, the account debit and its ledger entry built by the code the
 * order path uses), the same retry policy. It has customers and products of its own (`bare-<n>`, `BARE-<sku>`), split
 * over as many shards as ours (shared/stock.ts), so the two sides never contend and write the same shape.
 */
import { randomBytes } from 'node:crypto';
import { PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LocalStack } from '../local/stack.js';
import { accountWrites } from '../shared/aws/accounts.js';
import { stockItemKey } from '../shared/stock.js';
import { PRICE } from './customers.js';

/** The local stack's tables (logical name → physical name); the bare side writes orders, inventory and customers. */
type Tables = LocalStack['tables'];

/** The bare side's customer for client number `client`. */
export const bareCustomer = (client: number) => `bare-${client}`;

/** The bare side's copy of `sku`. */
export const bareSku = (sku: string) => `BARE-${sku}`;

/**
 * Writes `count` bare customers with the attributes the order transaction's account condition reads, and returns
 * each one's ledger sequence (0), which {@link placeBareOrder} advances.
 */
export async function createBareCustomers(
  documents: DynamoDBDocumentClient,
  tables: Tables,
  count: number,
): Promise<Map<string, number>> {
  const ledgerSeq = new Map<string, number>();
  for (let client = 0; client < count; client++) {
    await documents.send(
      new PutCommand({
        TableName: tables.customers,
        Item: {
          customerId: bareCustomer(client),
          // An address, so that the bare orders' confirmations are sent as ours are (the stream poller and the
          // sweeper work for both sides alike).
          email: `${bareCustomer(client)}@bench.local`,
          role: 'customer',
          tokenVersion: 1,
          balanceCents: 1e14,
          ledgerSeq: 0,
          keys: { k1: { status: 'active' } },
        },
      }),
    );
    ledgerSeq.set(bareCustomer(client), 0);
  }
  return ledgerSeq;
}

/**
 * Writes each of `skus` (bare names, from {@link bareSku}) at the benchmark's price, its stock split over `shards`
 * items stored as ours are (shared/stock.ts): the product item (shard 0, with `stockShards` when split) and
 * `SKU#1` … `SKU#N-1`, each carrying the price and `stockPerShard` units.
 */
export async function createBareProducts(
  documents: DynamoDBDocumentClient,
  tables: Tables,
  skus: readonly string[],
  stockPerShard: number,
  shards: number,
): Promise<void> {
  for (const sku of skus)
    for (let shard = 0; shard < shards; shard++)
      await documents.send(
        new PutCommand({
          TableName: tables.inventory,
          Item:
            shard === 0
              ? {
                  sku,
                  name: sku,
                  priceCents: PRICE,
                  stock: stockPerShard,
                  ...(shards > 1 ? { stockShards: shards } : {}),
                }
              : { sku: stockItemKey(sku, shard), shardOf: sku, priceCents: PRICE, stock: stockPerShard },
        }),
      );
}

/**
 * One order of one unit of `sku` (split over `shards`) by `customerId` as a single transaction, its unit taken from
 * one shard picked at random as ours does (shared/stock.ts takeFromOneShard), tried up to 10 times with jittered
 * exponential backoff (at most 200 ms) after each failure; after the tenth it is given up on silently (conservation
 * is checked on our side only). The order item is `template` (one of ours as the order path stored it) with this
 * order's keys, line, signed order (`jws`) and times: the same attributes and size as ours, so it enters the same
 * indexes (by status, by customer, by ID, emails owed) and owes a confirmation as ours does. There is no fallback to several shards
 * when the one picked is short: the benchmark stocks every shard with enough for all of a round's orders, so neither
 * side ever takes it.
 */
export async function placeBareOrder(
  documents: DynamoDBDocumentClient,
  tables: Tables,
  ledgerSeq: Map<string, number>,
  order: {
    readonly customerId: string;
    readonly sku: string;
    readonly shards: number;
    readonly jws: string;
    readonly template: Readonly<Record<string, unknown>>;
  },
): Promise<void> {
  const { customerId, sku } = order;
  // Picked once per order, as ours does: its retries after a conflict go to the same shard.
  const shard = Math.min(order.shards - 1, Math.floor(Math.random() * order.shards));
  for (let attempt = 0; attempt < 10; attempt++) {
    const seen = ledgerSeq.get(customerId)!;
    try {
      await documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: tables.orders,
                Item: {
                  ...order.template,
                  customerId,
                  orderId: randomBytes(16).toString('base64url'),
                  lines: [{ sku, name: sku, qty: 1, unitPriceCents: PRICE }],
                  acceptedAt: new Date().toISOString(),
                  jws: order.jws,
                  ledgerEntry: seen + 1,
                  emailOwedSince: Date.now(),
                },
                ConditionExpression: 'attribute_not_exists(orderId)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            {
              Update: {
                TableName: tables.inventory,
                Key: { sku: stockItemKey(sku, shard) },
                UpdateExpression: 'SET stock = stock - :qty',
                ConditionExpression: 'attribute_exists(sku) AND stock >= :qty AND priceCents = :price',
                ExpressionAttributeValues: { ':qty': 1, ':price': PRICE },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            // The account's debit and its ledger entry, built by the code the order path uses.
            ...accountWrites(
              { balanceCents: 1e14 - seen * PRICE, ledgerSeq: seen },
              {
                customerId,
                entry: seen + 1,
                type: 'order',
                amountCents: -PRICE,
                balanceAfterCents: 1e14 - (seen + 1) * PRICE,
                currency: 'USD',
                actor: customerId,
                at: new Date().toISOString(),
              },
              { tokenVersion: 1, keyId: 'k1' },
            ),
          ],
        }),
      );
      ledgerSeq.set(customerId, seen + 1);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 25 * 2 ** attempt)));
    }
  }
}
