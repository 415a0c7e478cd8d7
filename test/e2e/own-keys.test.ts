/**
 * A customer's own keys on the local stack (DynamoDB Local, the stream pollers, the SES emulator, the production
 * handlers): a key added with its proof of possession orders at once; the old key, revoked, is refused at once; each
 * change is audited and emailed, through the notices stream.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signKeyProof } from '../../shared/key-proofs.js';
import { exportPublicKeyPem, signingKey, spkiFingerprint } from '../../shared/keys.js';
import {
  PASSWORD,
  call,
  e2eStackForThisFile,
  emailsFor,
  newCustomer,
  newProduct,
  scanAll,
  seal,
} from '../helpers/e2e.js';

const e2e = e2eStackForThisFile();

describe('a customer’s own keys, end to end', () => {
  it('adds a key with proof of possession, orders with it, revokes the old one (refused at once), and is emailed', async () => {
    const { signer: old, token } = await newCustomer('keys-own', 'ed25519');
    await newProduct('KEYS-1', 10);
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const fresh = signingKey(pair.privateKey);

    const listed = await call('GET', '/account/keys', { token });
    expect(listed.status).toBe(200);
    const proof = signKeyProof({ customerId: 'keys-own', opdId: listed.body.opdId as string, signer: fresh });
    const added = await call('POST', '/account/keys', {
      token,
      body: { publicKeyPem: exportPublicKeyPem(pair.publicKey), proof, password: PASSWORD },
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body).toMatchObject({ key: { keyId: fresh.kid, alg: 'ES256' }, activeKeys: 2 });

    const ordered = await call('POST', '/orders', {
      token,
      body: { envelope: seal('keys-own', fresh, [{ sku: 'KEYS-1', qty: 1 }]) },
    });
    expect(ordered.status, JSON.stringify(ordered.body)).toBe(201);

    const revoked = await call('DELETE', `/account/keys/${old.kid}`, { token, body: { password: PASSWORD } });
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    expect(revoked.body).toMatchObject({ activeKeys: 1, key: { status: 'revoked' } });
    const refused = await call('POST', '/orders', {
      token,
      body: { envelope: seal('keys-own', old, [{ sku: 'KEYS-1', qty: 1 }]) },
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: { code: 'customer_key_unknown' } });

    const audit = (await scanAll(e2e.stack.tables.audit!)).filter((record) => record.target === 'keys-own');
    expect(audit.map((record) => record.action).sort()).toEqual(['customer-key.add', 'customer-key.revoke']);

    await e2e.stack.poller.drained();
    const emails = await emailsFor('keys-own@customer.test');
    const subjects = emails.map((email) => email.subject);
    expect(subjects).toContain('A key was added to your account');
    expect(subjects).toContain('A key was revoked from your account');
    const addedMail = emails.find((email) => email.subject === 'A key was added to your account')!;
    expect(addedMail.text).toContain(`Fingerprint: ${spkiFingerprint(pair.publicKey)}`);
    const notices = (await scanAll(e2e.stack.tables.notices!)).filter((notice) => notice.customerId === 'keys-own');
    expect(notices.map((notice) => notice.mailStatus)).toEqual(['sent', 'sent']);
  });
});
