/**
 * The console's only way to make DOM: elements by name, attributes by `setAttribute`, text as text nodes. Nothing here
 * (or anywhere in the console) writes markup from a string — no `innerHTML`, `outerHTML`, `insertAdjacentHTML` or
 * `document.write` — so no customer-controlled text (an order note, a cancellation reason, a customer ID, a key ID)
 * can ever become an element or a script. The page's CSP requires Trusted Types with no policy, so in a browser that
 * enforces them (Chromium's) a slip that tried would throw instead of rendering.
 */

import { showable } from '../../shared/display.js';

/** What an element may hold: nodes and text; `false`, `null` and `undefined` are left out (for conditional parts). */
export type Child = Node | string | number | false | null | undefined | readonly Child[];

/** Attributes (strings, numbers, `true` for a present boolean attribute, absent when `false`/`undefined`) and events. */
export type Attributes = Readonly<Record<string, string | number | boolean | undefined | ((event: Event) => void)>>;

/** Links go to the console's own views only (`#/…`): never a URL a piece of data could name. */
const SAFE_HREF = /^#\//;
/** Attributes that load or run something: the console never sets them (handlers are listeners, not strings). */
const FORBIDDEN_ATTRIBUTE = /^(?:on|src$|srcdoc$|srcset$|action$|formaction$|style$)/i;

/**
 * Appends `children` to `parent`, as text for strings and numbers. Text is shown as po and the emails show customers'
 * text (shared/display.ts `showable`): bidirectional overrides and other invisible format characters as visible
 * `\u{…}` escapes, so a note cannot make `gnp.exe` read as `exe.png`, nor hide or reorder anything.
 */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === false || child === null || child === undefined) continue;
    if (Array.isArray(child)) append(parent, ...(child as Child[]));
    else if (child instanceof Node) parent.appendChild(child);
    else
      parent.appendChild(
        document.createTextNode(typeof child === 'number' ? String(child) : showable(child as string)),
      );
  }
}

/** An element named `tag` with `attributes` (`onclick`-style keys add listeners) and `children`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') {
      element.addEventListener(name.replace(/^on/, ''), value);
      continue;
    }
    if (name === 'href' && !SAFE_HREF.test(String(value))) throw new Error('a console link must name a view (#/…)');
    if (FORBIDDEN_ATTRIBUTE.test(name)) throw new Error(`the console sets no ${name} attribute`);
    element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, ...children);
  return element;
}

/** Replaces everything in `parent` with `children`. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** A table with a caption, column headers and rows; an empty list says so in one row. */
export function table(caption: string, columns: readonly string[], rows: readonly Child[][], empty = 'Nothing here.') {
  return h(
    'table',
    null,
    h('caption', null, caption),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        columns.map((column) => h('th', { scope: 'col' }, column)),
      ),
    ),
    h(
      'tbody',
      null,
      rows.length === 0
        ? h('tr', null, h('td', { colspan: columns.length }, empty))
        : rows.map((cells) =>
            h(
              'tr',
              null,
              cells.map((cell) => h('td', null, cell)),
            ),
          ),
    ),
  );
}

/** A labelled form field; `id` ties the label to the input (for screen readers and clicks). */
export function field(label: string, input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement): HTMLElement {
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input);
}

/** A definition list of label → value, values as text. */
export function facts(entries: ReadonlyArray<readonly [string, Child]>): HTMLElement {
  return h(
    'dl',
    { class: 'facts' },
    entries.map(([term, value]) => [h('dt', null, term), h('dd', null, value)]),
  );
}

/** A status line for screen readers and eyes: `polite` news, or an `alert` for failures. */
export function notice(kind: 'ok' | 'error', ...children: Child[]): HTMLElement {
  return h('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...children);
}
