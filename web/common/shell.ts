/**
 * A web app's shell: the login, the forced password change, the header with the app's views, and the hash router
 * (`#/orders/{id}`…: each page is one static file, so every view is a fragment of its URL). The console and the portal
 * are each this shell with their own views and words.
 */
import { currentSession, logInAt, logOut, whenSessionEnds } from './api.js';
import { passwordForm } from './password-form.js';
import type { Session } from './api.js';
import { field, h, notice, replace } from './dom.js';
import type { Child } from './dom.js';
import { failure, submitOnce } from './view.js';
import type { ViewContext } from './view.js';

/** One view of an app: its route name, its title, whether the header links to it, and how it draws. */
export interface ShellView<C extends ViewContext> {
  readonly name: string;
  readonly title: string;
  readonly nav: boolean;
  /** The header's entry shown as current while this view is drawn (a detail view's list), if not its own. */
  readonly under?: string;
  readonly view: (context: C) => Promise<void>;
}

/** What makes an app of the shell. */
export interface ShellApp<S extends Session, C extends ViewContext> {
  /** The app's name in the header and the title bar. */
  readonly brand: string;
  /** The login form: where it posts, what the ID is called (its JSON member and its label), and a line of help. */
  readonly login: { readonly path: string; readonly idMember: string; readonly idLabel: string; readonly help: Child };
  /** The views the session may see (in header order). */
  views(session: S): ReadonlyArray<ShellView<C>>;
  /** Who is logged in, as the header says it. */
  who(session: S): string;
  /** The view's context: the shell's, with what the app adds. */
  context(base: ViewContext, session: S): C;
  /** Forgets what the app kept in memory for the session (a cart), when it ends: the next login starts clean. */
  readonly ended?: () => void;
}

/** The route in the URL's fragment: view name, decoded arguments, query. */
export function route(): { name: string; args: string[]; params: URLSearchParams } {
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

/** Starts `app` in `root`. */
export function startShell<S extends Session, C extends ViewContext>(root: HTMLElement, app: ShellApp<S, C>): void {
  const header = h('header', { class: 'top' });
  const main = h('main', { id: 'main', tabindex: -1 });
  replace(root, header, main);

  let ended: string | undefined;
  /** Each drawing's number: a view that finishes after a newer drawing began (navigation, logout) draws nothing. */
  let generation = 0;
  whenSessionEnds((reason) => {
    ended = reason;
    app.ended?.();
    void draw();
  });
  window.addEventListener('hashchange', () => void draw());
  void draw();

  async function draw(news?: string): Promise<void> {
    const mine = ++generation;
    const current = () => mine === generation;
    const session = currentSession<S>();
    if (!session) return drawLogin();
    if (session.mustChangePassword) return drawPasswordChange();
    const visible = app.views(session);
    const { name, args, params } = route();
    const chosen = visible.find((view) => view.name === name);
    if (!chosen) {
      const first = visible.find((view) => view.nav) ?? visible.at(-1)!;
      location.replace(`#/${first.name}`);
      return;
    }
    const here = chosen.under ?? chosen.name;
    replace(
      header,
      h('p', { class: 'brand' }, app.brand),
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
                  { href: `#/${view.name}`, ...(view.name === here ? { 'aria-current': 'page' } : {}) },
                  view.title,
                ),
              ),
            ),
        ),
      ),
      h(
        'p',
        { class: 'who' },
        `${app.who(session)} `,
        h('button', { type: 'button', onclick: () => void endWithLogout() }, 'Log out'),
      ),
    );
    document.title = `${chosen.title} · ${app.brand}`;
    replace(main, h('p', { class: 'loading', role: 'status' }, 'Loading…'));
    const base: ViewContext = {
      main,
      args,
      params,
      current,
      // A view that finishes after the person went elsewhere redraws nothing: its news would land on another view.
      refresh: (next) => {
        if (current()) void draw(next);
      },
      ...(news ? { news } : {}),
    };
    try {
      await chosen.view(app.context(base, session));
    } catch (error) {
      if (current() && currentSession()) replace(main, h('h1', { tabindex: -1 }, chosen.title), failure(error));
    }
    // A new view takes the focus at its heading, so that a screen reader announces it and Tab starts from it.
    if (current() && currentSession()) main.querySelector<HTMLElement>('h1')?.focus();
  }

  async function endWithLogout(): Promise<void> {
    await logOut().catch(() => undefined); // the OPD refused it or was unreachable: forget the session all the same
    ended = 'You are logged out.';
    app.ended?.();
    location.hash = '';
    await draw();
  }

  function drawLogin(): void {
    replace(header, h('p', { class: 'brand' }, app.brand));
    document.title = `Log in · ${app.brand}`;
    const id = h('input', { id: 'login-id', name: app.login.idMember, autocomplete: 'username', required: true });
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
      h('p', null, app.login.help),
      field(app.login.idLabel, id),
      field('Password', password),
      submit,
      status,
    );
    submitOnce(
      form,
      submit,
      status,
      async () => {
        await logInAt(app.login.path, { [app.login.idMember]: id.value.trim(), password: password.value });
        ended = undefined;
        await draw();
      },
      () => {
        password.value = ''; // asked again after a refusal, and never left in the page
        password.focus();
      },
    );
    replace(main, form);
    id.focus();
  }

  function drawPasswordChange(): void {
    const form = passwordForm(
      {
        heading: h('h1', null, 'Choose a new password'),
        help: 'Your password was reset: choose your own before you go on.',
        currentLabel: 'One-time password',
      },
      () => draw('Password changed.'),
    );
    replace(
      header,
      h('p', { class: 'brand' }, app.brand),
      h('p', { class: 'who' }, h('button', { type: 'button', onclick: () => void endWithLogout() }, 'Log out')),
    );
    replace(main, form);
    form.querySelector('input')?.focus();
  }
}
