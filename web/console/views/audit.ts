/**
 * The audit trail, newest first, filtered by actor, target, action and time (the API's own filters); each record's
 * changes written as po writes them (`priceCents 1250 → 1350`). Orders, customers and products link here.
 */
import type { AuditPage } from '../../../contract/admin-api.js';
import { AUDIT_ACTION_NAMES, changesText } from '../../../shared/audit.js';
import { call, query } from '../api.js';
import { show } from '../view.js';
import type { ConsoleContext } from '../view.js';
import { field, h, table } from '../../common/dom.js';
import { time, withQuery } from '../../common/format.js';

const FILTERS = ['actor', 'target', 'action', 'since', 'until'] as const;

export async function auditView(context: ConsoleContext): Promise<void> {
  const asked = Object.fromEntries(FILTERS.map((name) => [name, context.params.get(name) ?? undefined]));
  const cursor = context.params.get('cursor') ?? undefined;
  const page = await call<AuditPage>('GET', `/admin/audit${query({ ...asked, cursor })}`);

  const text = (name: 'actor' | 'target', label: string) =>
    field(label, h('input', { id: `audit-${name}`, name, value: asked[name] ?? '', autocomplete: 'off' }));
  const action = h(
    'select',
    { id: 'audit-action', name: 'action' },
    h('option', { value: '' }, 'any action'),
    AUDIT_ACTION_NAMES.map((name) =>
      h('option', { value: name, ...(name === asked.action ? { selected: true } : {}) }, name),
    ),
  );
  const since = h('input', { id: 'audit-since', name: 'since', type: 'date', value: (asked.since ?? '').slice(0, 10) });
  const until = h('input', { id: 'audit-until', name: 'until', type: 'date', value: (asked.until ?? '').slice(0, 10) });
  const filters = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter the audit trail' },
    text('actor', 'Who (actor)'),
    text('target', 'What (target)'),
    field('Action', action),
    field('Since', since),
    field('Until (the end of that day)', until),
    h('button', { type: 'submit' }, 'Show'),
  );
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(filters);
    const members = new URLSearchParams();
    for (const name of ['actor', 'target', 'action'] as const) {
      const entry = data.get(name);
      const value = typeof entry === 'string' ? entry.trim() : '';
      if (value) members.set(name, value);
    }
    if (since.value) members.set('since', new Date(`${since.value}T00:00:00Z`).toISOString());
    if (until.value) members.set('until', new Date(`${until.value}T23:59:59.999Z`).toISOString());
    location.hash = `#/audit?${members.toString()}`;
  });

  show(
    context,
    'Audit trail',
    filters,
    table(
      `Records from ${time(page.since)} to ${time(page.until)}, newest first`,
      ['When', 'Who', 'Action', 'Target', 'Changes'],
      page.records.map((record) => [
        time(record.time),
        `${record.actor} (${record.actorKind === 'staff' ? record.actorRoles.join(', ') : record.actorKind})`,
        record.action,
        record.target,
        h('span', { class: 'changes' }, changesText(record.changes, record.reason)),
      ]),
      'No records in this range.',
    ),
    h(
      'p',
      { class: 'paging' },
      cursor && withQuery('audit', asked, 'Newest'),
      ' ',
      page.next && withQuery('audit', { ...asked, cursor: page.next }, 'Older records'),
    ),
  );
}
