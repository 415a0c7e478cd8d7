/**
 * `po keys`, `po keys add` and `po keys revoke`, run in process against a small OPD on loopback that checks what po
 * sends as the real one does: the proof of possession with shared/key-proofs.ts, the password, the key ID.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyKeyProof } from '../../shared/key-proofs.js';
import { exportPublicKeyPem, parsePublicKeyPem, spkiFingerprint, verificationKey } from '../../shared/keys.js';
import { exportPrivateKeyPem } from '../../shared/keygen.js';
import type { OwnKeyView } from '../../shared/services/own-keys.js';
import { madeBeforeAll } from '../helpers/before-all.js';
import { tempDir, writeText } from '../helpers/openssl.js';
import { poInProcess } from '../helpers/po-in-process.js';

const PASSWORD = 'correct horse battery';
const OPD_ID = 'opd-under-test';

interface Received {
  readonly method: string;
  readonly path: string;
  readonly body: Record<string, unknown>;
}

/** A loopback OPD that knows alice's keys, answers the three key routes, and checks proofs and passwords. */
function startKeysOpd() {
  const keys: OwnKeyView[] = [];
  const received: Received[] = [];
  const active = () => keys.filter((key) => key.status === 'active').length;
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      received.push({ method: request.method!, path: request.url!, body });
      const reply = (status: number, answer: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(answer));
      };
      const refuse = (status: number, code: string) => reply(status, { error: { code, message: code } });
      if (request.method === 'GET')
        return reply(200, { customerId: 'alice', opdId: OPD_ID, activeKeys: active(), keys });
      if (body.password !== PASSWORD) return refuse(401, 'invalid_credentials');
      if (request.method === 'POST') {
        try {
          const key = verificationKey(parsePublicKeyPem(body.publicKeyPem as string), body.keyId as string | undefined);
          verifyKeyProof(body.proof as string, { customerId: 'alice', opdId: OPD_ID, key });
          const added = {
            keyId: key.kid,
            alg: key.alg,
            status: 'active' as const,
            addedAt: 'now',
            fingerprint: spkiFingerprint(key.publicKey),
          };
          keys.push(added);
          return reply(201, { customerId: 'alice', key: added, activeKeys: active(), changed: true });
        } catch (error) {
          return refuse(400, (error as { code: string }).code);
        }
      }
      const key = keys.find((each) => `/account/keys/${each.keyId}` === request.url);
      if (!key) return refuse(404, 'not_found');
      Object.assign(key, { status: 'revoked', revokedAt: 'now' });
      return reply(200, { customerId: 'alice', key, activeKeys: active(), changed: true });
    });
  });
  return new Promise<{ url: string; keys: OwnKeyView[]; received: Received[]; close: () => Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        keys,
        received,
        close: () => new Promise((done) => server.close(() => done())),
      }),
    ),
  );
}

const home = tempDir('po-cli-keys-');
const env = { PO_CONFIG_DIR: join(home, 'config') };
const opd = madeBeforeAll('the loopback OPD', startKeysOpd);
const po = (args: string[], input?: string) =>
  poInProcess(['--profile', 'alice', ...args], { env, ...(input === undefined ? {} : { input }) });

beforeEach(async () => {
  opd().keys.length = 0;
  opd().received.length = 0;
  expect((await po(['config', '--api', opd().url, '--customer', 'alice'])).code).toBe(0);
  const session = { token: 'a-session-token-for-the-fake', expiresAt: '2999-01-01T00:00:00.000Z', kind: 'customer' };
  mkdirSync(join(home, 'config', 'sessions'), { recursive: true, mode: 0o700 });
  writeText(
    join(home, 'config', 'sessions'),
    'alice.json',
    JSON.stringify({ ...session, customerId: 'alice', mustChangePassword: false }),
  );
});
afterAll(() => opd().close());

/** A new Ed25519 private key file; its public key. */
function keyFile(name: string) {
  const pair = generateKeyPairSync('ed25519');
  return { file: writeText(home, `${name}.key.pem`, exportPrivateKeyPem(pair.privateKey)), publicKey: pair.publicKey };
}

describe('po keys add', () => {
  it('sends the public key, a proof signed by the new key, the password; suggests po config --key', async () => {
    const { file, publicKey } = keyFile('laptop');
    const result = await po(['keys', 'add', '--key', file, '--password-stdin'], `${PASSWORD}\n`);
    expect(result.code, result.stderr).toBe(0);
    const post = opd().received.find((each) => each.method === 'POST')!;
    expect(post.body.publicKeyPem).toBe(exportPublicKeyPem(publicKey));
    expect(JSON.stringify(post.body)).not.toContain('PRIVATE');
    expect(post.body.keyId).toBeUndefined(); // the OPD defaults it to the fingerprint, as the proof names it
    expect(opd().keys).toEqual([expect.objectContaining({ keyId: spkiFingerprint(publicKey), status: 'active' })]);
    expect(result.stdout).toContain(`added key ${spkiFingerprint(publicKey)} (EdDSA`);
    expect(result.stdout).toContain(`to order with it: po --profile alice config --key ${file}`);
  });

  it('registers under --key-id, which the proof names, and says to configure it too', async () => {
    const { file } = keyFile('desktop');
    const result = await po(
      ['keys', 'add', '--key', file, '--key-id', 'desktop-1', '--password-stdin'],
      `${PASSWORD}\n`,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(opd().keys[0]).toMatchObject({ keyId: 'desktop-1' });
    expect(result.stdout).toContain(`--key ${file} --key-id desktop-1`);
  });

  it('refuses a public key file (it cannot sign the proof) before sending anything', async () => {
    const { publicKey } = keyFile('public');
    const file = writeText(home, 'public.pub.pem', exportPublicKeyPem(publicKey));
    const result = await po(['keys', 'add', '--key', file, '--password-stdin'], `${PASSWORD}\n`);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('[key_wrong_kind]');
    expect(opd().received).toEqual([]);
  });

  it('refuses a key already registered before asking the password; a wrong password is the OPD’s refusal', async () => {
    const { file } = keyFile('twice');
    expect((await po(['keys', 'add', '--key', file, '--password-stdin'], `${PASSWORD}\n`)).code).toBe(0);
    const again = await po(['keys', 'add', '--key', file, '--password-stdin'], `${PASSWORD}\n`);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('[declined]');
    const other = keyFile('other');
    const wrong = await po(['keys', 'add', '--key', other.file, '--password-stdin'], 'not the password\n');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('[invalid_credentials]');
    expect(opd().received.filter((each) => each.method === 'POST')).toHaveLength(2);
  });
});

describe('po keys and po keys revoke', () => {
  it('lists the keys with their fingerprints; revoking the last one warns that no order can be placed', async () => {
    const { file, publicKey } = keyFile('only');
    await po(['keys', 'add', '--key', file, '--password-stdin'], `${PASSWORD}\n`);
    const kid = spkiFingerprint(publicKey);
    const listed = await po(['keys']);
    expect(listed.stdout).toMatch(new RegExp(`^${kid}\\s+EdDSA\\s+active\\s+now\\s+${kid}$`, 'm'));
    expect(listed.stdout).toContain('1 active key.');

    const revoked = await po(['keys', 'revoke', kid, '--yes', '--password-stdin'], `${PASSWORD}\n`);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`revoked key ${kid}: orders signed with it are refused from now on`);
    expect(revoked.stderr).toContain('you have no active key left: you cannot order until you add one');
    expect(opd().received.at(-1)).toMatchObject({ method: 'DELETE', body: { password: PASSWORD } });
    expect((await po(['keys'])).stdout).toContain('No active key: you cannot order until you add one');
  });

  it('asks for confirmation: without a terminal it needs --yes, and sends nothing', async () => {
    const result = await po(['keys', 'revoke', 'laptop', '--password-stdin'], `${PASSWORD}\n`);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('pass --yes');
    expect(opd().received).toEqual([]);
  });

  it('refuses a key ID that is not one before anything is sent', async () => {
    for (const kid of ['..', 'k'.repeat(129), 'a/b']) {
      const result = await po(['keys', 'revoke', kid, '--yes', '--password-stdin'], `${PASSWORD}\n`);
      expect(result.code).toBe(2);
    }
    expect(opd().received).toEqual([]);
  });
});
