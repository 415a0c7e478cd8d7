/**
 * The console's shell: the login, the header with the views the staff member's roles allow, and the hash router
 * (`#/queue`, `#/orders/{id}`…: the page is one static file, so every view is a fragment of its URL). A view or
 * action the roles lack is not shown; the API refuses it anyway (the permission check is the router's, on the OPD).
 */
import { allows } from '../../shared/permissions.js';
import type { Permission } from '../../shared/permissions.js';
import { changePassword, currentSession, logIn, logOut, whenSessionEnds } from './api.js';
import { field, h, notice, replace } from './dom.js';
import { auditView } from './views/audit.js';
import { customerView, customersView } from './views/customers.js';
import { mailView } from './views/mail.js';
import { orderView } from './views/order.js';
import { productsView } from './views/products.js';
import { queueView } from './views/queue.js';
import { staffMemberView, staffView } from './views/staff.js';
import { verifyFileView } from './views/verify.js';
import { failure } from './view.js';
import type { ViewContext } from './view.js';

type View = (context: ViewContext) => Promise<void>;

/** The views, the permission each needs to be shown, and the header's name for it. */
const VIEWS: ReadonlyArray<{ name: string; title: string; permission: Permission | null; view: View; nav: boolean }> = [
  { name: 'queue', title: 'Queue', permission: 'orders:read', view: queueView, nav: true },
  { name: 'orders', title: 'Order', permission: 'orders:read', view: orderView, nav: false },
  { name: 'customers', title: 'Customers', permission: 'accounts:read', view: customersView, nav: true },
  { name: 'customer', title: 'Customer', permission: 'accounts:read', view: customerView, nav: false },
  { name: 'products', title: 'Products', permission: 'products:read', view: productsView, nav: true },
  { name: 'mail', title: 'Mail', permission: 'orders:read', view: mailView, nav: true },
  { name: 'audit', title: 'Audit', permission: 'audit:read', view: auditView, nav: true },
  { name: 'staff', title: 'Staff', permission: 'staff:read', view: staffView, nav: true },
  { name: 'member', title: 'Staff member', permission: 'staff:read', view: staffMemberView, nav: false },
  { name: 'verify', title: 'Check evidence', permission: null, view: verifyFileView, nav: true },
];

/** The route in the URL's fragment: view name, decoded arguments, query. */
function route(): { name: string; args: string[]; params: URLSearchParams } {
  const hash = location.hash.replace(/^#\/?/, '');
  const mark = hash.indexOf('?');
  const [path, search] = mark === -1 ? [hash, ''] : [hash.slice(0, mark), hash.slice(mark + 1)];
  const parts = path.split('/').filter((part) => part.length > 0);
  const decoded = parts.map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return '\uFFFD'; // a malformed escape names nothing: the view says "not found"
    }
  });
  return { name: decoded[0] ?? '', args: decoded.slice(1), params: new URLSearchParams(search) };
}

/** Starts the console in `root`. */
export function startConsole(root: HTMLElement): void {
  const header = h('header', { class: 'top' });
  const main = h('main', { id: 'main', tabindex: -1 });
  replace(root, header, main);

  let ended: string | undefined;
  /** Each drawing's number: a view that finishes after a newer drawing began (navigation, logout) draws nothing. */
  let generation = 0;
  whenSessionEnds((reason) => {
    ended = reason;
    void draw();
  });
  window.addEventListener('hashchange', () => void draw());
  void draw();

  async function draw(news?: string): Promise<void> {
    const mine = ++generation;
    const current = () => mine === generation;
    const session = currentSession();
    if (!session) return drawLogin();
    if (session.mustChangePassword) return drawPasswordChange();
    const can = (permission: Permission) => allows(session.roles, permission);
    const visible = VIEWS.filter((view) => view.permission === null || can(view.permission));
    const { name, args, params } = route();
    const chosen = visible.find((view) => view.name === name);
    if (!chosen) {
      const first = visible.find((view) => view.nav) ?? VIEWS.at(-1)!;
      location.replace(`#/${first.name}`);
      return;
    }
    replace(
      header,
      h('p', { class: 'brand' }, 'OPD console'),
      h(
        'nav',
        { 'aria-label': 'Views' },
        h(
          'ul',
          null,
          visible
            .filter((view) => view.nav)
            .map((view) =>
              h(
                'li',
                null,
                h(
                  'a',
                  { href: `#/${view.name}`, ...(isCurrent(view.name, chosen.name) ? { 'aria-current': 'page' } : {}) },
                  view.title,
                ),
              ),
            ),
        ),
      ),
      h(
        'p',
        { class: 'who' },
        `${session.staffId} (${session.roles.join(', ')}) `,
        h('button', { type: 'button', onclick: () => void endWithLogout() }, 'Log out'),
      ),
    );
    document.title = `${chosen.title} · OPD console`;
    replace(main, h('p', { class: 'loading', role: 'status' }, 'Loading…'));
    try {
      await chosen.view({
        main,
        args,
        params,
        can,
        current,
        refresh: (next) => void draw(next),
        ...(news ? { news } : {}),
      });
    } catch (error) {
      if (current() && currentSession()) replace(main, h('h1', { tabindex: -1 }, chosen.title), failure(error));
    }
    // A new view takes the focus at its heading, so that a screen reader announces it and Tab starts from it.
    if (current() && currentSession()) main.querySelector<HTMLElement>('h1')?.focus();
  }

  function isCurrent(viewName: string, chosen: string): boolean {
    const parent: Record<string, string> = { orders: 'queue', customer: 'customers', member: 'staff' };
    return viewName === chosen || viewName === parent[chosen];
  }

  async function endWithLogout(): Promise<void> {
    await logOut().catch(() => undefined); // the OPD refused it or was unreachable: forget the session all the same
    ended = 'You are logged out.';
    location.hash = '';
    await draw();
  }

  function drawLogin(): void {
    replace(header, h('p', { class: 'brand' }, 'OPD console'));
    document.title = 'Log in · OPD console';
    const staffId = h('input', { id: 'login-staff', name: 'staffId', autocomplete: 'username', required: true });
    const password = h('input', {
      id: 'login-password',
      name: 'password',
      type: 'password',
      autocomplete: 'current-password',
      required: true,
    });
    const status = h('div', { 'aria-live': 'polite' });
    const submit = h('button', { type: 'submit' }, 'Log in');
    if (ended) replace(status, notice('ok', ended));
    const form = h(
      'form',
      { class: 'login' },
      h('h1', null, 'Log in'),
      h('p', null, 'Staff of the Order Processing Department log in here with their staff ID.'),
      field('Staff ID', staffId),
      field('Password', password),
      submit,
      status,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (submit.disabled) return;
      submit.disabled = true;
      void (async () => {
        try {
          await logIn(staffId.value.trim(), password.value);
          password.value = '';
          ended = undefined;
          await draw();
        } catch (error) {
          submit.disabled = false;
          password.value = '';
          replace(status, failure(error));
          password.focus();
        }
      })();
    });
    replace(main, form);
    staffId.focus();
  }

  function drawPasswordChange(): void {
    const oldPassword = h('input', {
      id: 'pw-old',
      type: 'password',
      autocomplete: 'current-password',
      required: true,
    });
    const newPassword = h('input', { id: 'pw-new', type: 'password', autocomplete: 'new-password', required: true });
    const submit = h('button', { type: 'submit' }, 'Change password');
    const status = h('div', { 'aria-live': 'polite' });
    const form = h(
      'form',
      null,
      h('h1', null, 'Choose a new password'),
      h('p', null, 'Your password was reset: choose your own before you go on.'),
      field('One-time password', oldPassword),
      field('New password', newPassword),
      submit,
      status,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void (async () => {
        try {
          if (submit.disabled) return;
          submit.disabled = true;
          await changePassword(oldPassword.value, newPassword.value);
          await draw('Password changed.');
        } catch (error) {
          submit.disabled = false;
          replace(status, failure(error));
        }
      })();
    });
    replace(
      header,
      h('p', { class: 'brand' }, 'OPD console'),
      h('p', { class: 'who' }, h('button', { type: 'button', onclick: () => void endWithLogout() }, 'Log out')),
    );
    replace(main, form);
    oldPassword.focus();
  }
}
