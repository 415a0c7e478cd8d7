/**
 * `po order` keeps the OPD's server and receipt keys for as long as their Cache-Control allows: the requests a steady
 * order makes (counted at a fake OPD that sends the real OPD's headers), the kept answers expiring, a cache file that
 * was tampered with, and a kept server key the OPD has retired since.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { exportPublicKeyPem, spkiFingerprint } from '../../shared/keys.js';
import { receiptKeyJwk } from '../../shared/receipts.js';
import { fakeOpdForThisBlock } from '../helpers/cli.js';
import { po, poOnTerminal } from '../helpers/po.js';

const FULL = ['GET /server-key', 'GET /receipt-keys', 'GET /products', 'POST /orders'];
const STEADY = ['GET /products', 'POST /orders'];

describe('po order keeps the OPD’s public keys (against a fake OPD with the real Cache-Control)', () => {
  const fake = fakeOpdForThisBlock();
  const { home, env } = fake;
  const cacheFile = (profile: string) => join(home, 'config', 'cache', `${profile}.json`);
  const pinned = (profile: string) =>
    (
      JSON.parse(readFileSync(join(home, 'config', 'config.json'), 'utf8')) as {
        profiles: Record<string, { serverKey?: { fingerprint: string }; receiptKeys?: Record<string, unknown> }>;
      }
    ).profiles[profile]!;

  /** A profile of its own for alice (configured, with a session that does not expire): each test starts cold. */
  async function profile(name: string): Promise<string> {
    const key = join(home, 'alice.key.pem');
    const configured = await po(
      ['--profile', name, 'config', '--api', fake.opd.url, '--customer', 'alice', '--key', key],
      {
        env,
      },
    );
    expect(configured.code, configured.stderr).toBe(0);
    const session = { token: 'a-session-token-for-the-fake', expiresAt: '2999-01-01T00:00:00.000Z', kind: 'customer' };
    writeFileSync(
      join(home, 'config', 'sessions', `${name}.json`),
      JSON.stringify({ ...session, customerId: 'alice' }),
    );
    return name;
  }

  /** The requests one `po order WIDGET-1:1 --yes` (and `extra`) with `name` made, after checking it succeeded. */
  async function orderRequests(name: string, extra: string[] = []): Promise<string[]> {
    const from = fake.opd.requests.length;
    const result = await po(['--profile', name, '--json', 'order', 'WIDGET-1:1', '--yes', ...extra], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'accepted', evidence: { verified: true } });
    return fake.opd.requests.slice(from);
  }

  it('po order --yes: four requests the first time, then only the quote and the order; --no-cache asks again', async () => {
    fake.opd.behaviour = {};
    const name = await profile('steady');
    expect(await orderRequests(name)).toEqual(FULL);
    expect(await orderRequests(name)).toEqual(STEADY);
    expect(await orderRequests(name)).toEqual(STEADY);
    expect(await orderRequests(name, ['--no-cache'])).toEqual(FULL);
    expect(await orderRequests(name)).toEqual(STEADY);

    // Public keys only, in a private file: no token, no private key.
    expect(statSync(cacheFile(name)).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'config', 'cache')).mode & 0o777).toBe(0o700);
    const kept = readFileSync(cacheFile(name), 'utf8');
    expect(kept).not.toContain('a-session-token-for-the-fake');
    expect(kept).not.toMatch(/PRIVATE KEY|"d":/);
    expect(JSON.parse(kept)).toMatchObject({ apiUrl: fake.opd.url });
  });

  it('po order asking on a terminal makes the same two requests once the keys are kept', async () => {
    fake.opd.behaviour = {};
    const name = await profile('asking');
    const ordered = async () => {
      const from = fake.opd.requests.length;
      const terminal = poOnTerminal(['--profile', name, 'order', 'WIDGET-1:1'], env);
      await terminal.waitFor(/\[y\/N\] $/);
      terminal.type('y');
      const { code, output } = await terminal.exited;
      expect(code, output).toBe(0);
      expect(output).toContain('receipt verified');
      return fake.opd.requests.slice(from);
    };
    expect(await ordered()).toEqual(FULL);
    expect(await ordered()).toEqual(STEADY);
  });

  it('asks again once the max-age has passed, and keeps nothing the OPD says not to keep (max-age=0)', async () => {
    const name = await profile('expiring');
    fake.opd.behaviour = { keysMaxAge: 1 };
    expect(await orderRequests(name)).toEqual(FULL);
    await sleep(1_100); // the kept answers were good for 1 s from before that order
    expect(await orderRequests(name)).toEqual(FULL);
    fake.opd.behaviour = { keysMaxAge: 0 };
    await sleep(1_100); // what the last order kept (for 1 s) has run out
    expect(await orderRequests(name)).toEqual(FULL);
    expect(await orderRequests(name)).toEqual(FULL);
    expect(JSON.parse(readFileSync(cacheFile(name), 'utf8'))).toEqual({ apiUrl: fake.opd.url, entries: {} });
  });

  const otherServerKey = () => {
    const { publicKey } = generateKeyPairSync('x25519');
    return { kid: spkiFingerprint(publicKey), publicKeyPem: exportPublicKeyPem(publicKey) };
  };
  const otherReceiptKey = () => receiptKeyJwk(generateKeyPairSync('ed25519').publicKey);
  type Kept = { apiUrl: string; entries: Record<string, { answer: Record<string, unknown> }> };
  const tamper = (edit: (kept: Kept) => unknown) => (file: string) =>
    writeFileSync(file, JSON.stringify(edit(JSON.parse(readFileSync(file, 'utf8')) as Kept)));

  it.each([
    ['garbage instead of JSON', (file: string) => writeFileSync(file, '{"apiUrl": "http://'), FULL],
    [
      'a server key the pin does not allow',
      tamper((kept) => ((kept.entries.serverKey!.answer = otherServerKey()), kept)),
      ['GET /server-key', ...STEADY],
    ],
    [
      'a receipt key the pins do not allow, named as the one that signs',
      tamper((kept) => {
        const planted = otherReceiptKey();
        kept.entries.receiptKeys!.answer = { keys: [planted], current: planted.kid };
        return kept;
      }),
      ['GET /receipt-keys', ...STEADY],
    ],
    ['answers kept for another API URL', tamper((kept) => ({ ...kept, apiUrl: 'http://127.0.0.1:9' })), FULL],
    [
      'answers stored "in the future", good for a year',
      tamper((kept) => {
        for (const entry of Object.values(kept.entries))
          Object.assign(entry, { storedAt: Date.now() + 60_000, expiresAt: Date.now() + 365 * 86_400_000 });
        return kept;
      }),
      FULL,
    ],
  ])(
    'a cache file with %s is not trusted: po asks the OPD again and orders with its keys',
    async (_what, edit, asked) => {
      fake.opd.behaviour = {};
      const name = await profile(`tampered-${fake.opd.requests.length}`);
      expect(await orderRequests(name)).toEqual(FULL);
      const pinsBefore = pinned(name);
      edit(cacheFile(name));
      expect(await orderRequests(name)).toEqual(asked);
      expect(pinned(name)).toEqual(pinsBefore); // nothing planted was pinned
      expect(await orderRequests(name)).toEqual(STEADY); // the OPD's own answers are kept again
    },
  );

  it('a profile that pins nothing yet never pins from a kept answer: the first use is the OPD’s own keys', async () => {
    fake.opd.behaviour = {};
    const name = await profile('planted');
    const planted = otherReceiptKey();
    const good = { storedAt: Date.now(), expiresAt: Date.now() + 300_000 };
    const entries = {
      serverKey: { ...good, answer: otherServerKey() },
      receiptKeys: { ...good, answer: { keys: [planted], current: planted.kid } },
    };
    writeFileSync(join(home, 'config', 'cache', `${name}.json`), JSON.stringify({ apiUrl: fake.opd.url, entries }));
    expect(await orderRequests(name)).toEqual(FULL);
    const published = (await (await fetch(`${fake.opd.url}/server-key`)).json()) as { kid: string };
    expect(pinned(name).serverKey!.fingerprint).toBe(published.kid);
    expect(Object.keys(pinned(name).receiptKeys!)).not.toContain(planted.kid);
  });

  // Last: it retires the fake's server key for every profile of this block.
  it('a kept server key retired since: the OPD refuses it, po asks for the current key and stops at the changed pin', async () => {
    fake.opd.behaviour = {};
    const name = await profile('retired');
    expect(await orderRequests(name)).toEqual(FULL);
    const fresh = fake.opd.rotateServerKey({ retireOld: true });
    const from = fake.opd.requests.length;
    const refused = await po(['--profile', name, '--json', 'order', 'WIDGET-1:1', '--yes'], { env });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(fake.opd.requests.slice(from)).toEqual([...STEADY, 'GET /server-key']);
    expect(refused.stderr).toMatch(/no longer opens orders sealed to its server key [\w-]+; nothing was ordered/);
    const error = (
      JSON.parse(refused.stderr.trim().split('\n').at(-1)!) as { error: { code: string; message: string } }
    ).error;
    expect(error.code).toBe('server_key_changed');
    expect(error.message).toContain(`fingerprint ${fresh}`);

    const trusted = await po(['--profile', name, 'trust', 'server-key', '--', fresh], { env });
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(await orderRequests(name)).toEqual(STEADY); // po trust kept the key it accepted
  });
});
