/**
 * `po order` checks every receipt, and stops at a changed server or receipt key until `po trust` accepts it (against a
 * fake OPD that misbehaves).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trustCommand } from '../../cli/trust.js';
import type { ReceiptClaims } from '../../shared/receipts.js';
import { fakeOpdForThisBlock } from '../helpers/cli.js';
import { receiptKeyPair } from '../helpers/evidence.js';
import type { FakeOpdBehaviour } from '../helpers/fake-opd.js';
import { po } from '../helpers/po.js';

describe('po order checks every receipt (against a fake OPD that misbehaves)', () => {
  const fake = fakeOpdForThisBlock();
  const { home, env, order } = fake;
  const evidenceFiles = () => {
    const dir = join(home, 'config', 'evidence', 'alice');
    return existsSync(dir) ? readdirSync(dir) : [];
  };

  it('verifies an honest receipt, keeps the evidence (0600) and pins the receipt key for the next order', async () => {
    fake.opd.behaviour = {};
    fake.opd.receiptKeyRequests = 0;
    const first = await order();
    expect(first.code, first.stderr).toBe(0);
    const placed = JSON.parse(first.stdout) as { orderId: string; evidence: { file: string; verified: boolean } };
    expect(placed.evidence).toMatchObject({
      verified: true,
      file: join(home, 'config', 'evidence', 'alice', `${placed.orderId}.json`),
    });
    expect(statSync(placed.evidence.file).mode & 0o777).toBe(0o600);
    expect(first.stderr).toMatch(/trusting the OPD's server key [\w-]+ \(fingerprint [\w-]{43}\) on first use/);
    expect(first.stderr).toMatch(/trusting the OPD's receipt key [\w-]{43} \(its ID is its fingerprint\) on first use/);
    const second = await order();
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toMatch(/trusting/);
    // The first order asks which receipt key signs now (the trust check, before sending); the second takes the answer
    // it kept (max-age 300 s), and the receipt itself was checked against the pin.
    expect(fake.opd.receiptKeyRequests).toBe(1);
  });

  it.each([
    [
      'a receipt for other prices',
      {
        receiptClaims: (claims: ReceiptClaims) => ({
          ...claims,
          lines: claims.lines.map((l) => ({ ...l, unitPriceCents: 1 })),
        }),
      },
      'receipt_mismatch',
    ],
    [
      'a receipt for another signed order',
      { receiptClaims: (claims: ReceiptClaims) => ({ ...claims, orderDigest: 'A'.repeat(43) }) },
      'order_digest_mismatch',
    ],
    ['a receipt signed by a key the OPD does not publish', { signingKey: receiptKeyPair() }, 'receipt_key_unknown'],
  ] as Array<[string, FakeOpdBehaviour, string]>)(
    '%s: a loud error with its code, exit 1, nothing kept',
    async (_name, behaviour, code) => {
      fake.opd.behaviour = behaviour;
      const before = evidenceFiles();
      const result = await order();
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      const error = (
        JSON.parse(result.stderr.trim().split('\n').at(-1)!) as { error: { code: string; message: string } }
      ).error;
      expect(error.code).toBe(code);
      expect(error.message).toMatch(/the OPD answered that order [\w-]+ is accepted, but its receipt failed a check/);
      expect(error.message).toMatch(/look the order up with `po orders show [\w-]+`/);
      expect(evidenceFiles()).toEqual(before);
    },
  );

  it('a receipt signed with another key under the published ID fails its signature check', async () => {
    fake.opd.behaviour = {};
    const published = (await (await fetch(`${fake.opd.url}/receipt-keys`)).json()) as { keys: Array<{ kid: string }> };
    fake.opd.behaviour = { signingKey: { ...receiptKeyPair(), kid: published.keys[0]!.kid } };
    const result = await order();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('"code":"receipt_signature_invalid"');
  });

  /** The server key ID an envelope (a compact JWE) is sealed to. */
  const jweKid = (envelope: string) =>
    (JSON.parse(Buffer.from(envelope.split('.')[0]!, 'base64url').toString('utf8')) as { kid: string }).kid;
  const lastError = (stderr: string) =>
    (JSON.parse(stderr.trim().split('\n').at(-1)!) as { error: { code: string; message: string } }).error;
  const pins = (profile: string) =>
    (
      JSON.parse(readFileSync(join(home, 'config', 'config.json'), 'utf8')) as {
        profiles: Record<string, { serverKey?: { fingerprint: string }; receiptKeys?: Record<string, unknown> }>;
      }
    ).profiles[profile]!;

  it('receipt keys unreachable after the OPD accepted: exit 3, and it says not to order again', async () => {
    // The OPD rotates its receipt key between po's trust check and the commit, then its key list goes down.
    let rotated = '';
    fake.opd.behaviour = {
      onOrder: () => {
        rotated = fake.opd.rotateReceiptKey();
        fake.opd.behaviour = { receiptKeysStatus: 503 };
      },
    };
    const result = await order();
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /order [\w-]+ is accepted, but its receipt could not be checked now .*Do not order again: check it later with `po orders export [\w-]+`/,
    );
    // The new receipt key was not trusted on the way: the next order stops at it until the person accepts it.
    fake.opd.behaviour = {};
    expect(lastError((await order()).stderr).code).toBe('receipt_key_changed');
    expect((await po(['--profile', 'alice', 'trust', 'receipt-key', '--', rotated], { env })).code).toBe(0);
  });

  it('a changed server key stops po order before anything is sent, until po trust accepts its exact fingerprint', async () => {
    fake.opd.behaviour = {};
    expect((await order()).code).toBe(0);
    const trustedBefore = pins('alice').serverKey!.fingerprint;
    const fresh = fake.opd.rotateServerKey();
    // Within the kept answer's max-age po still seals to the key it kept, which the OPD opens in its grace period.
    expect((await order()).code).toBe(0);
    expect(jweKid(fake.opd.envelopes.at(-1)!)).toBe(trustedBefore);
    const sentBefore = fake.opd.envelopes.length;

    const refused = await po(['--profile', 'alice', '--json', 'order', 'WIDGET-1:2', '--yes', '--no-cache'], { env });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    const error = lastError(refused.stderr);
    expect(error.code).toBe('server_key_changed');
    expect(error.message).toContain(`fingerprint ${trustedBefore}`);
    expect(error.message).toContain(`fingerprint ${fresh}`);
    expect(error.message).toContain(trustCommand('server', fresh, 'alice'));
    expect(fake.opd.envelopes.length).toBe(sentBefore); // nothing was sent
    expect(pins('alice').serverKey!.fingerprint).toBe(trustedBefore); // and nothing was re-pinned

    const tested = await po(['--profile', 'alice', 'test'], { env });
    expect(tested.code).toBe(1);
    expect(tested.stdout).toContain(`server key    CHANGED: trusted ${trustedBefore}`);
    expect(tested.stdout).toContain(trustCommand('server', fresh, 'alice'));
    expect(tested.stdout).toMatch(/FAILED: server key$/m);

    const wrong = await po(['--profile', 'alice', '--json', 'trust', 'server-key', '--', trustedBefore], { env });
    expect(wrong.code).toBe(1);
    expect(lastError(wrong.stderr).code).toBe('fingerprint_mismatch');
    expect(pins('alice').serverKey!.fingerprint).toBe(trustedBefore);

    // The command po printed, exactly as printed.
    const printed = error.message.split('\n').at(-1)!.trim().split(' ');
    expect(printed[0]).toBe('po');
    const accepted = await po(printed.slice(1), { env });
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toContain(
      `now trusting the OPD's server key ${fresh} (fingerprint ${fresh}), instead of ${trustedBefore}`,
    );
    expect(pins('alice').serverKey!.fingerprint).toBe(fresh);
    const ordered = await order();
    expect(ordered.code, ordered.stderr).toBe(0);
    expect(fake.opd.envelopes.length).toBe(sentBefore + 1);
    expect((await po(['--profile', 'alice', 'test'], { env })).code).toBe(0);
  });

  it('a changed receipt key stops po order the same way (receipt_key_changed), until po trust receipt-key', async () => {
    fake.opd.behaviour = {};
    expect((await order()).code).toBe(0);
    const fresh = fake.opd.rotateReceiptKey();
    const sentBefore = fake.opd.envelopes.length;
    // --no-cache: the receipt keys po kept (for 300 s) still name the old key as the one that signs.
    const refused = await po(['--profile', 'alice', '--json', 'order', 'WIDGET-1:2', '--yes', '--no-cache'], { env });
    expect(refused.code).toBe(1);
    const error = lastError(refused.stderr);
    expect(error.code).toBe('receipt_key_changed');
    expect(error.message).toContain(trustCommand('receipt', fresh, 'alice'));
    expect(fake.opd.envelopes.length).toBe(sentBefore);
    expect(Object.keys(pins('alice').receiptKeys!)).not.toContain(fresh);

    expect((await po(['--profile', 'alice', 'trust', 'receipt-key', 'A'.repeat(43)], { env })).code).toBe(1);
    const accepted = await po(['--profile', 'alice', 'trust', 'receipt-key', '--', fresh], { env });
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(Object.keys(pins('alice').receiptKeys!)).toContain(fresh);
    const ordered = await order();
    expect(ordered.code, ordered.stderr).toBe(0);
    expect(fake.opd.envelopes.length).toBe(sentBefore + 1);
  });

  it('a fingerprint that starts with "-" is printed after --, and po trust reads it so', async () => {
    expect(trustCommand('server', '-abc', 'alice')).toBe('po --profile alice trust server-key -- -abc');
    expect(trustCommand('receipt', 'abc')).toBe('po trust receipt-key abc');
    const result = await po(['--profile', 'alice', '--json', 'trust', 'server-key', '--', `-${'A'.repeat(42)}`], {
      env,
    });
    expect(result.code).toBe(1);
    expect(lastError(result.stderr).code).toBe('fingerprint_mismatch'); // read as the fingerprint, not as an option
  });
});
