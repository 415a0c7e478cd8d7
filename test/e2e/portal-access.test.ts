/// <reference lib="dom" />
/**
 * The portal for everyone, in Chromium against the real local stack: every view passes axe-core; a customer orders
 * with the keyboard alone, from login to the receipt; hostile catalogue and note text renders as inert text; and the
 * time from opening the page to an accepted order for a new customer (median of 5, written to
 * screenshots/portal/timing.json for the record — measured, never asserted).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { showable } from '../../shared/display.js';
import { accessibilityProblems, layoutHolds, logIn, openApp, screenshot, tabTo, visit } from '../helpers/browser.js';
import { chromiumForThisFile } from '../helpers/console-e2e.js';
import { call, e2eStackForThisFile, newProduct, PASSWORD, stockOf } from '../helpers/e2e.js';
import { HOSTILE_LINES, HOSTILE_NOTES } from '../helpers/hostile.js';
import { keylessCustomer, makeKeyInPage, orderCart, putInCart } from '../helpers/portal-e2e.js';

const e2e = e2eStackForThisFile();
const chromium = chromiumForThisFile();
const CUSTOMER = 'Customer ID';

describe('accessibility and the keyboard', () => {
  it('every view passes axe-core (no serious or critical violation); screenshots of each', async () => {
    await newProduct('POR-X1', 10, 700);
    await keylessCustomer(e2e, 'por-ida');
    const { page } = await openApp(chromium.browser, e2e.stack.apiUrl, 'portal');
    const problems: Record<string, string[]> = { login: await accessibilityProblems(page) };
    await logIn(page, 'por-ida', PASSWORD, CUSTOMER);
    await visit(page, '#/keys', 'Keys');
    problems['keys-none'] = await accessibilityProblems(page);
    await visit(page, '#/cart', 'Cart');
    problems['cart-empty'] = await accessibilityProblems(page);
    await makeKeyInPage(page);
    await putInCart(page, 'POR-X1', 2);
    await visit(page, '#/cart', 'Cart');
    problems['cart-first-use'] = await accessibilityProblems(page);
    await screenshot(page, 'cart-first-use', 'portal');
    const orderId = await orderCart(page, 'Ring twice');
    problems.accepted = await accessibilityProblems(page);
    const views: Array<[string, string, string | RegExp]> = [
      ['catalogue', '#/catalogue', 'Catalogue'],
      ['orders', '#/orders', 'Orders'],
      ['order', `#/orders/${orderId}`, `Order ${orderId}`],
      ['account', '#/account', 'Account'],
      ['keys-held', '#/keys', 'Keys'],
      ['verify', '#/verify', 'Check evidence'],
    ];
    for (const [name, hash, heading] of views) {
      await visit(page, hash, heading);
      await page.waitForLoadState('networkidle');
      if (name === 'order') await page.getByText('Evidence valid').waitFor();
      problems[name] = await accessibilityProblems(page);
      await screenshot(page, name, 'portal');
    }
    expect(problems).toEqual(Object.fromEntries(Object.keys(problems).map((name) => [name, []])));
  });

  it('login → key → cart → signed order with the keyboard alone', async () => {
    await newProduct('POR-K1', 10, 300);
    const { token } = await keylessCustomer(e2e, 'por-jon');
    const { page } = await openApp(chromium.browser, e2e.stack.apiUrl, 'portal');
    await page.getByLabel(CUSTOMER).waitFor();
    await page.keyboard.type('por-jon'); // the login form takes the focus
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Catalogue' }).waitFor();

    await tabTo(page, 'Keys');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Keys' }).waitFor();
    await tabTo(page, /^Ed25519/); // the algorithm's select: Ed25519 is chosen
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByText(/is made in this browser and registered with the OPD/).waitFor({ timeout: 30_000 });

    await tabTo(page, 'Catalogue');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Catalogue' }).waitFor();
    for (let presses = 0; presses < 200; presses++) {
      await page.keyboard.press('Tab');
      if ((await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))) === 'Quantity of POR-K1')
        break;
    }
    await page.keyboard.press('Control+A');
    await page.keyboard.type('2');
    await page.keyboard.press('Tab'); // its "Put in cart"
    await page.keyboard.press('Enter');
    await page.getByText('2 × POR-K1 in the cart').waitFor();
    await tabTo(page, 'Go to the cart', 200);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Cart' }).waitFor();
    await tabTo(page, /^Sign and send order for USD 6\.00$/);
    await page.keyboard.press('Enter');
    await page.getByText(/^Order \S+ accepted\. The OPD's receipt was checked in this browser\.$/).waitFor();
    expect(await stockOf('POR-K1', token)).toBe(8);
  });
});

describe('passwords', () => {
  it('a wrong password is refused in the API’s words; a reset one must be changed first; a change ends the old one', async () => {
    await keylessCustomer(e2e, 'por-liv');
    const reset = await call('POST', '/admin/customers/por-liv/password-reset', { token: e2e.adminToken });
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);
    const { page } = await openApp(chromium.browser, e2e.stack.apiUrl, 'portal');
    // A wrong password: the API's words, as po prints them — the lockout rule included, and the code.
    await page.getByLabel(CUSTOMER).fill('por-liv');
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Log in' }).click();
    const refusal = page.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(
      /^the customer ID or password is wrong, or the account is locked: after 5 failed attempts the account is locked for 15 minutes.* \[invalid_credentials\]$/,
    );
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    await page.getByLabel(CUSTOMER).fill('por-liv');
    await page.getByLabel('Password').fill(reset.body.oneTimePassword as string);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Choose a new password' }).waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    const chosen = 'a chosen password 77';
    await page.getByLabel('One-time password').fill(reset.body.oneTimePassword as string);
    await page.getByLabel('New password').fill(chosen);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('heading', { level: 1, name: 'Catalogue' }).waitFor();

    const again = 'another password 88';
    await visit(page, '#/account', 'Account');
    // A wrong current password is refused in the form; the session goes on.
    await page.getByLabel('Current password').fill('not the current one');
    await page.getByLabel('New password').fill(again);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('alert').filter({ hasText: '[invalid_credentials]' }).waitFor();
    expect(await page.getByRole('button', { name: 'Log out' }).count()).toBe(1);
    await page.getByLabel('Current password').fill(chosen);
    await page.getByLabel('New password').fill(again);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed.').waitFor();
    expect(await page.getByLabel('Current password').inputValue()).toBe(''); // not left in the page
    expect((await call('POST', '/login', { body: { customerId: 'por-liv', password: chosen } })).status).toBe(401);
    expect((await call('POST', '/login', { body: { customerId: 'por-liv', password: again } })).status).toBe(200);
  });
});

describe('hostile text renders as inert text', () => {
  it('in product names and notes: no script runs, no CSP violation, the layout holds', async () => {
    for (const [index, name] of HOSTILE_LINES.entries())
      expect(
        (
          await call('POST', '/admin/products', {
            token: e2e.adminToken,
            body: { sku: `POR-H${index}`, name, priceCents: 100, stock: 50 },
          })
        ).status,
      ).toBe(201);
    await keylessCustomer(e2e, 'por-kim');
    const session = await openApp(chromium.browser, e2e.stack.apiUrl, 'portal');
    const { page } = session;
    await logIn(page, 'por-kim', PASSWORD, CUSTOMER);
    await makeKeyInPage(page);
    await visit(page, '#/catalogue', 'Catalogue');
    const catalogue = (await page.locator('table').textContent()) ?? '';
    for (const name of HOSTILE_LINES) expect(catalogue).toContain(name);
    await screenshot(page, 'hostile-catalogue', 'portal');
    for (const [index, note] of HOSTILE_NOTES.entries()) {
      await putInCart(page, `POR-H${index % HOSTILE_LINES.length}`, 1);
      const orderId = await orderCart(page, note);
      await visit(page, `#/orders/${orderId}`, `Order ${orderId}`);
      await page.getByText('Evidence valid').waitFor();
      // As po and the emails show it (shared/display.ts): an override or a mark is shown as \u{…}, never obeyed.
      expect(await page.locator('.note').textContent()).toBe(showable(note));
      if (index === 0) await screenshot(page, 'hostile-order-rtl', 'portal');
    }
    expect(await session.pwned()).toBe(false);
    expect(session.dialogs).toEqual([]);
    expect(session.pageErrors).toEqual([]);
    expect(await session.violations()).toEqual([]);
    expect(await layoutHolds(page)).toBe(true);
    expect(await page.locator('main').locator('img, svg, iframe, script, object').count()).toBe(0);
  });
});

describe('time to a first order', () => {
  it('from opening the page to an accepted order, for a new customer: median of 5 (measured, not asserted)', async () => {
    await newProduct('POR-M1', 100, 150);
    const times: number[] = [];
    for (let run = 0; run < 5; run++) {
      await keylessCustomer(e2e, `por-new-${run}`);
      const started = performance.now();
      const { page } = await openApp(chromium.browser, e2e.stack.apiUrl, 'portal');
      await logIn(page, `por-new-${run}`, PASSWORD, CUSTOMER);
      await makeKeyInPage(page);
      await putInCart(page, 'POR-M1', 1);
      await orderCart(page);
      times.push(Math.round(performance.now() - started));
      await page.context().close();
    }
    const median = [...times].sort((a, b) => a - b)[2]!;
    mkdirSync('screenshots/portal', { recursive: true });
    writeFileSync(
      'screenshots/portal/timing.json',
      `${JSON.stringify({ runsMs: times, medianMs: median }, null, 2)}\n`,
    );
    console.log(
      `portal: page opened → accepted order for a new customer, 5 runs (ms): ${times.join(', ')}; median ${median}`,
    );
    // Each run was a real order, taken by the OPD: five units of stock are gone.
    expect(await stockOf('POR-M1', e2e.adminToken)).toBe(95);
  });
});
