/// <reference lib="dom" />
/**
 * The OPD console in a real browser (Debian's Chromium, headless, driven by playwright-core) against the real local
 * stack, for what no staff member should ever notice: the page's headers and CSP, hostile text from every source renders as inert text, every
 * view passes axe-core's audit, and the day's main flow works with the keyboard alone. Screenshots go to
 * screenshots/console/. (The staff's work itself: test/e2e/console.test.ts.)
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WEB_CSP } from '../../contract/web-apps.js';
import { showable } from '../../shared/display.js';
import { accessibilityProblems, layoutHolds, logIn, openApp, screenshot, tabTo, visit } from '../helpers/browser.js';
import { HOSTILE_LINES, HOSTILE_NOTES } from '../helpers/hostile.js';
import { chromiumForThisFile, member as memberOf, placeOrder } from '../helpers/console-e2e.js';
import { call, e2eStackForThisFile, newCustomer, newProduct, seal, staffLogin } from '../helpers/e2e.js';

const e2e = e2eStackForThisFile();
const chromium = chromiumForThisFile();
const member = (staffId: string) => memberOf(e2e, staffId);

describe('the console, served', () => {
  it('serves its page and assets with the CSP and the security headers, and nothing else under /console/', async () => {
    const page = await fetch(`${e2e.stack.apiUrl}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(WEB_CSP);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await page.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/); // no inline script
    expect(html).not.toMatch(/\sstyle=|<style/); // no inline style
    const script = await fetch(`${e2e.stack.apiUrl}/console/console.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('content-security-policy')).toBe(WEB_CSP);
    const source = await script.text();
    expect(source).not.toMatch(
      /\.innerHTML\s*=|outerHTML\s*=|insertAdjacentHTML|document\.write\(|\beval\(|new Function\(/,
    );
    expect((await fetch(`${e2e.stack.apiUrl}/console/..%2fpackage.json`)).status).toBe(404);
    expect((await fetch(`${e2e.stack.apiUrl}/console/secret.txt`)).status).toBe(404);
  });
});

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
        body: { reason: `Reason ${index}: ${text}` }, // not the note's text: each must be found where it belongs
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

    const session = await openApp(chromium.browser, e2e.stack.apiUrl);
    const { page } = session;
    await logIn(page, admin.staffId, admin.password);
    for (const [index, { id, note }] of orders.entries()) {
      await visit(page, `#/orders/${id}`, `Order ${id}`);
      await page.getByText(/Evidence (valid|INVALID)/).waitFor();
      // As po and the emails show it (shared/display.ts): an override or a mark is shown as \u{…}, never obeyed.
      expect(await page.locator('.note').textContent()).toBe(showable(note));
      expect(await page.locator('.verdict').textContent()).toContain('Evidence valid');
      if (index >= 2)
        expect(await page.locator('.reason').textContent()).toBe(`Reason ${index - 2}: ${HOSTILE_LINES[index - 2]}`);
      if (index === 0) {
        expect(await page.locator('.note').textContent()).toBe('RTL \\u{202E}gnp.exe\\u{202C} end');
        await screenshot(page, 'hostile-order-rtl');
      }
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
    const { page } = await openApp(chromium.browser, e2e.stack.apiUrl);
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
    const { page } = await openApp(chromium.browser, e2e.stack.apiUrl);
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
    await page.getByText(`Order ${orderId} is now fulfilled`).waitFor();
    const stored = await call('GET', `/admin/orders/${orderId}`, { token: e2e.adminToken });
    expect(stored.body.status).toBe('fulfilled');
  });
});
