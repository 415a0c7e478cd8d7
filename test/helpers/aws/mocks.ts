/**
 * The AWS SDK clients as handler tests see them: aws-sdk-client-mock in place of DynamoDB, KMS and SES, a KMS stand-in
 * answering from in-memory wrapped secrets, and the errors and records the SDK and DynamoDB give.
 */
import { randomBytes } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, EncryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { SESClient } from '@aws-sdk/client-ses';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';

export const ddb = mockClient(DynamoDBDocumentClient);
export const kms = mockClient(KMSClient);
export const ses = mockClient(SESClient);

/** Cheap scrypt parameters for fixtures (production hashes use N = 2^17; verification reads the stored ones). */
export const FAST_SCRYPT = { logN: 10, r: 8, p: 1 } as const;

/** KMS stand-in: "wrapping" stores the plaintext under a random handle, bound to the encryption context. */
const wrappedSecrets = new Map<string, { plaintext: Uint8Array; context: string }>();

/** Wraps `plaintext` under `context`: what KMS Encrypt returns, a handle only this stand-in can unwrap. */
export function wrap(plaintext: Uint8Array, context: Record<string, string> | undefined): Uint8Array {
  const handle = randomBytes(16);
  wrappedSecrets.set(handle.toString('hex'), { plaintext, context: JSON.stringify(context ?? {}) });
  return handle;
}

/** KMS answers from the in-memory wrapped secrets, refusing a wrong encryption context as KMS does. */
export function answerKms(): void {
  kms
    .on(DecryptCommand)
    .callsFake((input: { CiphertextBlob: Uint8Array; EncryptionContext?: Record<string, string> }) => {
      const entry = wrappedSecrets.get(Buffer.from(input.CiphertextBlob).toString('hex'));
      if (!entry || entry.context !== JSON.stringify(input.EncryptionContext ?? {})) {
        throw Object.assign(new Error('InvalidCiphertextException'), { name: 'InvalidCiphertextException' });
      }
      return { Plaintext: entry.plaintext };
    });
  kms.on(EncryptCommand).callsFake((input: { Plaintext: Uint8Array; EncryptionContext?: Record<string, string> }) => ({
    CiphertextBlob: wrap(input.Plaintext, input.EncryptionContext),
  }));
  kms.on(GenerateDataKeyCommand).callsFake((input: { EncryptionContext?: Record<string, string> }) => {
    const plaintext = randomBytes(32);
    return { Plaintext: plaintext, CiphertextBlob: wrap(plaintext, input.EncryptionContext) };
  });
}

/** A TransactionCanceledException as DynamoDB raises it: one reason per action, old items marshalled. */
export function transactionCancelled(reasons: Array<{ Code: string; Item?: Record<string, unknown> }>) {
  return new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: reasons.map((reason) => ({
      Code: reason.Code,
      ...(reason.Item ? { Item: marshall(reason.Item, { removeUndefinedValues: true }) } : {}),
    })),
  });
}

/** Every DynamoDB request sent since the `from`-th, as `Operation table` (`TransactWrite` has no one table). */
export function dynamoRequestsSince(from: number): string[] {
  return ddb
    .calls()
    .slice(from)
    .map((call) => {
      const input = call.args[0].input as { TableName?: string; RequestItems?: object };
      const table = input.TableName ?? Object.keys(input.RequestItems ?? {}).join(',');
      return `${call.args[0].constructor.name.replace(/Command$/, '')}${table ? ` ${table}` : ''}`;
    });
}

/** An AWS service error as the SDK raises it. */
export function awsError(name: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(name), { name, $fault: 'server', $metadata: {}, ...extra });
}
