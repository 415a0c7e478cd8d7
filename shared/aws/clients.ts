/**
 * AWS SDK clients, created once per process (module scope, reused across invocations) from the one config.
 * Locally the endpoints point at DynamoDB Local, the project's KMS endpoint and the SES emulator; on AWS they are unset.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SESClient } from '@aws-sdk/client-ses';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.js';
import { serviceUnavailable } from '../errors.js';
import { errorName, logger } from '../observability.js';

let dynamoClient: DynamoDBDocumentClient | undefined;
let kmsClient: KMSClient | undefined;
let sesClient: SESClient | undefined;

/** The DynamoDB document client (plain JS values in and out; `undefined` members dropped). */
export function dynamo(): DynamoDBDocumentClient {
  const { region, endpoints } = config();
  dynamoClient ??= DynamoDBDocumentClient.from(
    new DynamoDBClient({ region, ...(endpoints.dynamodb ? { endpoint: endpoints.dynamodb } : {}) }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  return dynamoClient;
}

/** The KMS client (wraps and unwraps the keys table's secrets). */
export function kms(): KMSClient {
  const { region, endpoints } = config();
  kmsClient ??= new KMSClient({ region, ...(endpoints.kms ? { endpoint: endpoints.kms } : {}) });
  return kmsClient;
}

/** The SES client (sends the customers' emails). */
export function ses(): SESClient {
  const { region, endpoints } = config();
  sesClient ??= new SESClient({ region, ...(endpoints.ses ? { endpoint: endpoints.ses } : {}) });
  return sesClient;
}

/** Forgets the clients (tests swap configuration and mocks between cases). */
export function resetClients(): void {
  dynamoClient = undefined;
  kmsClient = undefined;
  sesClient = undefined;
}

/** True for the error DynamoDB raises when a condition expression is false. */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** Errors that carry an answer (a condition was false, a transaction was cancelled): callers interpret them. */
const EXPECTED_ERRORS = new Set(['ConditionalCheckFailedException', 'TransactionCanceledException']);

/**
 * Runs one call to an AWS service. Expected outcomes pass through; anything else (throttling after the SDK's own
 * retries, timeouts, outages) is logged by name only and becomes a 503 with Retry-After — never a wrong answer.
 */
export async function guarded<T>(service: string, what: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof Error && EXPECTED_ERRORS.has(error.name)) throw error;
    logger.error(`${service} ${what} failed`, { errorName: errorName(error) });
    throw serviceUnavailable(service);
  }
}

/**
 * Runs a conditional write; when its condition is false, returns what `onConditionFailed` returns (or throws what it
 * throws). Any other error propagates.
 */
export async function whenConditionFails<T>(write: () => Promise<T>, onConditionFailed: () => T): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isConditionFailure(error)) return onConditionFailed();
    throw error;
  }
}

/**
 * Runs one conditional UpdateItem against `service` (through {@link guarded}): true if it was applied, false if its
 * condition was false. Any other error propagates.
 */
export function updateIf(service: string, input: UpdateCommandInput): Promise<boolean> {
  return whenConditionFails(
    async () => {
      await guarded(service, 'UpdateItem', () => dynamo().send(new UpdateCommand(input)));
      return true;
    },
    () => false,
  );
}
