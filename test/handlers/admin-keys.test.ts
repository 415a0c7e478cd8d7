/**
 * Receipt and server keys by the admin API: rotation, revocation, ranking, races; and the deploy-time provisioning.
 * Against mocked DynamoDB and KMS.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { addCustomer, apiEvent, bodyOf, ddb, EncryptCommand, kms, lambdaContext, PutCommand } from '../helpers/aws.js';
import { ALICE, ROOT, admin, coldStartBeforeEach, read, world } from '../helpers/handlers/read-admin-notify.js';

coldStartBeforeEach();

describe('receipt keys', () => {
  const call = (method: string, resource: string) =>
    admin(apiEvent({ method, resource, session: ROOT }), lambdaContext);

  beforeEach(async () => {
    await addCustomer(world, 'root', 'root password 123', [], { role: 'admin' });
  });

  it('rotate: a new KMS-wrapped Ed25519 key signs from now on; the old one signs no more and stays published', async () => {
    const response = await call('POST', '/admin/receipt-keys/rotate');
    expect(response.statusCode).toBe(201);
    const { kid, jwk } = bodyOf(response) as { kid: string; jwk: { kid: string; crv: string } };
    expect(jwk).toMatchObject({ kid, crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(kms.commandCalls(EncryptCommand)[0]?.args[0].input.EncryptionContext).toEqual({
      'po:purpose': 'receipt-key',
      'po:kid': kid,
    });
    const receiptKeys = world.keys.filter((key) => key.purpose === 'receipt-key');
    expect(receiptKeys.map((key) => [key.kid, key.status])).toEqual([
      [world.receipt.kid, 'retiring'],
      [kid, 'active'],
    ]);
    expect(receiptKeys[0]!.retireAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000)); // no grace: it signs no more
    const published = bodyOf(await read(apiEvent({ method: 'GET', resource: '/receipt-keys' }), lambdaContext));
    expect((published.keys as Array<{ kid: string }>).map((key) => key.kid).sort()).toEqual(
      [kid, world.receipt.kid].sort(),
    );
  });

  it('revoke (a key that leaked): a new key signs, the revoked one is published as revoked with its time, once', async () => {
    const revoke = (kid: string) =>
      admin(
        apiEvent({
          method: 'POST',
          resource: '/admin/receipt-keys/{kid}/revoke',
          session: ROOT,
          pathParameters: { kid },
        }),
        lambdaContext,
      );
    const response = await revoke(world.receipt.kid);
    expect(response.statusCode).toBe(200);
    const body = bodyOf(response) as {
      kid: string;
      revokedAt: string;
      signsNoMoreAfter: string;
      current: { kid: string };
      rotated: boolean;
    };
    expect(body).toMatchObject({ kid: world.receipt.kid, status: 'revoked', rotated: true });
    expect(body.current.kid).not.toBe(world.receipt.kid);
    const stored = world.keys.filter((key) => key.purpose === 'receipt-key');
    expect(stored.map((key) => [key.kid, key.status])).toEqual([
      [world.receipt.kid, 'revoked'],
      [body.current.kid, 'active'],
    ]);
    const published = bodyOf(await read(apiEvent({ method: 'GET', resource: '/receipt-keys' }), lambdaContext));
    expect(published).toMatchObject({
      current: body.current.kid,
      revoked: [{ kid: world.receipt.kid, revokedAt: body.revokedAt, signsNoMoreAfter: body.signsNoMoreAfter }],
    });
    expect((published.keys as unknown[]).length).toBe(2); // what it signed before stays verifiable
    // Again: nothing changes, the same answer (no second rotation).
    const again = bodyOf(await revoke(world.receipt.kid));
    expect(again).toMatchObject({ revokedAt: body.revokedAt, rotated: false, current: { kid: body.current.kid } });
    expect(world.keys.filter((key) => key.purpose === 'receipt-key')).toHaveLength(2);
    // An old key that no longer signs is revoked without a rotation; an unknown one is 404; "." is no key ID.
    expect(bodyOf(await revoke('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'))).toMatchObject({
      error: { code: 'not_found' },
    });
    expect((await revoke('..')).statusCode).toBe(400);
  });

  it('two revocations of the signing key at once: one rotation, one revocation, the same key named to both', async () => {
    const { revokeReceiptKey } = await import('../../shared/aws/receipt-key-revocation.js');
    const actor = { kind: 'staff', id: 'root', roles: ['admin'], requestId: 'test' } as const;
    const answers = await Promise.all([
      revokeReceiptKey(world.receipt.kid, actor),
      revokeReceiptKey(world.receipt.kid, actor),
    ]);
    const receiptKeys = world.keys.filter((key) => key.purpose === 'receipt-key');
    expect(receiptKeys.map((key) => key.status).sort()).toEqual(['active', 'revoked']);
    const active = receiptKeys.find((key) => key.status === 'active')!;
    expect(answers.map((answer) => answer.current.kid)).toEqual([active.kid, active.kid]);
    expect(answers.map((answer) => answer.rotated).sort()).toEqual([false, true]);
    expect(answers[0].revokedAt).toBe(answers[1].revokedAt);
  });

  it('customers may not rotate it', async () => {
    const response = await admin(
      apiEvent({ method: 'POST', resource: '/admin/receipt-keys/rotate', session: ALICE }),
      lambdaContext,
    );
    expect(response.statusCode).toBe(403);
  });

  it('rank keys created at the same instant by ID in code-unit order, whatever the locale collates', async () => {
    const { listUsableKeys } = await import('../../shared/aws/keystore.js');
    const createdAt = '2026-11-22T00:00:00.000Z';
    for (const kid of ['B-key', 'a-key'])
      world.keys.push({ purpose: 'server-key', kid, wrapped: new Uint8Array([1]), status: 'active', createdAt });
    const ranked = (await listUsableKeys('server-key')).map((key) => key.kid);
    expect(ranked.slice(0, 2)).toEqual(['a-key', 'B-key']); // 'a' (U+0061) > 'B' (U+0042); a collation says a < B
  });

  it('two rotations at the same time leave an active key (the newest), never none', async () => {
    const { rotateServerKey, listUsableKeys } = await import('../../shared/aws/keystore.js');
    for (let round = 0; round < 20; round++) {
      // Same instant: the key IDs (random) decide which is newest, in code-unit order.
      const now = Date.now() + round * 1000;
      const actor = { kind: 'staff', id: 'root', roles: ['admin'], requestId: 'test' } as const;
      const [a, b] = await Promise.all([rotateServerKey(actor, now), rotateServerKey(actor, now)]);
      const active = world.keys.filter((key) => key.purpose === 'server-key' && key.status === 'active');
      expect(active.map((key) => key.kid)).toEqual([[a.kid, b.kid].sort().at(-1)]);
      expect((await listUsableKeys('server-key', now))[0]).toMatchObject({ kid: active[0]!.kid, status: 'active' });
    }
  });
});

describe('provisioning (the deploy-time custom resource)', () => {
  const provision = async (RequestType: 'Create' | 'Update' | 'Delete') =>
    (await import('../../functions/provision/index.js')).handler({
      RequestType,
      PhysicalResourceId: 'po-key-provisioning',
      ResourceProperties: {},
    } as never);

  it('creates the receipt key on the first update of a stack that had none, keeping the other keys', async () => {
    world.keys.splice(
      world.keys.findIndex((key) => key.purpose === 'receipt-key'),
      1,
    );
    const before = world.keys.map((key) => key.kid);
    const result = await provision('Update');
    const receipt = world.keys.find((key) => key.purpose === 'receipt-key');
    expect(receipt).toMatchObject({ status: 'active', kid: result.Data?.ReceiptKeyId });
    expect(world.keys.map((key) => key.kid)).toEqual([...before, receipt!.kid]);
    expect(result.Data?.ServerKeyId).toBe(world.server.kid);
    await provision('Update'); // idempotent: no second key
    expect(world.keys.filter((key) => key.purpose === 'receipt-key')).toHaveLength(1);
  });

  it('changes nothing on delete (keys outlive the stack)', async () => {
    const snapshot = () => world.keys.map((key) => `${key.purpose} ${key.kid} ${key.status}`);
    const before = snapshot();
    await provision('Delete');
    expect(snapshot()).toEqual(before);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });
});
