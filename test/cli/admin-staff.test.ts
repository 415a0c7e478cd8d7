/**
 * `po admin staff …` and `po password` against the real functions behind the local API (test/helpers/cli-opd.ts):
 * what each command sends, what it prints (and with --json), what it refuses before sending, and the journey of a
 * password reset — the one-time password printed once, the login that says it must be changed, `po password`, and a
 * session that works again.
 */
import { describe, expect, it } from 'vitest';
import { ROLE_NAMES } from '../../shared/permissions.js';
import { cliOpdForThisFile } from '../helpers/cli-opd.js';
import { auditRecords, stored, tables } from '../helpers/handlers/staff.js';

const opd = cliOpdForThisFile();
const NEW_PASSWORD = 'a brand new passphrase 7';

describe('po admin staff add', () => {
  it('adds a member with their roles (password from standard input) and says how they log in', async () => {
    await opd.loggedIn('root', 'root');
    const result = await opd.po(
      'root',
      [
        'admin',
        'staff',
        'add',
        '--staff',
        'dora',
        '--email',
        'dora@opd.example',
        '--role',
        'clerk',
        '--role',
        'finance',
        '--password-stdin',
      ],
      'a long passphrase 42\n',
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('added staff member dora');
    expect(result.stdout).toContain('  roles: clerk, finance');
    expect(result.stdout).toContain(
      '  permissions: orders:read, orders:fulfil, orders:cancel, emails:retry, products:read, accounts:read, accounts:credit, audit:read',
    );
    expect(result.stdout).toContain(
      "they set up po with: po config --api <this OPD's API URL> --staff dora; then po login",
    );
    expect(stored('dora')).toMatchObject({ roles: ['clerk', 'finance'], createdBy: 'root' });
  });

  it('refuses before sending: an unknown role, no role, a password the policy refuses', async () => {
    await opd.loggedIn('root', 'root');
    const add = (extra: string[], input = 'a long passphrase 42\n') =>
      opd.po(
        'root',
        ['admin', 'staff', 'add', '--staff', 'dora', '--email', 'dora@opd.example', '--password-stdin', ...extra],
        input,
      );
    const unknown = await add(['--role', 'boss']);
    expect([unknown.code, unknown.stderr]).toEqual([
      2,
      expect.stringContaining(`the roles are ${ROLE_NAMES.join(', ')}`),
    ]);
    const none = await add([]);
    expect([none.code, none.stderr]).toEqual([2, expect.stringContaining('give at least one --role')]);
    const weak = await add(['--role', 'clerk'], 'password\n');
    expect([weak.code, weak.stderr]).toEqual([2, expect.stringContaining('nothing was created')]);
    expect(stored('dora')).toBeUndefined();
    expect(auditRecords()).toEqual([]);
  });

  it('--help lists the roles and the permissions each gives', async () => {
    const help = await opd.po('root', ['admin', 'staff', 'add', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--role <role>');
    expect(help.stdout).toMatch(
      /clerk +ships orders.*\n +orders:read, orders:fulfil, orders:cancel, emails:retry, products:read/,
    );
    expect(help.stdout).toContain('--password-stdin');
  });
});

describe('po admin staff list, show, roles', () => {
  it('list: a table (never a hash); --json: the page as the API answers it', async () => {
    await opd.loggedIn('sec', 'sec');
    const list = await opd.po('sec', ['admin', 'staff']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/STAFF +ROLES +LOGIN +EMAIL/);
    expect(list.stdout).toMatch(/clerk1 +clerk +ok +clerk1@opd\.example/);
    const json = await opd.po('sec', ['--json', 'admin', 'staff', 'list', '--limit', '2']);
    const page = JSON.parse(json.stdout) as { staff: Array<{ staffId: string }>; next: string };
    expect(page.staff.map((member) => member.staffId)).toEqual(['boss', 'clerk1']);
    expect(json.stdout).not.toMatch(/passwordHash|scrypt/);
    const more = await opd.po('sec', ['admin', 'staff', 'list', '--limit', '2', '--cursor', page.next]);
    expect(more.stdout).toMatch(/root +admin/);
  });

  it('show: roles and the permissions they give', async () => {
    await opd.loggedIn('sec', 'sec');
    const show = await opd.po('sec', ['admin', 'staff', 'show', 'clerk1']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('clerk1 <clerk1@opd.example> · not locked · 0 failed login(s)');
    expect(show.stdout).toContain(
      '  permissions: orders:read, orders:fulfil, orders:cancel, emails:retry, products:read',
    );
    const refused = await opd.po('sec', ['admin', 'staff', 'roles', 'clerk1', '--role', 'admin']);
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringMatching(/staff:write.*\[forbidden\]/)]);
  });

  it('roles: prints before → after; one’s own roles are refused', async () => {
    await opd.loggedIn('root', 'root');
    const changed = await opd.po('root', ['admin', 'staff', 'roles', 'clerk1', '--role', 'clerk', '--role', 'catalog']);
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toContain('clerk1: clerk → clerk, catalog');
    expect(changed.stdout).toContain('every session of theirs has ended');
    const again = await opd.po('root', ['admin', 'staff', 'roles', 'clerk1', '--role', 'catalog', '--role', 'clerk']);
    expect(again.stdout).toContain('clerk1 already holds clerk, catalog: nothing changed');
    const own = await opd.po('root', ['admin', 'staff', 'roles', 'root', '--role', 'clerk']);
    expect([own.code, own.stderr]).toEqual([1, expect.stringContaining('[forbidden]')]);
    expect(stored('root')?.roles).toEqual(['admin']);
  });
});

describe('po admin staff disable, enable, logout, reset-password; po password', () => {
  it('disable and enable say what they did; nobody disables their own account', async () => {
    await opd.loggedIn('root', 'root');
    const disabled = await opd.po('root', ['admin', 'staff', 'disable', 'boss']);
    expect(disabled.stdout).toContain(
      'disabled staff member boss: they cannot log in, and every session of theirs has ended',
    );
    const again = await opd.po('root', ['admin', 'staff', 'disable', 'boss']);
    expect(again.stdout).toContain('staff member boss was already disabled: nothing changed');
    const own = await opd.po('root', ['admin', 'staff', 'disable', 'root']);
    expect([own.code, own.stderr]).toEqual([1, expect.stringContaining('their own account')]);
    const enabled = await opd.po('root', ['admin', 'staff', 'enable', 'boss']);
    expect(enabled.stdout).toContain('re-enabled staff member boss: they can log in again');
    expect(tables.holders()).toBe(2);
  });

  it('logout ends the member’s sessions: their po must log in again', async () => {
    await opd.loggedIn('root', 'root');
    await opd.loggedIn('clerk1', 'clerk1');
    expect((await opd.po('clerk1', ['admin', 'orders'])).code).toBe(0);
    const ended = await opd.po('root', ['admin', 'staff', 'logout', 'clerk1']);
    expect(ended.stdout).toContain('ended every session of staff member clerk1: they must log in again');
    const refused = await opd.po('clerk1', ['admin', 'orders']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/po login/);
  });

  it('reset-password prints the one-time password once; the login says to change it; po password does; all works again', async () => {
    await opd.loggedIn('root', 'root');
    const reset = await opd.po('root', ['admin', 'staff', 'reset-password', 'clerk1']);
    expect(reset.code, reset.stderr).toBe(0);
    const oneTimePassword = /one-time password for staff member clerk1: ([A-Za-z0-9_-]{20})\n/.exec(reset.stdout)?.[1];
    expect(oneTimePassword).toBeDefined();
    expect(reset.stdout.split(oneTimePassword!)).toHaveLength(2); // printed once
    expect(reset.stdout).toMatch(/out of band/);
    expect(reset.stdout).toMatch(/must be changed at the first login \(po login --staff clerk1, then po password\)/);
    expect(reset.stderr).not.toContain(oneTimePassword);

    expect((await opd.po('clerk1', ['config', '--api', opd.url(), '--staff', 'clerk1'])).code).toBe(0);
    const login = await opd.po('clerk1', ['login', '--password-stdin'], `${oneTimePassword}\n`);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain('change it now with po password');
    const blocked = await opd.po('clerk1', ['admin', 'orders']);
    expect([blocked.code, blocked.stderr]).toEqual([1, expect.stringContaining('[password_change_required]')]);
    const changed = await opd.po('clerk1', ['password', '--password-stdin'], `${oneTimePassword}\n${NEW_PASSWORD}\n`);
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toContain('password changed');
    expect((await opd.po('clerk1', ['admin', 'orders'])).code).toBe(0);
    expect(stored('clerk1')?.mustChangePassword).toBeUndefined();
  });
});
