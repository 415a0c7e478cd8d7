/** The local KMS endpoint, driven by the real @aws-sdk/client-kms. */
import {
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  KMSClient,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newLocalKmsKey, startLocalKms } from '../../local/kms.js';
import type { Server } from 'node:http';

let server: Server;
let client: KMSClient;
const key = newLocalKmsKey('alias/test');

beforeAll(async () => {
  const started = await startLocalKms(key);
  server = started.server;
  client = new KMSClient({
    region: 'eu-west-1',
    endpoint: started.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});
afterAll(() => {
  server.close();
});

const context = { 'po:purpose': 'server-key', 'po:kid': 'k1' };

describe('local KMS', () => {
  it('encrypts and decrypts with the same encryption context, by key ID, ARN or alias', async () => {
    const { CiphertextBlob, KeyId } = await client.send(
      new EncryptCommand({ KeyId: 'alias/test', Plaintext: Buffer.from('secret'), EncryptionContext: context }),
    );
    expect(KeyId).toBe(`arn:aws:kms:eu-west-1:000000000000:key/${key.keyId}`);
    expect(Buffer.from(CiphertextBlob!).toString()).not.toContain('secret');
    const { Plaintext } = await client.send(
      new DecryptCommand({ CiphertextBlob, EncryptionContext: context, KeyId: key.keyId }),
    );
    expect(Buffer.from(Plaintext!).toString()).toBe('secret');
  });

  it('refuses a different encryption context, a changed blob, an unknown key, as KMS does', async () => {
    const { CiphertextBlob } = await client.send(
      new EncryptCommand({ KeyId: key.keyId, Plaintext: Buffer.from('secret'), EncryptionContext: context }),
    );
    await expect(
      client.send(
        new DecryptCommand({ CiphertextBlob, EncryptionContext: { ...context, 'po:purpose': 'session-key' } }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
    const changed = Buffer.from(CiphertextBlob!);
    changed[changed.length - 1]! ^= 1;
    await expect(
      client.send(new DecryptCommand({ CiphertextBlob: changed, EncryptionContext: context })),
    ).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
    await expect(
      client.send(new EncryptCommand({ KeyId: 'alias/other', Plaintext: Buffer.from('x') })),
    ).rejects.toMatchObject({ name: 'NotFoundException' });
  });

  it('generates data keys and describes the key', async () => {
    const { Plaintext, CiphertextBlob } = await client.send(
      new GenerateDataKeyCommand({ KeyId: key.keyId, NumberOfBytes: 32, EncryptionContext: context }),
    );
    expect(Plaintext).toHaveLength(32);
    const again = await client.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context }));
    expect(Buffer.from(again.Plaintext!)).toEqual(Buffer.from(Plaintext!));
    const { KeyMetadata } = await client.send(new DescribeKeyCommand({ KeyId: 'alias/test' }));
    expect(KeyMetadata).toMatchObject({ KeyId: key.keyId, Enabled: true, KeyUsage: 'ENCRYPT_DECRYPT' });
  });
});
