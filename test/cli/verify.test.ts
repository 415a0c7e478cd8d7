/** `po verify`: offline, exit 0 valid · 1 invalid · 2 unreadable. */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EvidenceBundle } from '../../shared/evidence.js';
import { parsePublicKeyPem, spkiFingerprint } from '../../shared/keys.js';
import { expectCleanStderr, expectLineError } from '../helpers/cli.js';
import { makeBundle, receiptKeyPair } from '../helpers/evidence.js';
import { customerKeys, serverKey } from '../helpers/keys.js';
import { tempDir, writeText } from '../helpers/openssl.js';
import { po } from '../helpers/po.js';

describe('po verify: offline, exit 0 valid · 1 invalid · 2 unreadable', () => {
  const verifyDir = tempDir('po-cli-verify-');
  let valid: EvidenceBundle;
  let validFile: string;

  beforeAll(async () => {
    const [server, keysByAlg] = await Promise.all([serverKey(), customerKeys()]);
    valid = makeBundle(keysByAlg.dsa, server, receiptKeyPair());
    validFile = writeText(verifyDir, 'valid.json', JSON.stringify(valid, null, 2));
  });

  const claimsOf = (bundle: EvidenceBundle) =>
    JSON.parse(Buffer.from(bundle.order.jws.split('.')[1]!, 'base64url').toString()) as { jti: string };

  it('says what a valid bundle proves, for people and with --json, from a file or standard input', async () => {
    const human = await po(['verify', validFile]);
    expectCleanStderr(human);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^VALID: order ${claimsOf(valid).jti} of customer alice, accepted by opd`));
    expect(human.stdout).toMatch(/WIDGET-1\s+3\s+12\.50\s+37\.50\n/); // a bundle carries no names: no empty column
    expect(human.stdout).not.toContain('NAME');
    expect(human.stdout).toMatch(/SKU\s+QTY\s+UNIT PRICE \(USD\)\s+LINE TOTAL \(USD\)\n/); // money says its currency
    expect(human.stdout).toMatch(/total USD 47\.49/);
    expect(human.stdout).toContain(
      `key fingerprint ${spkiFingerprint(parsePublicKeyPem(valid.order.customerKey.publicKeyPem))}`,
    );

    const json = await po(['--json', 'verify', '-'], { input: JSON.stringify(valid) });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      valid: true,
      orderId: claimsOf(valid).jti,
      customerId: 'alice',
      currency: 'USD',
      totalCents: 4749,
      customerKey: { alg: 'DS256', kid: valid.order.customerKey.kid },
      receiptKey: { kid: valid.receipt.key.kid, fingerprint: valid.receipt.key.kid },
    });
  });

  it('names the failed check and exits 1; with --json the result is on standard output', async () => {
    const edited = structuredClone(valid);
    const [header, payload, signature] = edited.receipt.jws.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { totalCents: number };
    claims.totalCents = 1;
    edited.receipt.jws = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    const file = writeText(verifyDir, 'edited.json', JSON.stringify(edited));

    const human = await po(['verify', file]);
    expect(human.code).toBe(1);
    expect(human.stdout).toBe('');
    expect(human.stderr).toMatch(
      /^po: the receipt's signature does not verify with the receipt key \[receipt_signature_invalid\]\n$/,
    );
    const json = await po(['--json', 'verify', file]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      valid: false,
      error: { code: 'receipt_signature_invalid', message: expect.any(String) as unknown },
    });
  });

  it.each([
    ['a missing file', () => join(verifyDir, 'nope.json'), 'file_not_found', /no such file/],
    ['a file that is not JSON', () => writeText(verifyDir, 'text.json', 'hello'), 'evidence_malformed', /is not JSON/],
    [
      'JSON that is not a bundle',
      () => writeText(verifyDir, 'other.json', '{"format":"po-evidence","version":2}'),
      'evidence_malformed',
      /version must be the number 1/,
    ],
    [
      'a bundle nested 100,000 deep',
      () => writeText(verifyDir, 'deep.json', `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`),
      'evidence_malformed',
      /format must be "po-evidence"/,
    ],
  ])('refuses %s as unreadable (exit 2)', async (_name, file, code, message) => {
    expectLineError(await po(['verify', file()]), code, 2, message);
  });
});
