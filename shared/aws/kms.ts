/**
 * Wrapping secrets with the project's KMS key. Every wrap binds an encryption context naming the secret's purpose and
 * key ID: a wrapped blob cannot be unwrapped as anything else, IAM can limit Decrypt to that context, and CloudTrail
 * records which key was unwrapped.
 */
import { DecryptCommand, EncryptCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import { config } from '../config.js';
import { serviceUnavailable } from '../errors.js';
import { guarded, kms } from './clients.js';

/** What a wrapped secret is for: the server's decryption keys, the session-token secrets, the receipt signing keys. */
export type SecretPurpose = 'server-key' | 'session-key' | 'receipt-key';

/** The encryption context of a wrapped secret. IAM policies in infra/ match `po:purpose`. */
export function encryptionContext(purpose: SecretPurpose, kid: string): Record<string, string> {
  return { 'po:purpose': purpose, 'po:kid': kid };
}

const call = <T>(what: string, operation: () => Promise<T>) => guarded('the key service', what, operation);

/** Encrypts `plaintext` (a private key, ≤ 4 KiB) under the project key. */
export async function wrapSecret(plaintext: Uint8Array, purpose: SecretPurpose, kid: string): Promise<Uint8Array> {
  const result = await call('Encrypt', () =>
    kms().send(
      new EncryptCommand({
        KeyId: config().kmsKeyId,
        Plaintext: plaintext,
        EncryptionContext: encryptionContext(purpose, kid),
      }),
    ),
  );
  if (!result.CiphertextBlob) throw serviceUnavailable('the key service');
  return result.CiphertextBlob;
}

/** A fresh 256-bit secret from KMS: the plaintext to use now, the wrapped form to store. */
export async function generateSecret(
  purpose: SecretPurpose,
  kid: string,
): Promise<{ plaintext: Uint8Array; wrapped: Uint8Array }> {
  const result = await call('GenerateDataKey', () =>
    kms().send(
      new GenerateDataKeyCommand({
        KeyId: config().kmsKeyId,
        NumberOfBytes: 32,
        EncryptionContext: encryptionContext(purpose, kid),
      }),
    ),
  );
  if (!result.Plaintext || !result.CiphertextBlob) throw serviceUnavailable('the key service');
  return { plaintext: result.Plaintext, wrapped: result.CiphertextBlob };
}

/** Decrypts a wrapped secret; KMS refuses unless the context matches the one it was wrapped with. */
export async function unwrapSecret(wrapped: Uint8Array, purpose: SecretPurpose, kid: string): Promise<Uint8Array> {
  const result = await call('Decrypt', () =>
    kms().send(
      new DecryptCommand({
        KeyId: config().kmsKeyId,
        CiphertextBlob: wrapped,
        EncryptionContext: encryptionContext(purpose, kid),
      }),
    ),
  );
  if (!result.Plaintext) throw serviceUnavailable('the key service');
  return result.Plaintext;
}
