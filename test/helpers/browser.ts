/// <reference lib="dom" />
/**
 * The browser suites' harness: Debian's Chromium (`/usr/bin/chromium`, or `PO_CHROMIUM`), driven headless by
 * playwright-core — no browser is downloaded — with the flags this kind of machine needs, a fresh profile per
 * launch; a page of a web app (the console, the portal) that records what must never happen (a script of the data's running, an alert, a
 * page error, a Content-Security-Policy violation); an accessibility audit by axe-core; screenshots for people.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';

/** Where Debian's package puts Chromium; `PO_CHROMIUM` names another. */
export const CHROMIUM = process.env.PO_CHROMIUM ?? '/usr/bin/chromium';

/** Headless Chromium as root on a machine with no network beyond loopback (playwright gives each launch a new profile). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A CSP violation as the page reported it. */
export interface Violation {
  readonly directive: string;
  readonly blocked: string;
  readonly sample: string;
}

/** A web app's page and what it recorded. */
export interface AppPage {
  readonly page: Page;
  readonly pageErrors: string[];
  readonly dialogs: string[];
  /** The CSP violations the page reported so far. */
  readonly violations: () => Promise<Violation[]>;
  /** Whether any injected script ran (hostile strings set `window.__pwned`). */
  readonly pwned: () => Promise<boolean>;
}

/** Opens a web app (the console unless told) at `apiUrl`/`app`/ in a new context (its own storage) of `browser`. */
export async function openApp(
  browser: Browser,
  apiUrl: string,
  app: 'console' | 'portal' = 'console',
): Promise<AppPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  const dialogs: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  // Playwright's init scripts run outside the page's CSP: this listener records every violation the page reports.
  await page.addInitScript(() => {
    const seen: Array<{ directive: string; blocked: string; sample: string }> = [];
    (window as unknown as { __violations: typeof seen }).__violations = seen;
    document.addEventListener('securitypolicyviolation', (event) =>
      seen.push({ directive: event.violatedDirective, blocked: event.blockedURI, sample: event.sample }),
    );
  });
  await page.goto(`${apiUrl}/${app}/`);
  return {
    page,
    pageErrors,
    dialogs,
    violations: () => page.evaluate(() => (window as unknown as { __violations: Violation[] }).__violations),
    pwned: () => page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned !== undefined),
  };
}

/** Logs in through an app's form (the console's unless the ID is a customer's) and waits for the first view. */
export async function logIn(page: Page, id: string, password: string, idLabel = 'Staff ID'): Promise<void> {
  await page.getByLabel(idLabel).fill(id);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

/** Goes to a view (`#/queue`…) and waits for its heading. */
export async function visit(page: Page, hash: string, heading: string | RegExp): Promise<void> {
  await page.evaluate((target) => {
    location.hash = target;
  }, hash);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

/** Writes a screenshot of the whole page to screenshots/`app`/`name`.png (git-ignored), for people to look at. */
export async function screenshot(page: Page, name: string, app: 'console' | 'portal' = 'console'): Promise<void> {
  const folder = join('screenshots', app);
  mkdirSync(folder, { recursive: true });
  await page.screenshot({ path: join(folder, `${name}.png`), fullPage: true });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical violations on the page as it is (WCAG 2.1 A and AA rules, and best practices). */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, outside the page's CSP (the page itself could not load it).
  await page.evaluate(axeSource);
  const results = await page.evaluate(() =>
    (
      window as unknown as {
        axe: {
          run(
            context: Document,
            options: object,
          ): Promise<{
            violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown }> }>;
          }>;
        };
      }
    ).axe.run(document, { resultTypes: ['violations'] }),
  );
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help} — ${JSON.stringify(violation.nodes.map((node) => node.target))}`,
    );
}

/** Presses Tab until the focused element's text matches `text` (at most `limit` presses); fails otherwise. */
export async function tabTo(page: Page, text: string | RegExp, limit = 40): Promise<void> {
  for (let presses = 0; presses < limit; presses++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
    if (typeof text === 'string' ? focused === text : text.test(focused)) return;
  }
  expect.fail(`no element with the text ${String(text)} took the focus in ${limit} presses of Tab`);
}

/** Whether the page is no wider than its window (no text pushed the layout sideways). */
export function layoutHolds(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}
