/// <reference lib="dom" />
/**
 * The portal under pressure, in Chromium against the real local stack: the OPD's server key rotated under a customer
 * who pinned the old one (the order stops, both fingerprints shown, until the customer accepts the new one); answers
 * lost on the network (the same envelope is sent again, never a new one, and the order is taken once); an evidence
 * file tampered with and dropped into the page (refused with its code), and checked with the network off.
 */
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePublicKeyPem, spkiFingerprint } from '../../shared/keys.js';
import { logIn, openApp, screenshot, visit } from '../helpers/browser.js';
import { chromiumForThisFile } from '../helpers/console-e2e.js';
import { call, e2eStackForThisFile, newProduct, PASSWORD, stockOf } from '../helpers/e2e.js';
import { tempDir } from '../helpers/openssl.js';
import { downloadEvidence, keylessCustomer, makeKeyInPage, orderCart, putInCart } from '../helpers/portal-e2e.js';

const e2e = e2eStackForThisFile();
const chromium = chromiumForThisFile();
const CUSTOMER = 'Customer ID';

async function serverFingerprint(): Promise<{ kid: string; fingerprint: string }> {
  const { kid, publicKeyPem } = (await call('GET', '/server-key')).body as { kid: string; publicKeyPem: string };
  return { kid, fingerprint: spkiFingerprint(parsePublicKeyPem(publicKeyPem)) };
}

/** The customer's orders as the OPD stores them. */
async function ordersOf(token: string): Promise<Array<{ orderId: string }>> {
  return (await call('GET', '/orders?limit=100', { token })).body.orders as Array<{ orderId: string }>;
}

describe('a rotated server key', () => {
  it('stops the order with both fingerprints until the customer accepts the new one; nothing is sent meanwhile', async () => {
    await newProduct('POR-R1', 10, 200);
    const { token } = await keylessCustomer(e2e, 'por-cyd');
    const { page } = await openApp(chromium.browser, e2e.stack.apiUrl, 'portal');
    await logIn(page, 'por-cyd', PASSWORD, CUSTOMER);
    await makeKeyInPage(page);
    await putInCart(page, 'POR-R1', 1);
    await orderCart(page); // the first order pins the server key
    const before = await serverFingerprint();

    const rotated = await call('POST', '/admin/server-keys/rotate', { token: e2e.adminToken });
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(201);
    const after = await serverFingerprint();
    expect(after.fingerprint).not.toBe(before.fingerprint);

    await putInCart(page, 'POR-R1', 2);
    await visit(page, '#/cart', 'Cart');
    const warning = page.getByRole('alert').filter({ hasText: "The OPD's server key changed." });
    await warning.waitFor();
    const text = (await warning.textContent()) ?? '';
    expect(text).toContain(`${before.kid} · fingerprint ${before.fingerprint}`);
    expect(text).toContain(`${after.kid} · fingerprint ${after.fingerprint}`);
    expect(text).toContain('[server_key_changed]');
    expect(await page.getByRole('button', { name: /^Sign and send/ }).count()).toBe(0);
    await screenshot(page, 'server-key-changed', 'portal');
    expect(await ordersOf(token)).toHaveLength(1);

    await page.getByRole('button', { name: 'I checked it with the OPD: trust the new server key' }).click();
    await page.getByText(`The OPD's new server key ${after.fingerprint} is trusted in this browser.`).waitFor();
    const second = await orderCart(page);
    expect((await ordersOf(token)).map((order) => order.orderId)).toContain(second);
    expect(await stockOf('POR-R1', token)).toBe(7);
  });
});

describe('an answer lost on the network', () => {
  it('sends the same envelope again, never a new one: the order is taken once, also after a reload', async () => {
    await newProduct('POR-N1', 10, 300);
    const { token } = await keylessCustomer(e2e, 'por-dee');
    const { page } = await openApp(chromium.browser, e2e.stack.apiUrl, 'portal');
    await logIn(page, 'por-dee', PASSWORD, CUSTOMER);
    await makeKeyInPage(page);

    // 1. The first send never reaches the OPD; the page's own second attempt does.
    const sent: string[] = [];
    const orders = (url: URL) => url.pathname === '/orders'; // POST /orders; GET /orders?… goes on
    await page.route(orders, async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      sent.push(route.request().postData() ?? '');
      if (sent.length === 1) return route.abort('connectionreset');
      return route.continue();
    });
    await putInCart(page, 'POR-N1', 1);
    const first = await orderCart(page);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toBe(sent[0]);
    expect((await ordersOf(token)).map((order) => order.orderId)).toEqual([first]);
    expect(await stockOf('POR-N1', token)).toBe(9);
    await page.unroute(orders);

    // 2. The OPD takes the order but its answer is lost, every time: the page keeps the envelope and says so.
    sent.length = 0;
    await page.route(orders, async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      sent.push(route.request().postData() ?? '');
      if (sent.length === 1) await route.fetch(); // reaches the OPD, which commits it…
      return route.abort('connectionreset'); // …and the answer never comes back
    });
    await putInCart(page, 'POR-N1', 2);
    await visit(page, '#/cart', 'Cart');
    await page.getByRole('button', { name: /^Sign and send order for / }).click();
    await page.getByText(/was sent but its answer never came/).waitFor({ timeout: 20_000 });
    expect(new Set(sent).size).toBe(1); // every attempt the same envelope
    expect(sent.length).toBeGreaterThanOrEqual(2);
    await screenshot(page, 'order-pending', 'portal');
    await page.unroute(orders);

    // A reload (a new session: the token lived in memory) finds the kept order; sending it again finds it taken.
    await page.reload();
    await logIn(page, 'por-dee', PASSWORD, CUSTOMER);
    await visit(page, '#/cart', 'Cart');
    await page.getByRole('button', { name: 'Send it again' }).click();
    const accepted = page.getByText(/^Order \S+ accepted\. The OPD's receipt was checked in this browser\.$/);
    await accepted.waitFor();
    const second = /^Order (\S+) accepted/.exec((await accepted.textContent()) ?? '')![1]!;
    const stored = await ordersOf(token);
    expect(stored.map((order) => order.orderId).sort()).toEqual([first, second].sort());
    expect(await stockOf('POR-N1', token)).toBe(7);
    // Nothing is kept any more: the cart is a cart again.
    await visit(page, '#/catalogue', 'Catalogue');
    await visit(page, '#/cart', 'Cart');
    expect(await page.getByText(/was sent but its answer never came/).count()).toBe(0);
  });
});

describe('evidence files checked in the page', () => {
  it('a tampered file dropped into the page is refused with its code; a valid one checks with the network off', async () => {
    await newProduct('POR-V1', 10, 400);
    await keylessCustomer(e2e, 'por-eve');
    const { page, pageErrors } = await openApp(chromium.browser, e2e.stack.apiUrl, 'portal');
    await logIn(page, 'por-eve', PASSWORD, CUSTOMER);
    await makeKeyInPage(page);
    await putInCart(page, 'POR-V1', 1);
    await orderCart(page);
    const valid = await downloadEvidence(page);
    const bundle = JSON.parse(readFileSync(valid, 'utf8')) as { order: { jws: string }; receipt: { jws: string } };
    const dir = tempDir('po-portal-tamper-');
    const flip = (jws: string) => `${jws.slice(0, -2)}${jws.at(-2) === 'A' ? 'B' : 'A'}${jws.at(-1)}`;
    const cases: Array<[string, object, string]> = [
      [
        'order-signature',
        { ...bundle, order: { ...bundle.order, jws: flip(bundle.order.jws) } },
        'order_signature_invalid',
      ],
      [
        'receipt-signature',
        { ...bundle, receipt: { ...bundle.receipt, jws: flip(bundle.receipt.jws) } },
        'receipt_signature_invalid',
      ],
    ];

    await visit(page, '#/verify', 'Check evidence');
    await page.context().setOffline(true); // the checks run in the page: nothing is asked of anyone
    for (const [name, tampered, code] of cases) {
      const file = join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify(tampered));
      await dropFile(page, file);
      await page.locator('.verdict.invalid').filter({ hasText: code }).waitFor();
    }
    await screenshot(page, 'verify-tampered', 'portal');
    await dropFile(page, valid);
    await page.getByText('Evidence valid').waitFor();
    await page.context().setOffline(false);
    expect(pageErrors).toEqual([]);
  });
});

/** Drops `file` on the view, as a person dragging it from their desktop. */
async function dropFile(page: Awaited<ReturnType<typeof openApp>>['page'], file: string): Promise<void> {
  const text = readFileSync(file, 'utf8');
  const name = file.split('/').at(-1)!;
  const transfer = await page.evaluateHandle(
    ([content, fileName]) => {
      const data = new DataTransfer();
      data.items.add(new File([content!], fileName!, { type: 'application/json' }));
      return data;
    },
    [text, name],
  );
  await page.locator('.drop-zone').dispatchEvent('drop', { dataTransfer: transfer });
}
