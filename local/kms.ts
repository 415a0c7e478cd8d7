/**
 * A KMS-compatible endpoint for the local stack and tests: the AWS JSON 1.1 protocol (`X-Amz-Target:
 * TrentService.<Operation>`) for Encrypt, Decrypt, GenerateDataKey and DescribeKey, so the real `@aws-sdk/client-kms`
 * code path runs unchanged. One symmetric key; AES-256-GCM with the encryption context as associated data, so — as in
 * KMS — a blob decrypts only with the context it was encrypted under.
 *
 * Local use only: it binds to 127.0.0.1, does not check request signatures, and keeps its key material in a file of the
 * local data directory (or in memory). It is not a security boundary; it exists so the same code runs here and on AWS.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { listenOnLoopback } from './ports.js';

const MAGIC = Buffer.from('POK1');
const REGION = 'eu-west-1';
const ACCOUNT = '000000000000';

/** The one symmetric key of the local KMS, with the alias it answers to. */
export interface LocalKmsKey {
  readonly keyId: string;
  /** 32 bytes. */
  readonly material: Buffer;
  readonly alias: string;
}

/** A fresh key (the local stack persists it in its data directory). */
export function newLocalKmsKey(alias = 'alias/purchase-orders'): LocalKmsKey {
  return { keyId: randomUUID(), material: randomBytes(32), alias };
}

class KmsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** The encryption context as canonical bytes (sorted keys): what the ciphertext is bound to. */
function contextBytes(context: unknown): Buffer {
  const entries = Object.entries((context ?? {}) as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : 1));
  return Buffer.from(JSON.stringify(entries));
}

/** The request listener of the local KMS for `key` (what startLocalKms serves). */
export function createKmsHandler(key: LocalKmsKey) {
  const arn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${key.keyId}`;
  const aliasArn = `arn:aws:kms:${REGION}:${ACCOUNT}:${key.alias}`;
  const known = new Set([key.keyId, arn, key.alias, aliasArn]);

  const checkKey = (keyId: unknown) => {
    if (typeof keyId !== 'string' || !known.has(keyId))
      throw new KmsError('NotFoundException', `key ${String(keyId)} does not exist`);
  };

  const encrypt = (plaintext: Buffer, context: unknown): Buffer => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key.material, iv);
    cipher.setAAD(contextBytes(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([MAGIC, Buffer.from(key.keyId), iv, cipher.getAuthTag(), ciphertext]);
  };

  const decrypt = (blob: Buffer, context: unknown): Buffer => {
    const idEnd = MAGIC.length + key.keyId.length;
    if (
      blob.length < idEnd + 28 ||
      !blob.subarray(0, MAGIC.length).equals(MAGIC) ||
      blob.subarray(MAGIC.length, idEnd).toString() !== key.keyId
    )
      throw new KmsError('InvalidCiphertextException', 'the ciphertext is invalid');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.material, blob.subarray(idEnd, idEnd + 12));
      decipher.setAAD(contextBytes(context));
      decipher.setAuthTag(blob.subarray(idEnd + 12, idEnd + 28));
      return Buffer.concat([decipher.update(blob.subarray(idEnd + 28)), decipher.final()]);
    } catch {
      throw new KmsError('InvalidCiphertextException', 'the ciphertext or its encryption context is invalid');
    }
  };

  const b64 = (value: unknown, name: string): Buffer => {
    if (typeof value !== 'string') throw new KmsError('ValidationException', `${name} is required`);
    return Buffer.from(value, 'base64');
  };

  const operations: Record<string, (input: Record<string, unknown>) => Record<string, unknown>> = {
    Encrypt: (input) => {
      checkKey(input.KeyId);
      const plaintext = b64(input.Plaintext, 'Plaintext');
      if (plaintext.length === 0 || plaintext.length > 4096)
        throw new KmsError('ValidationException', 'Plaintext must be 1–4096 bytes');
      return {
        CiphertextBlob: encrypt(plaintext, input.EncryptionContext).toString('base64'),
        KeyId: arn,
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      };
    },
    Decrypt: (input) => {
      if (input.KeyId !== undefined) checkKey(input.KeyId);
      const plaintext = decrypt(b64(input.CiphertextBlob, 'CiphertextBlob'), input.EncryptionContext);
      return { Plaintext: plaintext.toString('base64'), KeyId: arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },
    GenerateDataKey: (input) => {
      checkKey(input.KeyId);
      const bytes =
        typeof input.NumberOfBytes === 'number' ? input.NumberOfBytes : input.KeySpec === 'AES_128' ? 16 : 32;
      if (!Number.isInteger(bytes) || bytes < 1 || bytes > 1024)
        throw new KmsError('ValidationException', 'NumberOfBytes must be 1–1024');
      const plaintext = randomBytes(bytes);
      return {
        Plaintext: plaintext.toString('base64'),
        CiphertextBlob: encrypt(plaintext, input.EncryptionContext).toString('base64'),
        KeyId: arn,
      };
    },
    DescribeKey: (input) => {
      checkKey(input.KeyId);
      return {
        KeyMetadata: {
          KeyId: key.keyId,
          Arn: arn,
          Enabled: true,
          KeyState: 'Enabled',
          KeyUsage: 'ENCRYPT_DECRYPT',
          KeySpec: 'SYMMETRIC_DEFAULT',
        },
      };
    },
  };

  return (request: IncomingMessage, response: ServerResponse): void => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(body));
      };
      try {
        const target = String(request.headers['x-amz-target'] ?? '');
        const operation = operations[target.replace(/^TrentService\./, '')];
        if (request.method !== 'POST' || !target.startsWith('TrentService.') || !operation)
          throw new KmsError(
            'UnsupportedOperationException',
            `${target || 'no operation'} is not supported by the local KMS`,
          );
        let input: Record<string, unknown>;
        try {
          input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
        } catch {
          throw new KmsError('SerializationException', 'the body is not JSON');
        }
        reply(200, operation(input));
      } catch (error) {
        const kmsError = error instanceof KmsError ? error : new KmsError('KMSInternalException', 'internal error');
        reply(400, { __type: kmsError.type, message: kmsError.message });
      }
    });
  };
}

/** Starts the endpoint on 127.0.0.1 (port 0 = any free port). */
export function startLocalKms(key: LocalKmsKey, port = 0): Promise<{ server: Server; url: string }> {
  return listenOnLoopback(createServer(createKmsHandler(key)), port, 'local KMS');
}
