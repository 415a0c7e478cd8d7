/**
 * A small AWS world for handler tests: aws-sdk-client-mock answers the real SDK clients from in-memory state
 * (customers, products, keys, orders), and records every call so tests can assert what was written and how.
 *
 * One import for the tests: the mocked clients and errors (`aws/mocks.ts`), the world (`aws/world.ts`), the Lambda
 * event and context (`aws/events.ts`), and the SDK commands tests match calls by.
 */
import { SendEmailCommand } from '@aws-sdk/client-ses';
import { DecryptCommand, EncryptCommand } from '@aws-sdk/client-kms';
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';

export {
  FAST_SCRYPT,
  answerKms,
  awsError,
  ddb,
  dynamoRequestsSince,
  kms,
  ses,
  transactionCancelled,
} from './aws/mocks.js';
export { addCustomer, installWorld } from './aws/world.js';
export type { World } from './aws/world.js';
export { apiEvent, bodyOf, lambdaContext } from './aws/events.js';

export {
  SendEmailCommand,
  DecryptCommand,
  EncryptCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  BatchGetCommand,
  ScanCommand,
};
