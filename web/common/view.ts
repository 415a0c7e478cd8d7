/** What every view is given and how it draws: its region, its route, its heading and news. */
import { ApiFailure } from './api.js';
import { h, notice, replace } from './dom.js';
import type { Child } from './dom.js';

/** What a view is given: where it draws, its route, how to go elsewhere. */
export interface ViewContext {
  /** The view's region of the page (the `<main>` element). */
  readonly main: HTMLElement;
  /** The route's path segments after the view's name, decoded (`#/orders/ABC` → `['ABC']`). */
  readonly args: readonly string[];
  /** The route's query (`#/queue?status=fulfilled`). */
  readonly params: URLSearchParams;
  /** Whether this drawing is still the page's (no navigation or logout since it began). */
  current(): boolean;
  /** Draws the view again (after a change), with `news` shown above it (what the change did). */
  refresh(news?: string): void;
  /** What the change before this drawing did, if any (shown by {@link show}). */
  readonly news?: string;
}

/** A failure as people read it: the API's message and its stable code. */
export function failure(error: unknown): HTMLElement {
  if (error instanceof ApiFailure) return notice('error', error.message, ' ', h('code', null, `[${error.code}]`));
  const code = (error as { code?: unknown } | undefined)?.code;
  return notice(
    'error',
    error instanceof Error ? error.message : 'Something went wrong.',
    typeof code === 'string' && [' ', h('code', null, `[${code}]`)],
  );
}

/** A heading and the children of a view, drawn in its region. */
export function show(context: ViewContext, title: string, ...children: Child[]): void {
  replace(
    context.main,
    h('h1', { id: 'main-content' }, title),
    context.news && notice('ok', context.news),
    ...children,
  );
}

/**
 * Sends `form` one submission at a time: its button disabled while `send` runs, a failure shown in `status` with its
 * code (the button enabled again), and `after` run either way — to empty the passwords the form held.
 */
export function submitOnce(
  form: HTMLFormElement,
  button: HTMLButtonElement,
  status: HTMLElement,
  send: () => Promise<unknown>,
  after: () => void = () => undefined,
): void {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (button.disabled) return;
    button.disabled = true;
    void send()
      .catch((error: unknown) => {
        button.disabled = false;
        replace(status, failure(error));
      })
      .finally(after);
  });
}
