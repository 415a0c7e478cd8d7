/// <reference lib="dom" />
/**
 * The OPD console in a real browser (Debian's Chromium, headless, driven by playwright-core) against the real local
 * stack: a clerk works the queue — the evidence checked in the page, valid and tampered —, fulfils by mouse and by
 * keyboard alone, and is neither shown nor allowed a credit; finance credits once however often the button is
 * pressed; the catalogue manager re-prices; the audit view shows both; hostile text from every source renders as
 * inert text; every view passes axe-core's audit. Screenshots of every view go to screenshots/console/.
 */
import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../../contract/console.js';
import {
  accessibilityProblems,
  launchChromium,
  layoutHolds,
  logIn,
  openConsole,
  screenshot,
  tabTo,
  visit,
} from '../helpers/browser.js';
import { call, e2eStackForThisFile, newCustomer, newProduct, seal, staffLogin } from '../helpers/e2e.js';

const e2e = e2eStackForThisFile();
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

const member = (staffId: string) => {
  const found = e2e.stack.staff.find((candidate) => candidate.staffId === staffId);
  if (!found) throw new Error(`no demo staff member ${staffId}`);
  return found;
};

/** Places an order for `customerId` through the API; returns its ID. */
async function placeOrder(
  customer: Awaited<ReturnType<typeof newCustomer>>,
  customerId: string,
  sku: string,
  extra: { note?: string; qty?: number; unitPriceCents?: number } = {},
): Promise<string> {
  const placed = await call('POST', '/orders', {
    token: customer.token,
    body: {
      envelope: seal(
        customerId,
        customer.signer,
        [
          {
            sku,
            qty: extra.qty ?? 1,
            ...(extra.unitPriceCents === undefined ? {} : { unitPriceCents: extra.unitPriceCents }),
          },
        ],
        extra.note === undefined ? {} : { note: extra.note },
      ),
    },
  });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  return placed.body.orderId as string;
}

/** A compact JWS with one character of its signature changed. */
const tampered = (jws: string) => `${jws.slice(0, -2)}${jws.at(-2) === 'A' ? 'B' : 'A'}${jws.at(-1)}`;

describe('the console, served', () => {
  it('serves its page and assets with the CSP and the security headers, and nothing else under /console/', async () => {
    const page = await fetch(`${e2e.stack.apiUrl}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await page.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/); // no inline script
    expect(html).not.toMatch(/\sstyle=|<style/); // no inline style
    const script = await fetch(`${e2e.stack.apiUrl}/console/console.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    const source = await script.text();
    expect(source).not.toMatch(
      /\.innerHTML\s*=|outerHTML\s*=|insertAdjacentHTML|document\.write\(|\beval\(|new Function\(/,
    );
    expect((await fetch(`${e2e.stack.apiUrl}/console/..%2fpackage.json`)).status).toBe(404);
    expect((await fetch(`${e2e.stack.apiUrl}/console/secret.txt`)).status).toBe(404);
  });
});

describe('a clerk works the queue', () => {
  it('finds an order, checks its evidence (valid, and tampered: invalid with its code), fulfils it; no credit anywhere', async () => {
    await newProduct('CON-Q1', 100, 1250);
    const dana = await newCustomer('con-dana', 'dsa');
    const erin = await newCustomer('con-erin', 'ed25519');
    const first = await placeOrder(dana, 'con-dana', 'CON-Q1', { qty: 2, unitPriceCents: 1250 });
    const second = await placeOrder(erin, 'con-erin', 'CON-Q1', { unitPriceCents: 1250 });
    const clerk = member('clerk');
    const { page, pageErrors, violations } = await openConsole(browser, e2e.stack.apiUrl);
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

    await visit(page, `#/orders/${first}`, `Order ${first}`);
    await page.getByRole('button', { name: 'Fulfil…' }).click();
    await page.getByRole('button', { name: 'Confirm: mark fulfilled' }).click();
    await page.getByText(`Order ${first} is now fulfilled.`).waitFor();
    const afterVerdict = await page.locator('.outcome .verdict').textContent();
    expect(afterVerdict).toContain('Evidence valid');
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

  it('checks an evidence file in the page: a tampered one is invalid with its code', async () => {
    await newProduct('CON-F1', 10, 500);
    const fay = await newCustomer('con-fay', 'ec');
    const orderId = await placeOrder(fay, 'con-fay', 'CON-F1', { unitPriceCents: 500 });
    const clerk = member('clerk');
    const { page } = await openConsole(browser, e2e.stack.apiUrl);
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
    const money = await openConsole(browser, e2e.stack.apiUrl);
    await logIn(money.page, finance.staffId, finance.password);
    await visit(money.page, '#/customer/con-gus', 'Customer con-gus');
    await money.page.getByLabel('Amount').fill('100.00');
    await money.page.getByLabel('Reference').fill('goodwill 4711');
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
    const goods = await openConsole(browser, e2e.stack.apiUrl);
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

/** Hostile text: markup and script in every spelling, bidirectional overrides, separators, template syntax. */
const HOSTILE_LINES = [
  '<script>window.__pwned=1</script>',
  '<img src=x onerror="window.__pwned=1">',
  '"><svg onload="window.__pwned=1">',
  `'><iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>`,
  'javascript:window.__pwned=1',
  '{{constructor.constructor("window.__pwned=1")()}} ${window.__pwned=1}',
  '&lt;b&gt;not bold&lt;/b&gt; &amp; <b>not bold either</b>',
];
/** What only a note may hold (one-line fields refuse them): an RTL override, line and paragraph separators. */
const HOSTILE_NOTES = ['RTL \u202Egnp.exe\u202C end', 'line\u2028separator\u2029paragraph', ...HOSTILE_LINES];

describe('hostile text renders as inert text', () => {
  it('in notes, reasons, references, product names and URLs: no script runs, no CSP violation but those provoked, the layout holds', async () => {
    const mallory = await newCustomer('con-mallory', 'ed25519');
    await newProduct('CON-H1', 100, 100);
    const orders: Array<{ id: string; note: string }> = [];
    for (const note of HOSTILE_NOTES)
      orders.push({ id: await placeOrder(mallory, 'con-mallory', 'CON-H1', { note }), note });
    // Text the rules refuse never reaches the console: a lone surrogate, a note of 10 KB (po, the OPD and the
    // verifier share the rule: shared/text.ts, shared/rules.ts; the OPD's own refusal is tested in the envelope suites).
    for (const note of ['lone \uD800 surrogate', 'x'.repeat(10 * 1024)])
      expect(() => seal('con-mallory', mallory.signer, [{ sku: 'CON-H1', qty: 1 }], { note })).toThrow(
        expect.objectContaining({ code: 'claims_invalid' }),
      );
    await newCustomer('con-nina', 'ed25519', 0); // credited with hostile references only: one page of ledger
    const admin = member('opd-admin');
    const adminToken = await staffLogin(admin.staffId, admin.password);
    for (const [index, text] of HOSTILE_LINES.entries()) {
      const reply = await call('POST', `/admin/orders/${orders[index + 2]!.id}/cancel`, {
        token: adminToken,
        body: { reason: text },
      });
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      const credit = await call('POST', '/admin/customers/con-nina/credit', {
        token: adminToken,
        body: { amountCents: 1, reference: text },
        headers: { 'Idempotency-Key': randomBytes(16).toString('base64url') },
      });
      expect(credit.status, JSON.stringify(credit.body)).toBe(201);
      expect(
        (
          await call('POST', '/admin/products', {
            token: adminToken,
            body: { sku: `CON-X${index}`, name: text, priceCents: 1, stock: 1 },
          })
        ).status,
      ).toBe(201);
    }

    const session = await openConsole(browser, e2e.stack.apiUrl);
    const { page } = session;
    await logIn(page, admin.staffId, admin.password);
    for (const [index, { id, note }] of orders.entries()) {
      await visit(page, `#/orders/${id}`, `Order ${id}`);
      await page.getByText(/Evidence (valid|INVALID)/).waitFor();
      expect(await page.locator('.note').textContent()).toBe(note);
      expect(await page.locator('.verdict').textContent()).toContain('Evidence valid');
      if (index >= 2) expect(await page.locator('main').textContent()).toContain(HOSTILE_LINES[index - 2]);
      if (index === 0) await screenshot(page, 'hostile-order-rtl');
    }
    await visit(page, '#/customer/con-nina', 'Customer con-nina');
    const ledger = (await page.locator('table', { hasText: 'Ledger' }).textContent()) ?? '';
    for (const text of HOSTILE_LINES) expect(ledger).toContain(text);
    await screenshot(page, 'hostile-customer');
    await visit(page, '#/products', 'Products');
    const catalogue = (await page.locator('main').textContent()) ?? '';
    for (const text of HOSTILE_LINES) expect(catalogue).toContain(text);
    await visit(page, '#/audit?action=order.cancel', 'Audit trail');
    await page.locator('tr', { hasText: 'order.cancel' }).first().waitFor();
    const trail = (await page.locator('main').textContent()) ?? '';
    for (const text of HOSTILE_LINES) expect(trail).toContain(text);
    await screenshot(page, 'hostile-audit');
    // Hostile and huge text in the URL: the API refuses it, the page says so as text.
    const huge = `${'<img src=x onerror="window.__pwned=1">'.repeat(300)}${'A'.repeat(10 * 1024)}`;
    await page.evaluate(
      (target) => {
        location.hash = target;
      },
      `#/orders/${encodeURIComponent(huge)}`,
    );
    await page.getByRole('alert').first().waitFor();
    expect(await layoutHolds(page)).toBe(true);
    await page.evaluate(() => {
      location.hash = '#/customer/%E0%A4%A';
    });
    await page.getByRole('alert').first().waitFor();
    await visit(page, `#/audit?target=${encodeURIComponent(huge.slice(0, 4000))}`, 'Audit');
    await page.getByRole('alert').first().waitFor();
    expect(await layoutHolds(page)).toBe(true);

    for (const hash of [
      '#/orders/' + orders[0]!.id,
      '#/customer/con-mallory',
      '#/products',
      '#/audit?action=order.cancel',
    ]) {
      await visit(page, hash, /.+/);
      await page.waitForLoadState('networkidle');
      expect(await layoutHolds(page), `${hash} is wider than the window`).toBe(true);
    }
    expect(await page.locator('main img, main svg, main iframe, main script, main object').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(1); // the console's own module, nothing else
    expect(await session.pwned()).toBe(false);
    expect(session.dialogs).toEqual([]);
    expect(session.pageErrors).toEqual([]);
    expect(await session.violations()).toEqual([]);

    // Provoked on purpose: markup written as HTML, and a script element given a source. Trusted Types refuse both.
    const provoked = await page.evaluate(() => {
      const refused: string[] = [];
      try {
        document.body.innerHTML = '<img src=x onerror="window.__pwned=1">';
      } catch (error) {
        refused.push((error as Error).name);
      }
      try {
        const script = document.createElement('script');
        script.src = 'data:text/javascript,window.__pwned=1';
        document.body.append(script);
      } catch (error) {
        refused.push((error as Error).name);
      }
      return refused;
    });
    expect(provoked).toEqual(['TypeError', 'TypeError']);
    await page.waitForTimeout(200);
    expect(await session.pwned()).toBe(false);
    expect((await session.violations()).map((violation) => violation.directive)).toEqual([
      'require-trusted-types-for',
      'require-trusted-types-for',
    ]);
  });
});

describe('accessibility and the keyboard', () => {
  it('every view passes axe-core (no serious or critical violation); screenshots of each', async () => {
    const hana = await newCustomer('con-hana', 'rsa');
    await newProduct('CON-A1', 10, 700);
    const orderId = await placeOrder(hana, 'con-hana', 'CON-A1', { unitPriceCents: 700, note: 'Ring twice' });
    const admin = member('opd-admin');
    const { page } = await openConsole(browser, e2e.stack.apiUrl);
    const problems: Record<string, string[]> = { login: await accessibilityProblems(page) };
    await logIn(page, admin.staffId, admin.password);
    const views: Array<[string, string, string | RegExp]> = [
      ['queue', '#/queue', 'Queue'],
      ['order-admin', `#/orders/${orderId}`, `Order ${orderId}`],
      ['customers', '#/customers', 'Customers'],
      ['customer-admin', '#/customer/con-hana', 'Customer con-hana'],
      ['products-admin', '#/products', 'Products'],
      ['mail', '#/mail', 'Mail'],
      ['mail-failed', '#/mail?status=failed', 'Mail'],
      ['audit-all', '#/audit', 'Audit trail'],
      ['staff', '#/staff', 'Staff'],
      ['staff-member', '#/member/clerk', 'Staff member clerk'],
      ['verify', '#/verify', 'Check evidence'],
    ];
    for (const [name, hash, heading] of views) {
      await visit(page, hash, heading);
      await page.waitForLoadState('networkidle');
      if (name === 'order-admin') await page.getByText('Evidence valid').waitFor();
      problems[name] = await accessibilityProblems(page);
      await screenshot(page, name);
    }
    expect(problems).toEqual(Object.fromEntries(Object.keys(problems).map((name) => [name, []])));
  });

  it('queue → order → fulfil with the keyboard alone', async () => {
    const ivan = await newCustomer('con-ivan', 'ec');
    await newProduct('CON-K1', 10, 300);
    const orderId = await placeOrder(ivan, 'con-ivan', 'CON-K1', { unitPriceCents: 300 });
    const clerk = member('clerk');
    const { page } = await openConsole(browser, e2e.stack.apiUrl);
    await page.getByLabel('Staff ID').waitFor();
    await page.keyboard.type(clerk.staffId); // the login form takes the focus
    await page.keyboard.press('Tab');
    await page.keyboard.type(clerk.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Queue' }).waitFor();
    await tabTo(page, orderId, 60);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: `Order ${orderId}` }).waitFor();
    await page.getByText('Evidence valid').waitFor();
    await tabTo(page, 'Fulfil…');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Confirm: mark fulfilled');
    await page.keyboard.press('Enter');
    await page.getByText(`Order ${orderId} is now fulfilled.`).waitFor();
    const stored = await call('GET', `/admin/orders/${orderId}`, { token: e2e.adminToken });
    expect(stored.body.status).toBe('fulfilled');
  });
});
