/**
 * GET, POST and DELETE /account/keys: a customer's own keys, against stateful tables (conditions evaluated,
 * transactions all or nothing) — what is stored, audited and owed as email after each answer, and that nothing is
 * when a request is refused.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { exportPublicKeyPem, spkiFingerprint } from '../../shared/keys.js';
import { bodyOf, ddb, TransactWriteCommand } from '../helpers/aws.js';
import {
  PASSWORD,
  addKey,
  addKeyOf,
  aliceKey,
  auditRecords,
  coldStartBeforeEach,
  listKeys,
  newKey,
  notices,
  proofFor,
  revokeKey,
  world,
} from '../helpers/handlers/own-keys.js';

coldStartBeforeEach();

const stored = (kid: string) => world.customers.get('alice')!.keys[kid];
const failedLogins = () => world.customers.get('alice')!.failedLogins;
const nothingWritten = () => {
  expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  expect(auditRecords()).toEqual([]);
  expect(notices()).toEqual([]);
};

describe('GET /account/keys', () => {
  it('lists the keys with their fingerprints and the OPD’s ID, never a PEM', async () => {
    const response = await listKeys();
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({
      customerId: 'alice',
      opdId: 'opd',
      activeKeys: 1,
      keys: [
        {
          keyId: aliceKey.signer.kid,
          alg: 'EdDSA',
          status: 'active',
          addedAt: '2026-11-01T00:00:00.000Z',
          fingerprint: spkiFingerprint(aliceKey.publicKey),
        },
      ],
    });
    expect(response.body).not.toContain('BEGIN');
  });
});

describe('POST /account/keys', () => {
  it('adds the key, its audit record and its notice in one transaction', async () => {
    const key = newKey();
    const response = await addKeyOf(key);
    expect(response.statusCode).toBe(201);
    const fingerprint = spkiFingerprint(key.publicKey);
    expect(bodyOf(response)).toMatchObject({
      customerId: 'alice',
      key: { keyId: key.signer.kid, alg: 'EdDSA', status: 'active', fingerprint },
      activeKeys: 2,
      changed: true,
    });
    expect(stored(key.signer.kid)).toMatchObject({ alg: 'EdDSA', status: 'active', publicKeyPem: key.publicKeyPem });
    // One TransactWriteItems holds all three: the key, its record, its notice.
    const [transaction] = ddb.commandCalls(TransactWriteCommand);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(transaction!.args[0].input.TransactItems!.map((item) => (item.Update ?? item.Put)!.TableName)).toEqual([
      'customers',
      'audit',
      'notices',
    ]);
    expect(auditRecords()).toEqual([
      expect.objectContaining({
        target: 'alice',
        action: 'customer-key.add',
        actor: 'alice',
        actorKind: 'customer',
        changes: { keyId: key.signer.kid, alg: 'EdDSA', fingerprint },
      }),
    ]);
    expect(notices()).toEqual([
      expect.objectContaining({
        customerId: 'alice',
        kind: 'key-added',
        keyId: key.signer.kid,
        fingerprint,
        activeKeys: 2,
        mailStatus: 'pending',
        mailOwed: 'owed',
      }),
    ]);
    expect(JSON.stringify(notices())).not.toContain(PASSWORD);
  });

  it('registers under the key ID the proof names', async () => {
    const key = newKey('ec', 'laptop-2026');
    const response = await addKeyOf(key, { keyId: 'laptop-2026' });
    expect(response.statusCode).toBe(201);
    expect(stored('laptop-2026')).toMatchObject({ alg: 'ES256', status: 'active' });
  });

  it.each([
    ['for another customer', { sub: 'bob' }, /another customer/],
    ['for another OPD', { aud: 'other-opd' }, /another OPD/],
    ['signed too long ago', { iat: Math.floor(Date.now() / 1000) - 301 }, /more than 300 s ago/],
  ])(
    'refuses a proof %s: 400 key_proof_invalid naming the check, nothing written, no attempt counted',
    async (_name, claims, why) => {
      const key = newKey();
      const response = await addKey({
        publicKeyPem: key.publicKeyPem,
        proof: proofFor(key.signer, claims),
        password: PASSWORD,
      });
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response)).toMatchObject({
        error: { code: 'key_proof_invalid', message: expect.stringMatching(why) as unknown },
      });
      nothingWritten();
      expect(failedLogins()).toBe(0);
    },
  );

  it('refuses a proof signed by another key than the one added (whoever holds only a public key cannot add it)', async () => {
    const key = newKey();
    const thief = newKey();
    const response = await addKey({
      publicKeyPem: key.publicKeyPem,
      proof: proofFor(key.signer, {}, thief.signer),
      password: PASSWORD,
    });
    expect(bodyOf(response)).toMatchObject({
      error: { code: 'key_proof_invalid', message: expect.stringMatching(/signature does not verify/) as unknown },
    });
    nothingWritten();
  });

  it.each([
    ['10 KB long', 'k'.repeat(10_240)],
    ['with a NUL', 'laptop\u0000'],
    ['"..', '..'],
  ])('refuses a key ID %s before anything else: 400 invalid_request, nothing written', async (_name, keyId) => {
    const key = newKey();
    const response = await addKey({
      publicKeyPem: key.publicKeyPem,
      keyId,
      proof: proofFor(key.signer),
      password: PASSWORD,
    });
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ error: { code: 'invalid_request' } });
    expect(response.body).not.toContain('k'.repeat(200)); // not echoed
    nothingWritten();
    expect(failedLogins()).toBe(0);
  });

  it('refuses a key too small with the key codes, before the password is checked', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const response = await addKey({
      publicKeyPem: exportPublicKeyPem(small.publicKey),
      proof: 'x.y.z',
      password: PASSWORD,
    });
    expect(bodyOf(response)).toMatchObject({ error: { code: 'key_too_small' } });
    nothingWritten();
  });

  it('needs the current password: a wrong one counts towards the lockout, and five lock the account', async () => {
    const key = newKey();
    const body = { publicKeyPem: key.publicKeyPem, proof: proofFor(key.signer), password: 'not the password' };
    const wrong = await addKey(body);
    expect(wrong.statusCode).toBe(401);
    expect(bodyOf(wrong)).toMatchObject({ error: { code: 'invalid_credentials' } });
    expect(failedLogins()).toBe(1);
    for (let i = 0; i < 4; i++) await addKey(body);
    expect(failedLogins()).toBe(5);
    // Locked: the right password no longer helps (a stolen session cannot keep guessing).
    const locked = await addKey({ ...body, password: PASSWORD });
    expect(bodyOf(locked)).toMatchObject({ error: { code: 'invalid_credentials' } });
    expect(stored(key.signer.kid)).toBeUndefined();
    nothingWritten();
  });

  it('a session alone is not enough: no password, no key', async () => {
    const key = newKey();
    const response = await addKey({ publicKeyPem: key.publicKeyPem, proof: proofFor(key.signer) });
    expect(bodyOf(response)).toMatchObject({ error: { code: 'invalid_request' } });
    nothingWritten();
  });

  it('two concurrent adds of one key ID: one 201, one 409, one key, one audit record, one notice', async () => {
    const key = newKey();
    const body = { publicKeyPem: key.publicKeyPem, proof: proofFor(key.signer), password: PASSWORD };
    const answers = await Promise.all([addKey(body), addKey(body)]);
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([201, 409]);
    expect(bodyOf(answers.find((answer) => answer.statusCode === 409)!)).toMatchObject({
      error: { code: 'already_exists' },
    });
    expect(auditRecords()).toHaveLength(1);
    expect(notices()).toHaveLength(1);
  });

  it('at most 100 keys an account, revoked ones included, even when the last two places are asked for at once', async () => {
    const alice = world.customers.get('alice')!;
    const [first] = Object.values(alice.keys);
    const old: typeof alice.keys = Object.fromEntries(
      Array.from({ length: 98 }, (_, n) => [`old-${n}`, { ...first!, status: 'revoked' as const }]),
    );
    world.customers.set('alice', { ...alice, keys: { ...alice.keys, ...old } });
    expect(Object.keys(world.customers.get('alice')!.keys)).toHaveLength(99);
    const answers = await Promise.all([addKeyOf(newKey()), addKeyOf(newKey())]);
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([201, 409]);
    expect(bodyOf(answers.find((answer) => answer.statusCode === 409)!)).toMatchObject({
      error: { code: 'too_many_keys' },
    });
    expect(Object.keys(world.customers.get('alice')!.keys)).toHaveLength(100);
    expect(auditRecords()).toHaveLength(1);
  });

  it('refuses a change once the session is revoked (a password change or logout meanwhile)', async () => {
    const alice = world.customers.get('alice')!;
    world.customers.set('alice', { ...alice, tokenVersion: 2 });
    const response = await addKeyOf(newKey());
    expect(response.statusCode).toBe(401);
    nothingWritten();
  });
});

describe('DELETE /account/keys/{kid}', () => {
  it('revokes at once, with its record and notice; the last active key too, and the answer says none is left', async () => {
    const kid = aliceKey.signer.kid;
    const response = await revokeKey(kid);
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({ key: { keyId: kid, status: 'revoked' }, activeKeys: 0, changed: true });
    expect(stored(kid)).toMatchObject({ status: 'revoked', revokedAt: expect.any(String) as unknown });
    expect(auditRecords()).toEqual([
      expect.objectContaining({
        action: 'customer-key.revoke',
        target: 'alice',
        changes: expect.objectContaining({ keyId: kid, status: { before: 'active', after: 'revoked' } }) as unknown,
      }),
    ]);
    expect(notices()).toEqual([expect.objectContaining({ kind: 'key-revoked', keyId: kid, activeKeys: 0 })]);
  });

  it('an unknown key ID: 404, no record, no notice', async () => {
    const response = await revokeKey('no-such-key');
    expect(response.statusCode).toBe(404);
    expect(bodyOf(response)).toMatchObject({ error: { code: 'not_found' } });
    nothingWritten();
  });

  it('a key already revoked: answered as it is, nothing written again', async () => {
    const kid = aliceKey.signer.kid;
    await revokeKey(kid);
    const again = await revokeKey(kid);
    expect(again.statusCode).toBe(200);
    expect(bodyOf(again)).toMatchObject({ changed: false, key: { status: 'revoked' } });
    expect(auditRecords()).toHaveLength(1);
    expect(notices()).toHaveLength(1);
  });

  it('needs the current password; a wrong one is counted and revokes nothing', async () => {
    const response = await revokeKey(aliceKey.signer.kid, { password: 'guessing wrong' });
    expect(bodyOf(response)).toMatchObject({ error: { code: 'invalid_credentials' } });
    expect(failedLogins()).toBe(1);
    expect(stored(aliceKey.signer.kid)).toMatchObject({ status: 'active' });
    nothingWritten();
  });
});
