/// <reference lib="dom" />
/**
 * What the portal does with answers that do not settle an order, in Chromium against the real local stack: a gateway
 * timeout after the OPD took the order (kept, found, never ordered twice), a receipt that fails its check after the
 * OPD accepted (said so, the cart emptied: nothing to order twice), and a receipt signed by a key the OPD publishes
 * but this browser never pinned (not accepted as the OPD's).
 */
import { generateKeyPairSync } from 'node:crypto';
import type { Page, Route } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { spkiFingerprint } from '../../shared/keys.js';
import { receiptKeyJwk, signReceipt } from '../../shared/receipts.js';
import type { ReceiptClaims } from '../../shared/receipts.js';
import { logIn, openApp, visit } from '../helpers/browser.js';
import { chromiumForThisFile } from '../helpers/console-e2e.js';
import { call, e2eStackForThisFile, newProduct, PASSWORD, stockOf } from '../helpers/e2e.js';
import { keylessCustomer, makeKeyInPage, orderCart, putInCart } from '../helpers/portal-e2e.js';

const e2e = e2eStackForThisFile();
const chromium = chromiumForThisFile();

/** A customer with a key made in the page who has ordered once (so the OPD's keys are pinned). */
async function customerWhoOrdered(customerId: string, sku: string): Promise<{ page: Page; token: string }> {
  await newProduct(sku, 10, 250);
  const { token } = await keylessCustomer(e2e, customerId);
  const { page } = await openApp(chromium.browser, e2e.stack.apiUrl, 'portal');
  await logIn(page, customerId, PASSWORD, 'Customer ID');
  await makeKeyInPage(page);
  await putInCart(page, sku, 1);
  await orderCart(page);
  return { page, token };
}

const orderCount = async (token: string) => ((await call('GET', '/orders', { token })).body.orders as unknown[]).length;
const isPost = (route: Route) => route.request().method() === 'POST';
const ordersPath = (url: URL) => url.pathname === '/orders';

describe('answers that do not settle an order', () => {
  it('a gateway timeout (504) after the OPD took the order: kept, then found — never signed anew, never twice', async () => {
    const { page, token } = await customerWhoOrdered('por-fay', 'POR-T1');
    let posts = 0;
    await page.route(ordersPath, async (route) => {
      if (!isPost(route)) return route.continue();
      posts++;
      if (posts === 1) await route.fetch(); // the OPD takes it…
      return route.fulfill({ status: 504, json: { message: 'Endpoint request timed out' } }); // …the gateway gives up
    });
    await putInCart(page, 'POR-T1', 2);
    await visit(page, '#/cart', 'Cart');
    await page.getByRole('button', { name: /^Sign and send order for / }).click();
    await page.getByText(/was sent but its answer never came/).waitFor({ timeout: 20_000 });
    expect(await page.getByRole('button', { name: /^Sign and send/ }).count()).toBe(0);
    expect(await orderCount(token)).toBe(2);
    await page.unroute(ordersPath);
    await page.getByRole('button', { name: 'Send it again' }).click();
    await page.getByText(/^Order \S+ accepted\. The OPD's receipt was checked in this browser\.$/).waitFor();
    expect(await orderCount(token)).toBe(2);
    expect(await stockOf('POR-T1', token)).toBe(7);
  });

  it('a receipt that fails its check after the OPD accepted: "accepted, receipt not checked", the cart emptied', async () => {
    const { page, token } = await customerWhoOrdered('por-gus', 'POR-T2');
    await page.route(ordersPath, async (route) => {
      if (!isPost(route)) return route.continue();
      const response = await route.fetch();
      const body = (await response.json()) as { receipt: string };
      const flipped = `${body.receipt.slice(0, -2)}${body.receipt.at(-2) === 'A' ? 'B' : 'A'}${body.receipt.at(-1)}`;
      return route.fulfill({ response, json: { ...body, receipt: flipped } });
    });
    await putInCart(page, 'POR-T2', 1);
    await visit(page, '#/cart', 'Cart');
    await page.getByRole('button', { name: /^Sign and send order for / }).click();
    await page.getByRole('heading', { level: 1, name: 'Order accepted, receipt not checked' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/Do not order again\..*\[receipt_signature_invalid\]/);
    await page.unroute(ordersPath);
    await visit(page, '#/catalogue', 'Catalogue');
    await visit(page, '#/cart', 'Cart');
    await page.getByText('The cart is empty').waitFor();
    expect(await orderCount(token)).toBe(2);
  });

  it('a receipt signed by a key the OPD publishes but this browser never pinned is not the OPD’s', async () => {
    const { page, token } = await customerWhoOrdered('por-hal', 'POR-T3');
    const forger = generateKeyPairSync('ed25519');
    const forgerJwk = receiptKeyJwk(forger.publicKey);
    // Whoever answers for the OPD signs the receipt with a key of their own, and publishes it.
    await page.route(ordersPath, async (route) => {
      if (!isPost(route)) return route.continue();
      const response = await route.fetch();
      const body = (await response.json()) as { receipt: string };
      const claims = JSON.parse(Buffer.from(body.receipt.split('.')[1]!, 'base64url').toString()) as ReceiptClaims;
      const forged = signReceipt(claims, { kid: spkiFingerprint(forger.publicKey), privateKey: forger.privateKey });
      return route.fulfill({ response, json: { ...body, receipt: forged } });
    });
    await page.route('**/receipt-keys', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { keys: unknown[] };
      return route.fulfill({ response, json: { ...body, keys: [...body.keys, forgerJwk] } });
    });
    await putInCart(page, 'POR-T3', 1);
    await visit(page, '#/cart', 'Cart');
    await page.getByRole('button', { name: /^Sign and send order for / }).click();
    await page.getByRole('heading', { level: 1, name: 'Order accepted, receipt not checked' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/failed a check.*not pinned.*\[receipt_key_unknown\]/);
    expect(await orderCount(token)).toBe(2); // the OPD did take it: the page says so, and not that it is proven
  });

  it('a key kept but not registered cannot send; a registration that ends after the customer left draws nothing there', async () => {
    await newProduct('POR-T4', 10, 250);
    await keylessCustomer(e2e, 'por-ivy');
    const { page } = await openApp(chromium.browser, e2e.stack.apiUrl, 'portal');
    await logIn(page, 'por-ivy', PASSWORD, 'Customer ID');
    await visit(page, '#/keys', 'Keys');
    await page.getByLabel('Your password (the OPD asks it to add a key)').fill('not my password at all');
    await page.getByRole('button', { name: 'Make and register the key' }).click();
    await page.getByText(/is kept in this browser but not registered: .*\[\w+\]\. Register it below\./).waitFor();
    await putInCart(page, 'POR-T4', 1);
    await visit(page, '#/cart', 'Cart');
    await page.getByText(/is not registered with the OPD, or was revoked/).waitFor();
    expect(await page.getByRole('button', { name: /^Sign and send/ }).isDisabled()).toBe(true);

    // The registration is slow; the customer goes to the catalogue meanwhile: its news must not land there.
    await page.route('**/account/keys', async (route) => {
      if (route.request().method() === 'POST') await new Promise((resolve) => setTimeout(resolve, 1_500));
      return route.continue();
    });
    await visit(page, '#/keys', 'Keys');
    await page.getByLabel('Your password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Register it with the OPD' }).click();
    await visit(page, '#/catalogue', 'Catalogue');
    await page.waitForResponse(
      (response) => response.request().method() === 'POST' && response.url().endsWith('/account/keys'),
    );
    await page.waitForTimeout(300); // what the Keys view does with the answer happens now
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Catalogue');
    expect(await page.getByText(/is registered: orders signed with it are accepted/).count()).toBe(0);
    await visit(page, '#/cart', 'Cart');
    expect(await page.getByRole('button', { name: /^Sign and send/ }).isDisabled()).toBe(false);
  });
});
