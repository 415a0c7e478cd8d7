/// <reference lib="dom" />
/**
 * The customer portal in a real browser (Debian's Chromium, headless, driven by playwright-core) against the real
 * local stack: a new customer makes a key in the page (non-extractable, checked), registers it, orders, sees the
 * receipt checked, cancels (signed in the page) and exports the evidence — which `po verify` and the openssl recipe of
 * docs/evidence.md accept. Keys made by `po keygen`, plain and encrypted, are imported and order too; a DSA key is
 * refused with a pointer to po. Screenshots go to screenshots/portal/. (Rotated keys, lost answers, hostile text,
 * accessibility and the keyboard: test/e2e/portal-hardening.test.ts.)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logIn, openApp, screenshot, visit } from '../helpers/browser.js';
import { chromiumForThisFile } from '../helpers/console-e2e.js';
import { call, e2eStackForThisFile, newProduct, PASSWORD, stockOf } from '../helpers/e2e.js';
import { runRecipe } from '../helpers/evidence.js';
import { tempDir } from '../helpers/openssl.js';
import { po } from '../helpers/po.js';
import {
  downloadEvidence,
  keptKey,
  keylessCustomer,
  makeKeyInPage,
  orderCart,
  putInCart,
} from '../helpers/portal-e2e.js';

const e2e = e2eStackForThisFile();
const chromium = chromiumForThisFile();
const CUSTOMER = 'Customer ID';

describe('a new customer orders from the browser', () => {
  it('makes a key in the page, orders, cancels; the exported evidence passes po verify and openssl', async () => {
    await newProduct('POR-A1', 20, 1250);
    const { token } = await keylessCustomer(e2e, 'por-ada');
    const { page, pageErrors, violations } = await openApp(chromium.browser, e2e.stack.apiUrl, 'portal');
    await screenshot(page, 'login', 'portal');
    await logIn(page, 'por-ada', PASSWORD, CUSTOMER);
    const kid = await makeKeyInPage(page);
    await screenshot(page, 'keys', 'portal');

    // The key is in the browser as a non-extractable private key: it signs, nothing can export it.
    expect(await keptKey(page, 'por-ada')).toEqual({
      kid,
      alg: 'EdDSA',
      type: 'private',
      extractable: false,
      usages: ['sign'],
      refusals: [
        'pkcs8: InvalidAccessError',
        'jwk: InvalidAccessError',
        'raw: InvalidAccessError',
        'spki: InvalidAccessError',
      ],
    });
    // …and the OPD registered its public half, proven by the page's proof of possession.
    const keys = await call('GET', '/account/keys', { token });
    expect(keys.body.keys).toEqual([expect.objectContaining({ keyId: kid, alg: 'EdDSA', status: 'active' })]);

    await putInCart(page, 'POR-A1', 3);
    await visit(page, '#/cart', 'Cart');
    expect(await page.locator('table').textContent()).toContain('USD 37.50');
    await screenshot(page, 'cart', 'portal');
    const orderId = await orderCart(page, 'Dock 4, before noon');
    await screenshot(page, 'accepted', 'portal');

    // What the OPD stored: this order, signed with the page's key, at the quoted price; the stock taken once.
    const stored = await call('GET', `/orders/${orderId}`, { token });
    expect(stored.body).toMatchObject({
      status: 'accepted',
      totalCents: 3750,
      note: 'Dock 4, before noon',
      signature: { alg: 'EdDSA', keyId: kid },
      lines: [{ sku: 'POR-A1', qty: 3, unitPriceCents: 1250 }],
    });
    expect(await stockOf('POR-A1', token)).toBe(17);

    // The evidence file the page writes is the one po verify and the openssl recipe accept.
    const accepted = await downloadEvidence(page);
    const verified = await po(['--json', 'verify', accepted]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({
      valid: true,
      orderId,
      customerId: 'por-ada',
      totalCents: 3750,
    });
    const recipe = runRecipe(accepted);
    expect(recipe.stderr).toBe('');
    expect(recipe.stdout.trim()).toMatch(new RegExp(`^VALID: order ${orderId} of por-ada: USD 37.50, accepted by `));

    // Cancel, signed in the page: the OPD holds the customer's signed request, the stock is back.
    await page.getByRole('link', { name: 'See the order' }).click();
    await page.getByText('Evidence valid').waitFor();
    await screenshot(page, 'order', 'portal');
    await page.getByRole('button', { name: 'Cancel order…' }).click();
    await page.getByRole('button', { name: 'Confirm: sign and send the cancellation' }).click();
    await page.getByText(`Order ${orderId} is cancelled`).waitFor();
    await page.getByText('Evidence valid').waitFor();
    const cancelled = await call('GET', `/orders/${orderId}`, { token });
    expect(cancelled.body).toMatchObject({ status: 'cancelled', cancellation: { by: 'customer', keyId: kid } });
    expect(await stockOf('POR-A1', token)).toBe(20);
    const withCancellation = await downloadEvidence(page);
    const again = await po(['--json', 'verify', withCancellation]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'cancelled', cancellation: { by: 'customer' } });
    expect(pageErrors).toEqual([]);
    expect(await violations()).toEqual([]);
  });
});

describe('keys made by po keygen, imported into the page', () => {
  const dir = tempDir('po-portal-keys-');
  const keygen = async (alg: string, name: string, passphrase?: string) => {
    const args = ['keygen', '--alg', alg, '--out', dir, '--name', name];
    if (passphrase) {
      writeFileSync(join(dir, `${name}.pass`), passphrase);
      args.push('--passphrase-file', join(dir, `${name}.pass`));
    }
    const made = await po(['--json', ...args]);
    expect(made.code, made.stderr).toBe(0);
    return JSON.parse(made.stdout) as { kid: string; privateKeyFile: string; publicKeyFile: string };
  };
  const importFile = async (page: Awaited<ReturnType<typeof openApp>>['page'], file: string, passphrase = '') => {
    await visit(page, '#/keys', 'Keys');
    await page.locator('#import-file').setInputFiles(file);
    await page.getByLabel('Its passphrase (if it has one)').fill(passphrase);
    await page.getByLabel('Your password (only if the key is not registered yet)').fill(PASSWORD);
    await page.getByRole('button', { name: 'Import the key' }).click();
  };

  it('a plain ECDSA key and an encrypted RSA key each order; a wrong passphrase and a DSA key are refused', async () => {
    await newProduct('POR-B1', 10, 500);
    const ecdsa = await keygen('ecdsa', 'bea-ec');
    const rsa = await keygen('rsa', 'bea-rsa', 'correct horse battery');
    const dsa = await keygen('dsa', 'bea-dsa');
    const { token } = await keylessCustomer(e2e, 'por-bea');
    const { page } = await openApp(chromium.browser, e2e.stack.apiUrl, 'portal');
    await logIn(page, 'por-bea', PASSWORD, CUSTOMER);

    await importFile(page, dsa.privateKeyFile);
    const refusal = page.getByRole('alert').filter({ hasText: 'key_unsupported_in_browser' });
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/WebCrypto has no DSA.*\bpo\b.*\[key_unsupported_in_browser\]$/s);
    await screenshot(page, 'import-dsa', 'portal');

    await importFile(page, ecdsa.privateKeyFile);
    await page.getByText(`Key ${ecdsa.kid} is imported and registered`).waitFor();
    expect(await keptKey(page, 'por-bea')).toMatchObject({ kid: ecdsa.kid, alg: 'ES256', extractable: false });
    await putInCart(page, 'POR-B1', 1);
    const first = await orderCart(page);
    expect((await call('GET', `/orders/${first}`, { token })).body.signature).toMatchObject({
      alg: 'ES256',
      keyId: ecdsa.kid,
    });

    await visit(page, '#/keys', 'Keys');
    await page.getByRole('button', { name: 'Forget it in this browser…' }).click();
    expect(await keptKey(page, 'por-bea')).toMatchObject({ kid: ecdsa.kid }); // asked first: nothing forgotten yet
    await page.getByRole('button', { name: 'Confirm: forget the key' }).click();
    await page.getByText('The key is gone from this browser').waitFor();
    await importFile(page, rsa.privateKeyFile, 'not the passphrase');
    await page.getByText('[key_passphrase_wrong]').waitFor();
    expect(await keptKey(page, 'por-bea')).toBeUndefined();
    await importFile(page, rsa.privateKeyFile, 'correct horse battery');
    await page.getByText(`Key ${rsa.kid} is imported and registered`).waitFor({ timeout: 30_000 });
    expect(await keptKey(page, 'por-bea')).toMatchObject({ kid: rsa.kid, alg: 'PS256', extractable: false });
    await putInCart(page, 'POR-B1', 2);
    const second = await orderCart(page);
    expect((await call('GET', `/orders/${second}`, { token })).body.signature).toMatchObject({
      alg: 'PS256',
      keyId: rsa.kid,
    });
    expect(await stockOf('POR-B1', token)).toBe(7);
    // The registered keys: both imported ones, each under its po keygen key ID; the public key file matches.
    const keys = (await call('GET', '/account/keys', { token })).body.keys as Array<{ keyId: string }>;
    expect(keys.map((key) => key.keyId).sort()).toEqual([ecdsa.kid, rsa.kid].sort());
    expect(readFileSync(rsa.publicKeyFile, 'utf8')).toContain('BEGIN PUBLIC KEY');
    // The ECDSA key, no longer in this browser, is revoked from the page (with the password): the OPD refuses it now.
    await visit(page, '#/keys', 'Keys');
    await page
      .getByRole('row', { name: new RegExp(ecdsa.kid.replace(/[-]/g, '\\-')) })
      .getByRole('button', { name: 'Revoke…' })
      .click();
    await page.getByLabel('Your password').fill(PASSWORD);
    await page.getByRole('button', { name: /^Confirm: revoke / }).click();
    await page.getByText(`Key ${ecdsa.kid} is revoked.`).waitFor();
    const after = (await call('GET', '/account/keys', { token })).body.keys as Array<{ keyId: string; status: string }>;
    expect(after.find((key) => key.keyId === ecdsa.kid)?.status).toBe('revoked');
    expect(after.find((key) => key.keyId === rsa.kid)?.status).toBe('active');
  });
});
