/// <reference lib="dom" />
/**
 * The OPD console in a real browser (Debian's Chromium, headless, driven by playwright-core) against the real local
 * stack: a clerk works the queue — the evidence checked in the page, valid and tampered —, fulfils, and is neither
 * shown nor allowed a credit; finance credits once however often the button is pressed; the catalogue manager
 * re-prices; the audit view shows both. Screenshots go to screenshots/console/. (Hostile text, accessibility and the
 * keyboard: test/e2e/console-hardening.test.ts.)
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { logIn, openApp, screenshot, visit } from '../helpers/browser.js';
import { chromiumForThisFile, member as memberOf, placeOrder, tampered } from '../helpers/console-e2e.js';
import { call, e2eStackForThisFile, newCustomer, newProduct, staffLogin } from '../helpers/e2e.js';

const e2e = e2eStackForThisFile();
const chromium = chromiumForThisFile();
const member = (staffId: string) => memberOf(e2e, staffId);

describe('a clerk works the queue', () => {
  it('finds an order, checks its evidence (valid, and tampered: invalid with its code), fulfils it; no credit anywhere', async () => {
    await newProduct('CON-Q1', 100, 1250);
    const dana = await newCustomer('con-dana', 'dsa');
    const erin = await newCustomer('con-erin', 'ed25519');
    const first = await placeOrder(dana, 'con-dana', 'CON-Q1', { qty: 2, unitPriceCents: 1250 });
    const second = await placeOrder(erin, 'con-erin', 'CON-Q1', { unitPriceCents: 1250 });
    const clerk = member('clerk');
    const { page, pageErrors, violations } = await openApp(chromium.browser, e2e.stack.apiUrl);
    await screenshot(page, 'login');
    await logIn(page, clerk.staffId, clerk.password);
    await visit(page, '#/queue?customer=con-dana', 'Queue');
    await page.getByRole('link', { name: first }).click();
    await page.getByText('Evidence valid').waitFor();
    expect(await page.locator('.verdict').textContent()).toContain('DS256'); // DSA, which WebCrypto lacks
    await screenshot(page, 'order');
    expect(await page.getByRole('button', { name: 'Download evidence' }).count()).toBe(1);

    // The API's answer tampered with on its way: the page's own check catches it.
    await page.route(`**/admin/orders/${second}`, async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { signature: { jws: string } };
      await route.fulfill({
        response,
        json: { ...body, signature: { ...body.signature, jws: tampered(body.signature.jws) } },
      });
    });
    await visit(page, `#/orders/${second}`, `Order ${second}`);
    await page.getByText('Evidence INVALID').waitFor();
    expect(await page.locator('.verdict').textContent()).toContain('order_signature_invalid');
    await screenshot(page, 'order-tampered');
    await page.unroute(`**/admin/orders/${second}`);
    // Its answer's note (or any field shown) changed, the evidence intact: what the page shows is not what was signed.
    await page.route(`**/admin/orders/${second}*`, async (route) => {
      const response = await route.fetch();
      await route.fulfill({
        response,
        json: { ...((await response.json()) as object), note: 'Leave at the back door' },
      });
    });
    await visit(page, `#/orders/${second}?customer=con-erin`, `Order ${second}`);
    await page.getByText('Evidence INVALID').waitFor();
    expect(await page.locator('.verdict').textContent()).toContain('evidence_view_mismatch');
    await page.unroute(`**/admin/orders/${second}*`);

    await visit(page, `#/orders/${first}`, `Order ${first}`);
    await page.getByRole('button', { name: 'Fulfil…' }).click();
    await page.getByRole('button', { name: 'Confirm: mark fulfilled' }).click();
    await page.getByText(`Order ${first} is now fulfilled`).waitFor();
    await page.getByText('Evidence valid').waitFor(); // checked again, as shown now
    expect(await page.locator('.status').textContent()).toBe('fulfilled');
    expect(await page.getByRole('button', { name: 'Fulfil…' }).count()).toBe(0);
    const stored = await call('GET', `/admin/orders/${first}`, { token: e2e.adminToken });
    expect(stored.body.status).toBe('fulfilled');

    // No credit, re-price or customer view for a clerk: not shown, and not reachable by URL.
    expect(await page.getByRole('link', { name: 'Customers' }).count()).toBe(0);
    await visit(page, '#/products', 'Products');
    expect(await page.getByRole('button', { name: 'Re-price' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Restock' }).count()).toBe(0);
    await page.evaluate(() => {
      location.hash = '#/customer/con-dana';
    });
    await page.getByRole('heading', { level: 1, name: 'Queue' }).waitFor(); // sent to a view it may see
    expect(await page.getByText('Credit or adjust').count()).toBe(0);
    // And the API refuses the request the console would not send.
    const forced = await call('POST', '/admin/customers/con-dana/credit', {
      token: await staffLogin(clerk.staffId, clerk.password),
      body: { amountCents: 100, reference: 'forced' },
      headers: { 'Idempotency-Key': randomBytes(16).toString('base64url') },
    });
    expect(forced.status).toBe(403);
    expect(forced.body).toMatchObject({ error: { code: 'forbidden', permission: 'accounts:credit' } });
    expect(pageErrors).toEqual([]);
    expect(await violations()).toEqual([]);
  });

  it('keeps the token in memory only, sends it only as a header, and Log out ends the session on the OPD', async () => {
    const clerk = member('clerk');
    const { page } = await openApp(chromium.browser, e2e.stack.apiUrl);
    const sent: string[] = [];
    page.on('request', (request) => {
      const authorization = request.headers().authorization;
      if (authorization) sent.push(authorization);
    });
    await logIn(page, clerk.staffId, clerk.password);
    await visit(page, '#/products', 'Products');
    const token = sent.at(-1)?.replace(/^Bearer /, '') ?? '';
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const stored = await page.evaluate(() => ({
      local: JSON.stringify({ ...localStorage }),
      session: JSON.stringify({ ...sessionStorage }),
      cookies: document.cookie,
    }));
    expect(`${stored.local}${stored.session}${stored.cookies}`).not.toContain(token.slice(-20));
    expect((await page.context().cookies()).length).toBe(0);
    expect((await call('GET', '/admin/products', { token })).status).toBe(200);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByText('You are logged out.').waitFor();
    expect((await call('GET', '/admin/products', { token })).status).toBe(401);
  });

  it('checks an evidence file in the page: a tampered one is invalid with its code', async () => {
    await newProduct('CON-F1', 10, 500);
    const fay = await newCustomer('con-fay', 'ec');
    const orderId = await placeOrder(fay, 'con-fay', 'CON-F1', { unitPriceCents: 500 });
    const clerk = member('clerk');
    const { page } = await openApp(chromium.browser, e2e.stack.apiUrl);
    await logIn(page, clerk.staffId, clerk.password);
    await visit(page, `#/orders/${orderId}`, `Order ${orderId}`);
    await page.getByText('Evidence valid').waitFor();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download evidence' }).click();
    const saved = await download;
    expect(saved.suggestedFilename()).toBe(`${orderId}.evidence.json`);
    const bundle = JSON.parse(
      await (await saved.createReadStream()).toArray().then((parts) => Buffer.concat(parts).toString()),
    ) as {
      receipt: { jws: string };
    };
    await visit(page, '#/verify', 'Check evidence');
    await page.getByLabel('Evidence file').setInputFiles({
      name: 'good.evidence.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(bundle)),
    });
    await page.getByText('Evidence valid').waitFor();
    await page.getByLabel('Evidence file').setInputFiles({
      name: 'bad.evidence.json',
      mimeType: 'application/json',
      buffer: Buffer.from(
        JSON.stringify({ ...bundle, receipt: { ...bundle.receipt, jws: tampered(bundle.receipt.jws) } }),
      ),
    });
    await page.getByText('Evidence INVALID').waitFor();
    expect(await page.locator('.verdict').textContent()).toContain('receipt_signature_invalid');
    await screenshot(page, 'verify-file');
  });
});

describe('finance and the catalogue manager', () => {
  it('finance credits once, even with a double click; the catalogue manager re-prices; the audit shows both', async () => {
    await newProduct('CON-P1', 40, 1250);
    await newCustomer('con-gus', 'ed25519', 0);
    const finance = member('finance');
    const money = await openApp(chromium.browser, e2e.stack.apiUrl);
    await logIn(money.page, finance.staffId, finance.password);
    await visit(money.page, '#/customer/con-gus', 'Customer con-gus');
    await money.page.getByLabel('Amount').fill('100.00');
    await money.page.getByLabel('Reference').fill('goodwill 4711');
    // The first answer is lost on its way back (the OPD did apply it); the person presses Apply again, twice.
    let lost = 0;
    await money.page.route('**/admin/customers/con-gus/credit', async (route) => {
      if (lost++ > 0) return route.continue();
      await route.fetch(); // the OPD applies it…
      await route.abort('connectionreset'); // …and the answer never arrives
    });
    await money.page.getByRole('button', { name: 'Apply' }).click();
    await money.page.getByText('[network]').waitFor();
    await money.page.getByRole('button', { name: 'Apply' }).dblclick();
    await money.page.getByText('USD 100.00', { exact: true }).first().waitFor();
    await money.page.locator('table', { hasText: 'Ledger' }).getByText('goodwill 4711').waitFor();
    await screenshot(money.page, 'customer');
    expect(await money.page.locator('table', { hasText: 'Ledger' }).getByText('goodwill 4711').count()).toBe(1);
    const ledger = await call('GET', '/admin/customers/con-gus', { token: e2e.adminToken });
    const credits = (ledger.body.ledger as Array<{ reference?: string; amountCents: number }>).filter(
      (entry) => entry.reference === 'goodwill 4711',
    );
    expect(credits).toEqual([expect.objectContaining({ amountCents: 10_000 })]);
    expect(ledger.body.balanceCents).toBe(10_000);

    const catalog = member('catalog');
    const goods = await openApp(chromium.browser, e2e.stack.apiUrl);
    await logIn(goods.page, catalog.staffId, catalog.password);
    await visit(goods.page, '#/products', 'Products');
    const price = goods.page.getByLabel(/New price of CON-P1 \(now USD 12\.50\)/);
    await price.fill('13.50');
    await price.press('Enter');
    await goods.page.getByText('CON-P1 re-priced: USD 12.50 → USD 13.50.').waitFor();
    await screenshot(goods.page, 'products');

    // Finance may read the audit: both changes, who made them, before → after.
    await visit(money.page, '#/audit?target=CON-P1', 'Audit trail');
    const priceRow = money.page.locator('tr', { hasText: 'product.update' });
    await priceRow.first().waitFor();
    expect(await priceRow.first().textContent()).toContain('priceCents 1250 → 1350');
    expect(await priceRow.first().textContent()).toContain('catalog (catalog)');
    await visit(money.page, '#/audit?target=con-gus', 'Audit trail');
    const creditRow = money.page.locator('tr', { hasText: 'account.credit' });
    await creditRow.first().waitFor();
    expect(await creditRow.first().textContent()).toMatch(
      /finance \(finance\).*balanceCents 0 → 10000.*amountCents 10000/,
    );
    await screenshot(money.page, 'audit');
    expect(money.pageErrors).toEqual([]);
    expect(await money.violations()).toEqual([]);
  });
});

describe('the rest of the day’s work', () => {
  it('cancel with a reason, restock, add a product, add a staff member and disable them: each done once, as asked', async () => {
    await newProduct('CON-R1', 5, 200);
    const olga = await newCustomer('con-olga', 'ed25519');
    const orderId = await placeOrder(olga, 'con-olga', 'CON-R1', { qty: 2, unitPriceCents: 200 });
    const admin = member('opd-admin');
    const { page, pageErrors, violations } = await openApp(chromium.browser, e2e.stack.apiUrl);
    await logIn(page, admin.staffId, admin.password);

    await visit(page, `#/orders/${orderId}`, `Order ${orderId}`);
    await page.getByRole('button', { name: 'Cancel order…' }).click();
    await page.getByLabel('Reason (the customer reads it)').fill('Out of stock at the depot');
    await page.getByRole('button', { name: 'Confirm: cancel the order' }).click();
    await page.getByText(`Order ${orderId} is now cancelled`).waitFor();
    await page.getByText('Evidence valid').waitFor();
    expect(await page.locator('.verdict').textContent()).toMatch(/Cancellation receipt.*by opd, refund USD 4\.00/);
    expect(await page.locator('.reason').textContent()).toBe('Out of stock at the depot');
    await screenshot(page, 'order-cancelled');
    const cancelled = await call('GET', `/admin/orders/${orderId}`, { token: e2e.adminToken });
    expect(cancelled.body).toMatchObject({
      status: 'cancelled',
      cancellation: { by: 'opd', reason: 'Out of stock at the depot' },
    });

    await visit(page, '#/products', 'Products');
    await page.getByLabel(/Units of CON-R1 to add to its stock of 5/).fill('10'); // 5 − 2 ordered + 2 back
    await page.getByLabel(/Units of CON-R1/).press('Enter');
    await page.getByText('CON-R1 restocked: +10 units.').waitFor();
    await page.getByLabel('SKU', { exact: true }).fill('CON-NEW');
    await page.getByLabel('Name', { exact: true }).fill('Console-made widget');
    await page.getByLabel('Price (USD)').fill('3.25');
    await page.getByLabel('Stock', { exact: true }).fill('12');
    await page.getByRole('button', { name: 'Add product' }).click();
    await page.getByText('CON-NEW added at USD 3.25, stock 12.').waitFor();
    const catalogue = (await call('GET', '/admin/products', { token: e2e.adminToken })).body.products as Array<{
      sku: string;
      stock: number;
      priceCents: number;
    }>;
    expect(catalogue.find((product) => product.sku === 'CON-R1')?.stock).toBe(15);
    expect(catalogue.find((product) => product.sku === 'CON-NEW')).toMatchObject({ stock: 12, priceCents: 325 });

    await visit(page, '#/staff', 'Staff');
    await page.getByLabel('Staff ID').fill('con-packer');
    await page.getByLabel('Email').fill('packer@opd.test');
    await page.getByLabel(/Initial password/).fill('a console-made password 9');
    await page.getByLabel('clerk').check();
    await page.getByRole('button', { name: 'Add staff member' }).click();
    await page.getByRole('heading', { level: 1, name: 'Staff member con-packer' }).waitFor();
    expect(await page.locator('dl.facts').textContent()).toContain('orders:fulfil');
    await page.getByRole('button', { name: 'Disable…' }).click();
    await page.getByRole('button', { name: 'Confirm: disable con-packer' }).click();
    await page.getByRole('button', { name: 'Re-enable' }).waitFor();
    const packer = await call('GET', '/admin/staff/con-packer', { token: e2e.adminToken });
    expect(packer.body).toMatchObject({ roles: ['clerk'], disabled: true });
    expect(
      (await call('POST', '/staff/login', { body: { staffId: 'con-packer', password: 'a console-made password 9' } }))
        .status,
    ).toBe(403);
    expect(pageErrors).toEqual([]);
    expect(await violations()).toEqual([]);
  });
});
