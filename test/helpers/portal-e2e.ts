/// <reference lib="dom" />
/**
 * What the portal's browser suites share: customers made by the OPD without a key (they make one in the page), the
 * customer's steps in the page (a key, the cart, the order, the evidence file), and what the browser keeps of the key.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { tempDir } from './openssl.js';
import { call, fund, login, PASSWORD } from './e2e.js';
import type { E2eStack } from './e2e.js';

/** A customer the OPD created with a password and money, and no key: their first key is made in the browser. */
export async function keylessCustomer(e2e: E2eStack, customerId: string): Promise<{ token: string }> {
  const created = await call('POST', '/admin/customers', {
    token: e2e.adminToken,
    body: { customerId, email: `${customerId}@customer.test`, password: PASSWORD },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await fund(customerId);
  return { token: await login(customerId, PASSWORD) };
}

/** Makes a key in the page (Keys view) and registers it; returns its key ID as the page states it. */
export async function makeKeyInPage(page: Page, algorithm = 'Ed25519 (EdDSA) — recommended'): Promise<string> {
  await page.evaluate(() => (location.hash = '#/keys'));
  await page.getByRole('heading', { level: 1, name: 'Keys' }).waitFor();
  await page.getByLabel('Algorithm').selectOption({ label: algorithm });
  await page.getByLabel('Your password (the OPD asks it to add a key)').fill(PASSWORD);
  await page.getByRole('button', { name: 'Make and register the key' }).click();
  const news = page.getByText(/is made in this browser and registered with the OPD/);
  await news.waitFor({ timeout: 30_000 });
  return /^Key (\S+) is made/.exec((await news.textContent()) ?? '')![1]!;
}

/** Puts `qty` of `sku` in the cart from the catalogue. */
export async function putInCart(page: Page, sku: string, qty: number): Promise<void> {
  await page.evaluate(() => (location.hash = '#/catalogue'));
  await page.getByRole('heading', { level: 1, name: 'Catalogue' }).waitFor();
  await page.getByLabel(`Quantity of ${sku}`).fill(String(qty));
  await page
    .getByRole('row', { name: new RegExp(sku) })
    .getByRole('button', { name: 'Put in cart' })
    .click();
  await page.getByText(`${qty} × ${sku} in the cart`).waitFor();
}

/** Signs and sends the cart (with a note) and waits for "accepted"; returns the order ID the page states. */
export async function orderCart(page: Page, note?: string): Promise<string> {
  await page.evaluate(() => (location.hash = '#/cart'));
  await page.getByRole('heading', { level: 1, name: 'Cart' }).waitFor();
  if (note !== undefined) await page.getByLabel(/Note for the OPD/).fill(note);
  await page.getByRole('button', { name: /^Sign and send order for / }).click();
  const accepted = page.getByText(/^Order \S+ accepted\. The OPD's receipt was checked in this browser\.$/);
  await accepted.waitFor({ timeout: 30_000 });
  return /^Order (\S+) accepted/.exec((await accepted.textContent()) ?? '')![1]!;
}

const downloads = tempDir('po-portal-downloads-');

/** Clicks "Download evidence" and returns the saved file's path. */
export async function downloadEvidence(page: Page): Promise<string> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download evidence' }).first().click(),
  ]);
  const file = join(downloads, `${Date.now()}-${download.suggestedFilename()}`);
  await download.saveAs(file);
  expect(() => JSON.parse(readFileSync(file, 'utf8')) as unknown).not.toThrow();
  return file;
}

/** What the browser keeps of `customerId`'s key (read from IndexedDB in the page): whether any script could export it. */
export function keptKey(page: Page, customerId: string) {
  return page.evaluate(async (id) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('po-portal');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(new Error(String(request.error)));
    });
    const record = await new Promise<{ kid: string; alg: string; privateKey: CryptoKey } | undefined>(
      (resolve, reject) => {
        const request = db.transaction('keys').objectStore('keys').get(id);
        request.onsuccess = () => resolve(request.result as never);
        request.onerror = () => reject(new Error(String(request.error)));
      },
    );
    db.close();
    if (!record) return undefined;
    const refusals: string[] = [];
    for (const format of ['pkcs8', 'jwk', 'raw', 'spki'] as const)
      await crypto.subtle.exportKey(format, record.privateKey).then(
        () => refusals.push(`${format}: EXPORTED`),
        (error: Error) => refusals.push(`${format}: ${error.name}`),
      );
    return {
      kid: record.kid,
      alg: record.alg,
      type: record.privateKey.type,
      extractable: record.privateKey.extractable,
      usages: record.privateKey.usages,
      refusals,
    };
  }, customerId);
}
