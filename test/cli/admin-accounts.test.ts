/**
 * `po admin customers disable|enable|logout|reset-password`, `po admin products list|show` and `po admin orders
 * --customer` against the real functions behind the local API (test/helpers/cli-opd.ts): what each prints, and that
 * it did it.
 */
import { describe, expect, it } from 'vitest';
import { orderAt } from '../helpers/handlers/read-admin-notify.js';
import { cliOpdForThisFile } from '../helpers/cli-opd.js';
import { auditRecords, tables, world } from '../helpers/handlers/staff.js';

const opd = cliOpdForThisFile();

describe('po admin customers disable, enable, logout, reset-password (customers:write)', () => {
  it('end and reopen a customer’s account, each audited under the staff member who ran it', async () => {
    await opd.loggedIn('sec', 'sec');
    await opd.loggedIn('alice', 'alice', undefined, 'customer');
    const disabled = await opd.po('sec', ['admin', 'customers', 'disable', 'alice']);
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(disabled.stdout).toContain(
      'disabled customer alice: they cannot log in or order, and every session of theirs has ended',
    );
    const refused = await opd.po('alice', ['login', '--password-stdin'], 'correct horse battery\n');
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining('[account_disabled]')]);
    const enabled = await opd.po('sec', ['admin', 'customers', 'enable', 'alice']);
    expect(enabled.stdout).toContain('re-enabled customer alice: they can log in again');
    const ended = await opd.po('sec', ['--json', 'admin', 'customers', 'logout', 'alice']);
    expect(JSON.parse(ended.stdout)).toEqual({ customerId: 'alice', sessionsEnded: true });
    expect(auditRecords().map((record) => [record.action, record.actor])).toEqual([
      ['customer.disable', 'sec'],
      ['customer.enable', 'sec'],
      ['customer.sessions-end', 'sec'],
    ]);
  });

  it('reset-password prints the one-time password once; the customer’s po password changes it', async () => {
    await opd.loggedIn('sec', 'sec');
    const reset = await opd.po('sec', ['admin', 'customers', 'reset-password', 'alice']);
    expect(reset.code, reset.stderr).toBe(0);
    const oneTimePassword = /one-time password for customer alice: (\S+)\n/.exec(reset.stdout)?.[1] ?? '';
    expect(oneTimePassword).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(reset.stdout.split(oneTimePassword)).toHaveLength(2);
    expect(reset.stdout).toContain('po login --customer alice, then po password');
    await opd.loggedIn('alice', 'alice', oneTimePassword, 'customer');
    const changed = await opd.po(
      'alice',
      ['password', '--password-stdin'],
      `${oneTimePassword}\nmy own passphrase 2026\n`,
    );
    expect(changed.code, changed.stderr).toBe(0);
    expect(world.customers.get('alice')?.mustChangePassword).toBeUndefined();
  });

  it('a clerk has no customers:write: refused, nothing changes', async () => {
    await opd.loggedIn('clerk1', 'clerk1');
    const refused = await opd.po('clerk1', ['admin', 'customers', 'disable', 'alice']);
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringMatching(/customers:write.*\[forbidden\]/)]);
    expect(world.customers.get('alice')?.disabledAt).toBeUndefined();
  });
});

describe('po admin products list and show (products:read)', () => {
  it('a table of the catalogue, and one product', async () => {
    world.products.set('WIDGET-1', { sku: 'WIDGET-1', name: 'Widget', priceCents: 1250, stock: 10 });
    world.products.set('BOLT-3', { sku: 'BOLT-3', name: 'Bolt', priceCents: 5, stock: 0 });
    await opd.loggedIn('clerk1', 'clerk1');
    const list = await opd.po('clerk1', ['admin', 'products']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^SKU +PRICE \(USD\) +STOCK +NAME$/),
      expect.stringMatching(/^BOLT-3 +0\.05 +0 +Bolt$/),
      expect.stringMatching(/^WIDGET-1 +12\.50 +10 +Widget$/),
    ]);
    const show = await opd.po('clerk1', ['admin', 'products', 'show', 'WIDGET-1']);
    expect(show.stdout).toBe('WIDGET-1 "Widget": USD 12.50 each, 10 in stock\n');
    const missing = await opd.po('clerk1', ['admin', 'products', 'show', 'NOPE-1']);
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining('[not_found]')]);
  });
});

describe('po admin orders --customer (orders:read)', () => {
  it('one customer’s orders, newest first, every status unless --status; a More: line to go on', async () => {
    for (const [minute, status] of [
      [1, 'fulfilled'],
      [2, 'accepted'],
      [3, 'cancelled'],
    ] as const)
      tables.put('orders', { ...orderAt('alice', minute, status) });
    await opd.loggedIn('clerk1', 'clerk1');
    const all = await opd.po('clerk1', ['admin', 'orders', '--customer', 'alice']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain('orders of alice, newest first:');
    expect([...all.stdout.matchAll(/alice-0(\d)x+ +(\w+)/g)].map((m) => `${m[1]} ${m[2]}`)).toEqual([
      '3 cancelled',
      '2 accepted',
      '1 fulfilled',
    ]);
    const accepted = await opd.po('clerk1', ['admin', 'orders', 'list', '--customer', 'alice', '--status', 'accepted']);
    expect(accepted.stdout).toContain('accepted orders of alice, newest first:');
    expect([...accepted.stdout.matchAll(/alice-0(\d)/g)].map((m) => m[1])).toEqual(['2']);
    const paged = await opd.po('clerk1', ['admin', 'orders', '--customer', 'alice', '--limit', '1']);
    expect(paged.stdout).toMatch(/More: po --profile clerk1 admin orders list --customer alice --cursor \S+/);
  });
});
