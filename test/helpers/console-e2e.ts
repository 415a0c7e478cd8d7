/**
 * What the console's browser suites share: one Chromium per file, the demo staff by ID, orders placed through the API,
 * and a JWS with one character changed.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { launchChromium } from './browser.js';
import { call, seal } from './e2e.js';
import type { E2eStack, newCustomer } from './e2e.js';

/** Launches Chromium before the file's tests and closes it after them; read `.browser` inside tests. */
export function chromiumForThisFile(): { readonly browser: Browser } {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  return {
    get browser() {
      if (!browser) throw new Error('Chromium is not running');
      return browser;
    },
  };
}

/** The demo staff member `staffId` of the file's stack (the `npm start` seeding: one per role). */
export function member(e2e: E2eStack, staffId: string) {
  const found = e2e.stack.staff.find((candidate) => candidate.staffId === staffId);
  if (!found) throw new Error(`no demo staff member ${staffId}`);
  return found;
}

/** Places an order for `customerId` through the API; returns its ID. */
export async function placeOrder(
  customer: Awaited<ReturnType<typeof newCustomer>>,
  customerId: string,
  sku: string,
  extra: { note?: string; qty?: number; unitPriceCents?: number } = {},
): Promise<string> {
  const line = {
    sku,
    qty: extra.qty ?? 1,
    ...(extra.unitPriceCents === undefined ? {} : { unitPriceCents: extra.unitPriceCents }),
  };
  const placed = await call('POST', '/orders', {
    token: customer.token,
    body: { envelope: seal(customerId, customer.signer, [line], extra.note === undefined ? {} : { note: extra.note }) },
  });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  return placed.body.orderId as string;
}

/** A compact JWS with one character of its signature changed. */
export const tampered = (jws: string) => `${jws.slice(0, -2)}${jws.at(-2) === 'A' ? 'B' : 'A'}${jws.at(-1)}`;
