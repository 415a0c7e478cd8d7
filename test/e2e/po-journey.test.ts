/**
 * End to end against a real local stack, started on random ports and stopped afterwards, through `po`: the journey
 * for each signature algorithm with evidence verified offline, `po order` on a terminal, `po admin` speaking to
 * people, and old receipts after a receipt key rotation.
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runRecipe } from '../helpers/evidence.js';
import { PASSWORD, call, emailsFor, newProduct, poWorkspace, e2eStackForThisFile, stockOf } from '../helpers/e2e.js';

const e2e = e2eStackForThisFile();

describe('the po journey for each signature algorithm', () => {
  it.each([
    ['rsa', 'PS256'],
    ['dsa', 'DS256'],
    ['ecdsa', 'ES256'],
    ['ed25519', 'EdDSA'],
  ] as const)(
    'po keygen --alg %s → po admin registers → po login → po order → email → po orders',
    async (alg, jwsAlg) => {
      const { home, run, setUpCustomer } = await poWorkspace(`po-journey-${alg}-`);
      const customerId = `po-${alg}`;
      const sku = `POJ-${alg.toUpperCase()}`;
      await newProduct(sku, 5, 1000);
      await setUpCustomer(customerId, alg);
      const order = await run(['--json', 'order', `${sku}:2`, '--yes']);
      expect(order.code, order.stderr).toBe(0);
      expect(order.stderr).toMatch(/Quote from the OPD \(USD\):[\s\S]*2\s+10\.00\s+20\.00[\s\S]*total USD 20\.00/);
      const placed = JSON.parse(order.stdout) as {
        orderId: string;
        signedAt: string;
        signature: { alg: string };
        evidence: { file: string; verified: boolean };
      };
      expect(placed.signature.alg).toBe(jwsAlg);
      expect(placed.evidence.verified).toBe(true);
      expect(statSync(placed.evidence.file).mode & 0o777).toBe(0o600);

      await e2e.stack.poller.drained();
      const [email] = await emailsFor(`${customerId}@customer.test`);
      expect(email?.subject).toBe(`Order ${placed.orderId} accepted`);
      expect(email?.text).toContain(`Signed at:   ${placed.signedAt}`);
      const listed = await run(['orders']);
      expect(listed.stdout).toMatch(new RegExp(`^${placed.orderId}\\s.*\\ssent$`, 'm'));

      // Export the evidence; it is exactly what po kept when it checked the receipt.
      const bundleFile = join(home, 'order.evidence.json');
      const exported = await run(['orders', 'export', placed.orderId, '--out', bundleFile]);
      expect(exported.code, exported.stderr).toBe(0);
      expect(statSync(bundleFile).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(bundleFile, 'utf8'))).toEqual(
        JSON.parse(readFileSync(placed.evidence.file, 'utf8')),
      );

      // Offline: no profile, no network (any connection attempt would fail the command).
      const verified = await offlineVerify(bundleFile);
      expect(verified.code, verified.stderr).toBe(0);
      expect(verified.stdout).toMatch(new RegExp(`^VALID: order ${placed.orderId} of customer ${customerId}`));
      expect(verified.stdout).toMatch(/total USD 20\.00/);
      // And with openssl and jq only (docs/evidence.md).
      expect(runRecipe(bundleFile)).toMatchObject({ code: 0, stderr: '' });

      // A hand-edited bundle (quantity 2 → 20 in the signed order) fails both ways.
      const bundle = JSON.parse(readFileSync(bundleFile, 'utf8')) as { order: { jws: string } };
      const [header, payload, signature] = bundle.order.jws.split('.') as [string, string, string];
      const edited = Buffer.from(payload, 'base64url').toString().replace('"qty":2', '"qty":20');
      bundle.order.jws = `${header}.${Buffer.from(edited).toString('base64url')}.${signature}`;
      const editedFile = join(home, 'edited.evidence.json');
      writeFileSync(editedFile, JSON.stringify(bundle, null, 2));
      const refused = await offlineVerify(editedFile);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/\[order_signature_invalid\]/);
      expect(runRecipe(editedFile)).toMatchObject({ code: 1, stderr: expect.stringMatching(/^INVALID: /) as unknown });
    },
  );
});

/** `po verify` as a third party runs it: no profile, an empty home, and no network at all. */
async function offlineVerify(file: string) {
  const { po } = await import('../helpers/po.js');
  const nowhere = mkdtempSync(join(tmpdir(), 'po-offline-'));
  const noNetwork = fileURLToPath(new URL('../helpers/no-network.mjs', import.meta.url));
  return po(['verify', file], {
    env: { HOME: nowhere, PO_CONFIG_DIR: join(nowhere, 'none'), NODE_OPTIONS: `--import=${noNetwork}` },
  });
}

describe('po order on a terminal', () => {
  it('shows the quote and asks; a price change before the commit shows the new quote and asks again', async () => {
    const { home, setUpCustomer } = await poWorkspace('po-terminal-');
    await newProduct('TTY-1', 10, 700);
    await setUpCustomer('tty-buyer', 'ed25519');
    const { poOnTerminal } = await import('../helpers/po.js');
    const env = { PO_CONFIG_DIR: join(home, 'config') };

    // Declining sends nothing.
    const declined = poOnTerminal(['order', 'TTY-1:2'], env);
    await declined.waitFor(/Sign and send this order for USD 14\.00\? \[y\/N\]/);
    declined.type('n');
    const no = await declined.exited;
    expect(no.code).toBe(1);
    expect(no.output).toMatch(/not sent: the quote was declined \[declined\]/);
    expect(await stockOf('TTY-1', e2e.adminToken)).toBe(10);

    // The price changes while the person reads the quote: the OPD refuses, po shows the new quote and asks again.
    const session = poOnTerminal(['order', 'TTY-1:2'], env);
    await session.waitFor(/TTY-1\s+2\s+7\.00\s+14\.00[\s\S]*\[y\/N\]/);
    expect(
      (await call('PATCH', '/admin/products/TTY-1', { token: e2e.adminToken, body: { priceCents: 800 } })).status,
    ).toBe(200);
    session.type('y');
    await session.waitFor(
      /prices changed since the quote; nothing was ordered[\s\S]*TTY-1\s+2\s+8\.00\s+16\.00[\s\S]*\[y\/N\]/,
    );
    expect(await stockOf('TTY-1', e2e.adminToken)).toBe(10);
    session.type('y');
    const done = await session.exited;
    expect(done.code, done.output).toBe(0);
    expect(done.output).toMatch(/total USD 16\.00/);
    expect(done.output).toMatch(/receipt verified: signed by the OPD \(opd\) with receipt key /);
    expect(await stockOf('TTY-1', e2e.adminToken)).toBe(8);
  });
});

describe('po admin speaks to people', () => {
  it('prices go in as decimals and come out with the currency; a weak initial password is refused before anything is sent', async () => {
    const { home, run } = await poWorkspace('po-admin-words-');
    const added = await run([
      '--profile',
      'admin',
      'admin',
      'products',
      'add',
      '--sku',
      'WORDS-1',
      '--name',
      'Words',
      '--price',
      '24.50',
      '--stock',
      '5',
    ]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toBe('added WORDS-1 "Words": USD 24.50 each, 5 in stock\n');
    const json = await run(['--profile', 'admin', '--json', 'admin', 'products', 'update', 'WORDS-1', '--price', '3']);
    expect(JSON.parse(json.stdout)).toEqual({
      sku: 'WORDS-1',
      name: 'Words',
      priceCents: 300,
      stock: 5,
      currency: 'USD',
    });
    const badPrice = await run(['--profile', 'admin', 'admin', 'products', 'update', 'WORDS-1', '--price', '3.999']);
    expect(badPrice.code).toBe(2);
    expect(badPrice.stderr).toContain('--price is an amount like 24.50 (at most two decimals), not "3.999"');

    await run(['keygen', '--alg', 'ed25519', '--out', join(home, 'keys'), '--name', 'words']);
    const add = (password: string) =>
      run(
        [
          '--profile',
          'admin',
          'admin',
          'customers',
          'add',
          '--customer',
          'words-fay',
          '--email',
          'fay@customer.test',
          '--key',
          join(home, 'keys', 'words.pub.pem'),
          '--password-stdin',
        ],
        `${password}\n`,
      );
    const weak = await add('short');
    expect(weak.code).toBe(2);
    expect(weak.stderr).toBe('po: the password needs at least 12 characters; nothing was created [usage]\n');
    const created = await add(PASSWORD);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(
      /^created customer words-fay \(fay@customer\.test\)\n {2}keys: [\w-]{43}\n {2}they set up po with: po config --api <this OPD's API URL> --customer words-fay --key <their private key>; then po login\n$/,
    );
  });
});

describe('receipt key rotation', () => {
  it('leaves old receipts verifiable: exported after the rotation from a fresh profile, by po verify and openssl', async () => {
    const { home, run, setUpCustomer } = await poWorkspace('po-rotation-');
    await newProduct('ROT-1', 10, 100);
    await setUpCustomer('rot-buyer', 'ecdsa', ['before', 'after']);
    const order = await run(['--profile', 'before', '--json', 'order', 'ROT-1:1', '--yes']);
    expect(order.code, order.stderr).toBe(0);
    const placed = JSON.parse(order.stdout) as { orderId: string; evidence: { receiptKeyId: string } };

    const rotated = await run(['--profile', 'admin', '--json', 'admin', 'rotate-receipt-key']);
    expect(rotated.code, rotated.stderr).toBe(0);
    const newKid = (JSON.parse(rotated.stdout) as { kid: string }).kid;
    expect(newKid).not.toBe(placed.evidence.receiptKeyId);
    const published = (await call('GET', '/receipt-keys')).body as { keys: Array<{ kid: string }> };
    expect(published.keys.map((key) => key.kid)).toEqual(
      expect.arrayContaining([newKid, placed.evidence.receiptKeyId]),
    );

    // A profile that never saw the old receipt key exports the old order: the key comes from /receipt-keys.
    const bundleFile = join(home, 'old.evidence.json');
    const exported = await run(['--profile', 'after', 'orders', 'export', placed.orderId, '--out', bundleFile]);
    expect(exported.code, exported.stderr).toBe(0);
    expect((await offlineVerify(bundleFile)).code).toBe(0);
    expect(runRecipe(bundleFile).code).toBe(0);

    // Orders after the rotation get receipts that verify too.
    const later = await run(['--profile', 'after', 'order', 'ROT-1:1', '--yes']);
    expect(later.code, later.stderr).toBe(0);
    expect(later.stdout).toMatch(/receipt verified/);
  });
});
