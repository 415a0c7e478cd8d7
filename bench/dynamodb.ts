/**
 * The API benchmark's own client of DynamoDB Local (no code of ours in between), and what it reads to check that
 * nothing was lost or made up: a product's stock (summed over its shards), a customer's balance and ledger position, and how many orders a
 * round stored. The item reads are strongly consistent.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/credentials.js';
import { shardCountOf, stockItemKey } from '../shared/stock.js';

/**
 * A document client for DynamoDB Local at `endpoint`, one attempt per call (no SDK retries): the bare side's only
 * retries are its own (bench/bare.ts placeBareOrder).
 */
export function localDocumentClient(endpoint: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: LOCAL_REGION, endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 }),
  );
}

/**
 * What `sku`'s stock is now split into: its number of shards (the product item's `stockShards`, 1 when absent) and
 * the stock of each, read item by item (shard 0 is the product item, then `SKU#1` …), so that a missing shard item
 * shows as `NaN` and fails any sum checked against it.
 */
export async function stockOf(
  documents: DynamoDBDocumentClient,
  table: string,
  sku: string,
): Promise<{ stockShards: number; shards: number[]; total: number }> {
  const read = async (key: string) =>
    (await documents.send(new GetCommand({ TableName: table, Key: { sku: key }, ConsistentRead: true }))).Item;
  const product = await read(sku);
  const stockShards = shardCountOf({ stockShards: product?.stockShards as number | undefined });
  const shards = [Number(product?.stock)];
  for (let shard = 1; shard < stockShards; shard++) shards.push(Number((await read(stockItemKey(sku, shard)))?.stock));
  return { stockShards, shards, total: shards.reduce((sum, stock) => sum + stock, 0) };
}

/** A customer's balance and the number of its last ledger entry. */
export async function accountOf(
  documents: DynamoDBDocumentClient,
  table: string,
  customerId: string,
): Promise<{ balanceCents: number; ledgerSeq: number }> {
  const item = (await documents.send(new GetCommand({ TableName: table, Key: { customerId }, ConsistentRead: true })))
    .Item;
  return { balanceCents: Number(item?.balanceCents), ledgerSeq: Number(item?.ledgerSeq) };
}

/** One stored order of `customerId` as the order path wrote it (the bare side copies its attributes), or `undefined`. */
export async function anOrderOf(
  documents: DynamoDBDocumentClient,
  table: string,
  customerId: string,
): Promise<Record<string, unknown> | undefined> {
  const page = await documents.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'customerId = :id',
      ExpressionAttributeValues: { ':id': customerId },
      Limit: 1,
      ConsistentRead: true,
    }),
  );
  return page.Items?.[0];
}

/** How many stored orders of the `bench-…` customers have a first line whose SKU starts with `skuPrefix`. */
export async function countOrders(
  documents: DynamoDBDocumentClient,
  table: string,
  skuPrefix: string,
): Promise<number> {
  let count = 0;
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new ScanCommand({
        TableName: table,
        Select: 'COUNT',
        FilterExpression: 'begins_with(customerId, :bench) AND begins_with(#lines[0].sku, :prefix)',
        ExpressionAttributeNames: { '#lines': 'lines' },
        ExpressionAttributeValues: { ':bench': 'bench-', ':prefix': skuPrefix },
        ExclusiveStartKey: cursor,
      }),
    );
    count += page.Count ?? 0;
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return count;
}
