/** How the console writes money, times and links to its own views. */
import { formatMoney } from '../../shared/money.js';
import { h } from './dom.js';

/** Cents in a currency, as po prints them: `USD 12.50`. */
export const money = (cents: number, currency: string) => formatMoney(cents, currency);

/** An ISO time as `2026-12-07 13:45:01 UTC` (one zone for everyone who reads the same order). */
export function time(iso: string | undefined): string {
  if (!iso) return '—';
  const parsed = new Date(iso);
  return Number.isNaN(parsed.getTime()) ? iso : `${parsed.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A link to a view, its arguments percent-encoded. */
export function link(text: string, view: string, ...args: string[]): HTMLAnchorElement {
  return h('a', { href: `#/${[view, ...args.map((arg) => encodeURIComponent(arg))].join('/')}` }, text);
}

/** A link to the audit trail, filtered to one target (an order, a customer, a product, a staff member). */
export function auditLink(target: string, text = 'Audit trail'): HTMLAnchorElement {
  return h('a', { href: `#/audit?${new URLSearchParams({ target }).toString()}` }, text);
}

/** A link to the same view with other query members (for filters and paging). */
export function withQuery(view: string, members: Record<string, string | undefined>, text: string): HTMLAnchorElement {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(members)) if (value) params.set(name, value);
  const search = params.toString();
  return h('a', { href: `#/${view}${search ? `?${search}` : ''}`, class: 'page-link' }, text);
}

/** A link to an order, with its customer (order IDs are the customers' own: two may have chosen the same). */
export function orderLink(orderId: string, customerId: string, text = orderId): HTMLAnchorElement {
  return h(
    'a',
    { href: `#/orders/${encodeURIComponent(orderId)}?${new URLSearchParams({ customer: customerId }).toString()}` },
    text,
  );
}

/** A figure in a table (an amount, a count, a SKU): kept on one line, never broken between its characters. */
export const figure = (text: string) => h('span', { class: 'figure' }, text);
