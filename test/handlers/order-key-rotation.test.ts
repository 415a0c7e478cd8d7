/** POST /orders against mocked DynamoDB and KMS across server and receipt key rotations. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parsePublicKeyPem } from '../../shared/keys.js';
import { receiptKeyFromJwk, receiptKeyId, receiptKeyJwk, verifyReceipt } from '../../shared/receipts.js';
import {
  awsError,
  bodyOf,
  ddb,
  DecryptCommand,
  dynamoRequestsSince,
  kms,
  QueryCommand,
  TransactWriteCommand,
} from '../helpers/aws.js';
import { makeKeysBeforeAll } from '../helpers/keys.js';
import { coldStartBeforeEach, envelope, post, world } from '../helpers/handlers/order.js';

makeKeysBeforeAll();
coldStartBeforeEach();

describe('server key rotation', () => {
  it('accepts orders to a key created after the cold start at once, unwrapping only the new key', async () => {
    expect((await post({ envelope: envelope() })).statusCode).toBe(201); // cold start: the ring holds the old key
    const { generateKeyPairSync } = await import('node:crypto');
    const { exportPublicKeyPem } = await import('../../shared/keys.js');
    const rotated = generateKeyPairSync('x25519');
    const { KMSClient, EncryptCommand } = await import('@aws-sdk/client-kms');
    const kmsClient = new KMSClient({ region: 'eu-west-1' });
    const { CiphertextBlob } = await kmsClient.send(
      new EncryptCommand({
        KeyId: 'alias/purchase-orders',
        Plaintext: rotated.privateKey.export({ type: 'pkcs8', format: 'der' }),
        EncryptionContext: { 'po:purpose': 'server-key', 'po:kid': 'rotated-1' },
      }),
    );
    world.keys.push({
      purpose: 'server-key',
      kid: 'rotated-1',
      wrapped: CiphertextBlob!,
      status: 'active',
      createdAt: '2026-11-22T00:00:00.000Z',
      publicKeyPem: exportPublicKeyPem(rotated.publicKey),
    });
    kms.resetHistory();
    const response = await post({
      envelope: envelope('ed25519', { server: { kid: 'rotated-1', publicKey: rotated.publicKey } }),
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(kms.commandCalls(DecryptCommand).map((call) => call.args[0].input.EncryptionContext?.['po:kid'])).toEqual([
      'rotated-1',
    ]);
  });

  it('answers an unknown key ID without calling KMS, and asks the table at most once per interval', async () => {
    expect((await post({ envelope: envelope() })).statusCode).toBe(201);
    kms.resetHistory();
    ddb.resetHistory();
    for (let i = 0; i < 3; i++) {
      const response = await post({
        envelope: envelope('ed25519', { server: { kid: 'no-such-key', publicKey: world.server.publicKey } }),
      });
      expect(bodyOf(response)).toMatchObject({ error: { code: 'server_key_unknown' } });
    }
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(0);
    const { QueryCommand } = await import('../helpers/aws.js');
    expect(ddb.commandCalls(QueryCommand, { TableName: 'keys' })).toHaveLength(1);
  });
});

describe('receipt key rotation', () => {
  describe('receipt keys a warm function signs with (the clock faked)', () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['Date'] });
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('a rotated receipt key signs nothing more once the states a warm function holds are 10 s old; no read per order', async () => {
      const before = bodyOf(await post({ envelope: envelope() })); // cold start: loads the receipt key
      expect(receiptKeyId(before.receipt as string)).toBe(world.receipt.kid);
      const { rotateReceiptKey } = await import('../../shared/aws/keystore.js');
      const { RECEIPT_KEY_MAX_AGE_MS } = await import('../../shared/aws/key-ring.js');
      const rotated = await rotateReceiptKey({ kind: 'staff', id: 'root', roles: ['admin'], requestId: 'test' });

      const from = ddb.calls().length;
      const warm = bodyOf(await post({ envelope: envelope() }));
      expect(receiptKeyId(warm.receipt as string)).toBe(world.receipt.kid); // states younger than 5 s: kept
      expect(dynamoRequestsSince(from)).toEqual(['TransactWrite']); // no table read per order

      vi.setSystemTime(Date.now() + RECEIPT_KEY_MAX_AGE_MS + 1);
      const after = bodyOf(await post({ envelope: envelope() }));
      expect(receiptKeyId(after.receipt as string)).toBe(rotated.kid);
      const published = receiptKeyFromJwk(receiptKeyJwk(parsePublicKeyPem(rotated.publicKeyPem)));
      expect(verifyReceipt(after.receipt as string, published).orderId).toBe(after.orderId);
    });

    it('re-reads the receipt key states in the background after 5 s: at most one read per interval, never per order', async () => {
      await post({ envelope: envelope() });
      const { RECEIPT_KEY_REFRESH_MS } = await import('../../shared/aws/key-ring.js');
      vi.setSystemTime(Date.now() + RECEIPT_KEY_REFRESH_MS + 1);
      const from = ddb.calls().length;
      for (let i = 0; i < 5; i++) expect((await post({ envelope: envelope() })).statusCode).toBe(201);
      const reads = dynamoRequestsSince(from).filter((request) => request === 'Query keys');
      expect(reads).toHaveLength(1);
    });

    it('a revoked receipt key: a new one signs, the revoked one never again once the states are 10 s old', async () => {
      await post({ envelope: envelope() });
      const { revokeReceiptKey } = await import('../../shared/aws/receipt-key-revocation.js');
      const { RECEIPT_KEY_MAX_AGE_MS } = await import('../../shared/aws/key-ring.js');
      const revoked = await revokeReceiptKey(world.receipt.kid, {
        kind: 'staff',
        id: 'root',
        roles: ['admin'],
        requestId: 'test',
      });
      expect(revoked).toMatchObject({ kid: world.receipt.kid, rotated: true });
      expect(revoked.current.kid).not.toBe(world.receipt.kid);
      // The states' age bound, and 1 s for the revocation's write and the clocks.
      expect(Date.parse(revoked.signsNoMoreAfter) - Date.parse(revoked.revokedAt)).toBe(RECEIPT_KEY_MAX_AGE_MS + 1000);
      vi.setSystemTime(Date.parse(revoked.signsNoMoreAfter) + 1);
      for (let i = 0; i < 3; i++) {
        const order = bodyOf(await post({ envelope: envelope() }));
        expect(receiptKeyId(order.receipt as string)).toBe(revoked.current.kid);
      }
    });

    it('states are as old as the read that fetched them: one that took over 10 s is read again before signing', async () => {
      await post({ envelope: envelope() });
      const { RECEIPT_KEY_MAX_AGE_MS } = await import('../../shared/aws/key-ring.js');
      vi.setSystemTime(Date.now() + RECEIPT_KEY_MAX_AGE_MS + 1); // the next order must read the states first
      let slow = true;
      ddb
        .on(QueryCommand, { TableName: 'keys' })
        .callsFake((input: { ExpressionAttributeValues: { ':purpose': string } }) => {
          // This read answers 11 s after it was sent (slow, or frozen with its Lambda): what it says is that old.
          if (slow) vi.setSystemTime(Date.now() + RECEIPT_KEY_MAX_AGE_MS + 1);
          slow = false;
          return { Items: world.keys.filter((key) => key.purpose === input.ExpressionAttributeValues[':purpose']) };
        });
      const from = ddb.calls().length;
      expect((await post({ envelope: envelope() })).statusCode).toBe(201);
      expect(dynamoRequestsSince(from).filter((request) => request === 'Query keys')).toHaveLength(2);
    });

    it('signs with the states in memory while a background re-read fails; past 10 s it signs nothing (503), writes nothing', async () => {
      expect((await post({ envelope: envelope() })).statusCode).toBe(201);
      const { RECEIPT_KEY_REFRESH_MS, RECEIPT_KEY_MAX_AGE_MS } = await import('../../shared/aws/key-ring.js');
      const loaded = Date.now();
      ddb.on(QueryCommand, { TableName: 'keys' }).rejects(awsError('InternalServerError'));
      vi.setSystemTime(loaded + RECEIPT_KEY_REFRESH_MS + 1);
      const response = await post({ envelope: envelope() });
      expect(response.statusCode).toBe(201);
      expect(receiptKeyId(bodyOf(response).receipt as string)).toBe(world.receipt.kid);

      vi.setSystemTime(loaded + RECEIPT_KEY_MAX_AGE_MS + 1);
      const transactions = ddb.commandCalls(TransactWriteCommand).length;
      const refused = await post({ envelope: envelope() });
      expect(refused.statusCode).toBe(503);
      expect(refused.headers?.['Retry-After']).toBeDefined();
      expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(transactions);
    });
  });
});
