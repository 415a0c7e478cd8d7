/**
 * What the `po admin …` commands share: the runner that calls the OPD with the profile's session (the profile must be
 * logged in as an admin) and prints its answer, the `--customer` option of the order commands, and how a product and a
 * new key of the OPD are shown.
 */
import type { Command } from 'commander';
import { showable } from '../shared/display.js';
import { formatMoney } from '../shared/money.js';
import { adminClient } from './admin-client.js';
import type { CatalogueProduct } from '../contract/admin-api.js';
import type { AdminClient } from './admin-client.js';
import { apiClient } from './api.js';
import { runWithGlobals } from './globals.js';
import type { Globals } from './globals.js';
import { readProfile } from './profile.js';
import { sessionFor } from './session.js';
import { trustCommand } from './trust.js';
import { print } from './view.js';

/**
 * Runs an admin command: `send` calls the OPD with the profile's session, and its answer is printed — every field with
 * --json, else `human` of it (given the invocation's globals, for the "More:" lines that name the profile). The API URL
 * is checked before the session is read, and both before `send` runs.
 */
export function runAdmin<T>(
  command: Command,
  send: (admin: AdminClient) => Promise<T>,
  human: (answer: T, globals: Globals) => string,
): Promise<void> {
  return runWithGlobals(command, async (globals) => {
    const api = apiClient(readProfile(globals.profile).apiUrl);
    const { token } = await sessionFor(globals.profile);
    const answer = await send(adminClient(api, token));
    print(globals, answer, () => human(answer, globals));
  });
}

/** The `--customer` option of the commands that take an order ID: which customer's order, when two have that ID. */
export const ORDER_CUSTOMER_OPTION = {
  flags: '--customer <id>',
  description: 'the customer, if two have an order with this ID',
} as const;

/** A product for people, after `verb` (added, updated, restocked): its name shown with invisible characters visible. */
export function describeProduct(verb = ''): (product: CatalogueProduct) => string {
  return (p) =>
    `${verb ? `${verb} ` : ''}${p.sku} "${showable(p.name)}": ${formatMoney(p.priceCents, p.currency)} each, ${p.stock} in stock` +
    (p.shards && p.shards.length > 1
      ? ` over ${p.shards.length} shards (${p.shards.map((shard) => shard.stock).join(' + ')})`
      : '');
}

/** What an admin must tell customers after a rotation: their po stops until they accept this fingerprint. */
export function announceKey(what: 'server' | 'receipt', key: { kid: string; fingerprint: string }): string {
  return [
    `new ${what} key ${key.kid}`,
    `  fingerprint ${key.fingerprint}`,
    `Customers' po now stops before ordering until they accept it. Announce this fingerprint by a channel other`,
    `than the API (mail, your website, phone); each customer checks it and runs:`,
    `  ${trustCommand(what, key.fingerprint)}`,
  ].join('\n');
}
