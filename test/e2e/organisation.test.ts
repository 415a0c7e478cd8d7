/**
 * The OPD as an organisation, on the local stack (DynamoDB Local, the stream pollers, the SES emulator, the production
 * handlers, `po` as its users run it): the demo staff, one per role, each doing what their role allows and refused the
 * rest, every change in the audit trail and nothing else there; and a customer managing their own keys — a key added
 * with its proof of possession orders at once, the old key, revoked, is refused at once, each change audited and
 * emailed through the notices stream.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signKeyProof } from '../../shared/key-proofs.js';
import { exportPublicKeyPem, signingKey, spkiFingerprint } from '../../shared/keys.js';
import {
  PASSWORD,
  account,
  call,
  e2eStackForThisFile,
  emailsFor,
  newCustomer,
  newProduct,
  poWorkspace,
  scanAll,
  seal,
} from '../helpers/e2e.js';

const e2e = e2eStackForThisFile();

/** The audit trail as stored, oldest first. */
const auditRecords = async () =>
  (await scanAll(e2e.stack.tables.audit!)).sort((a, b) => String(a.recordedAt).localeCompare(String(b.recordedAt)));

describe('the OPD’s staff, each in their role', () => {
  it('a clerk fulfils and is refused a credit; finance credits; the catalogue manager re-prices; the audit says who', async () => {
    const { run } = await poWorkspace('po-org-');
    for (const member of e2e.stack.staff.filter((m) => ['clerk', 'finance', 'catalog'].includes(m.staffId))) {
      const profile = ['--profile', member.staffId];
      expect((await run([...profile, 'config', '--api', e2e.stack.apiUrl, '--staff', member.staffId])).code).toBe(0);
      const login = await run([...profile, 'login', '--password-stdin'], `${member.password}\n`);
      expect(login.stdout).toContain(`logged in as ${member.staffId} (staff: ${member.roles.join(', ')})`);
    }
    const { signer, token } = await newCustomer('org-buyer', 'ed25519');
    await newProduct('ORG-1', 10);
    const placed = await call('POST', '/orders', {
      token,
      body: { envelope: seal('org-buyer', signer, [{ sku: 'ORG-1', qty: 1 }]) },
    });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const orderId = placed.body.orderId as string;

    // The clerk ships the order…
    const fulfilled = await run(['--profile', 'clerk', 'admin', 'orders', 'fulfil', orderId]);
    expect(fulfilled.code, fulfilled.stderr).toBe(0);
    expect((await call('GET', `/orders/${orderId}`, { token })).body.status).toBe('fulfilled');
    // …and may not move money: 403 naming the permission, the balance as it was, nothing recorded.
    const before = await account(token);
    const recordsBefore = await auditRecords();
    const refused = await run([
      '--profile',
      'clerk',
      'admin',
      'customers',
      'credit',
      'org-buyer',
      '100',
      '--reference',
      'goodwill',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'this needs the permission accounts:credit, which your roles (clerk) do not give [forbidden]',
    );
    expect((await account(token)).balanceCents).toBe(before.balanceCents);
    expect(await auditRecords()).toEqual(recordsBefore);
    expect(recordsBefore.filter((r) => r.actor === 'clerk').map((r) => [r.action, r.target])).toEqual([
      ['order.fulfil', orderId],
    ]);

    // Finance credits: one ledger entry, one audit record with its amount and entry.
    const credited = await run([
      '--profile',
      'finance',
      '--json',
      'admin',
      'customers',
      'credit',
      'org-buyer',
      '100',
      '--reference',
      'top-up',
    ]);
    expect(credited.code, credited.stderr).toBe(0);
    const entry = (JSON.parse(credited.stdout) as { entry: number }).entry;
    const credits = (await auditRecords()).slice(recordsBefore.length);
    expect(credits).toHaveLength(1);
    expect(credits[0]).toMatchObject({
      action: 'account.credit',
      target: 'org-buyer',
      actor: 'finance',
      actorKind: 'staff',
      actorRoles: ['finance'],
      changes: { amountCents: 10_000, entry },
    });
    expect((await account(token)).balanceCents).toBe((before.balanceCents as number) + 10_000);

    // The catalogue manager re-prices WIDGET-1 (a demo product at 12.50): before → after in the audit.
    const repriced = await run(['--profile', 'catalog', 'admin', 'products', 'update', 'WIDGET-1', '--price', '13.50']);
    expect(repriced.code, repriced.stderr).toBe(0);
    const prices = (await auditRecords()).filter((r) => r.target === 'WIDGET-1');
    // The demo seeding added it (an operator's record); the re-price is the only change since.
    expect(prices.map((r) => [r.action, r.actor])).toEqual([
      ['product.add', 'npm start'],
      ['product.update', 'catalog'],
    ]);
    expect(prices[1]).toMatchObject({
      action: 'product.update',
      actor: 'catalog',
      actorRoles: ['catalog'],
      changes: { priceCents: { before: 1250, after: 1350 } },
    });

    // Who changed its price? The administrator asks po; the clerk may not.
    const shown = await run(['--profile', 'admin', 'admin', 'audit', '--target', 'WIDGET-1']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/catalog \(catalog\)\s+product\.update\s+WIDGET-1\s+priceCents 1250 → 1350/);
    const asked = await run(['--profile', 'clerk', 'admin', 'audit', '--target', 'WIDGET-1']);
    expect(asked.code).toBe(1);
    expect(asked.stderr).toContain('[forbidden]');
  });
});

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

    const audit = (await scanAll(e2e.stack.tables.audit!)).filter(
      (record) => record.target === 'keys-own' && String(record.action).startsWith('customer-key.'),
    );
    expect(audit.every((record) => record.actor === 'keys-own' && record.actorKind === 'customer')).toBe(true);
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
