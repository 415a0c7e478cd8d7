/**
 * The API benchmark's own client of DynamoDB Local (no code of ours in between), and what it reads to check that
 * nothing was lost or made up: a product's stock, a customer's balance and ledger position, and how many orders a
 * round stored. The item reads are strongly consistent.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/credentials.js';

/**
 * A document client for DynamoDB Local at `endpoint`, one attempt per call (no SDK retries): the bare side's only
 * retries are its own (bench/bare.ts placeBareOrder).
 */
export function localDocumentClient(endpoint: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: LOCAL_REGION, endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 }),
  );
}

/** The stock `sku` has now. */
export async function stockOf(documents: DynamoDBDocumentClient, table: string, sku: string): Promise<number> {
  return Number(
    (await documents.send(new GetCommand({ TableName: table, Key: { sku }, ConsistentRead: true }))).Item?.stock,
  );
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
