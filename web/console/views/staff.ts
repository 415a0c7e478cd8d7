/**
 * Staff (for `staff:read`): the list and one member with their roles and permissions; for `staff:write`, add a member,
 * change their roles, disable or re-enable them. The API refuses changing one's own roles or account, and demoting
 * or disabling the last holder of `staff:write`: the console shows its answer as it is.
 */
import { ROLE_NAMES } from '../../../shared/permissions.js';
import { newStaff, staffRolesChange } from '../../../shared/requests.js';
import type { StaffPage } from '../../../contract/admin-api.js';
import type { StaffDetailView } from '../../../shared/staff-views.js';
import { call, currentSession, query, segment } from '../api.js';
import { failure, show } from '../view.js';
import type { ConsoleContext } from '../view.js';
import { facts, field, h, notice, replace, table } from '../../common/dom.js';
import { auditLink, link, time, withQuery } from '../../common/format.js';

function roleBoxes(prefix: string, chosen: readonly string[]): HTMLElement {
  return h(
    'fieldset',
    { class: 'roles' },
    h('legend', null, 'Roles'),
    ROLE_NAMES.map((role) =>
      h(
        'label',
        { class: 'check' },
        h('input', {
          type: 'checkbox',
          name: 'roles',
          value: role,
          id: `${prefix}-${role}`,
          ...(chosen.includes(role) ? { checked: true } : {}),
        }),
        ` ${role}`,
      ),
    ),
  );
}

const checkedRoles = (form: HTMLFormElement) =>
  [...form.querySelectorAll<HTMLInputElement>('input[name="roles"]:checked')].map((box) => box.value);

export async function staffView(context: ConsoleContext): Promise<void> {
  const cursor = context.params.get('cursor') ?? undefined;
  const page = await call<StaffPage>('GET', `/admin/staff${query({ cursor })}`);
  const outcome = h('div', { 'aria-live': 'polite' });
  show(
    context,
    'Staff',
    outcome,
    table(
      'Staff members, by ID',
      ['Staff ID', 'Email', 'Roles', 'Logins', 'Since'],
      page.staff.map((member) => [
        link(member.staffId, 'member', member.staffId),
        member.email,
        member.roles.join(', '),
        member.disabled ? 'disabled' : member.locked ? 'locked' : 'open',
        time(member.createdAt),
      ]),
    ),
    h(
      'p',
      { class: 'paging' },
      cursor && withQuery('staff', {}, 'First page'),
      ' ',
      page.next && withQuery('staff', { cursor: page.next }, 'Next page'),
    ),
    context.can('staff:write') && addForm(),
  );

  function addForm(): HTMLElement {
    const staffId = h('input', { id: 'staff-new-id', name: 'staffId', required: true, autocomplete: 'off' });
    const email = h('input', {
      id: 'staff-new-email',
      name: 'email',
      type: 'email',
      required: true,
      autocomplete: 'off',
    });
    const password = h('input', {
      id: 'staff-new-password',
      name: 'password',
      type: 'password',
      required: true,
      autocomplete: 'new-password',
    });
    const button = h('button', { type: 'submit' }, 'Add staff member');
    const form = h(
      'form',
      { class: 'add-staff', 'aria-label': 'Add a staff member' },
      h('h2', null, 'Add a staff member'),
      field('Staff ID', staffId),
      field('Email', email),
      field('Initial password (they change it at first login)', password),
      roleBoxes('new', []),
      button,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const checked = newStaff().safeParse({
        staffId: staffId.value.trim(),
        email: email.value.trim(),
        password: password.value,
        roles: checkedRoles(form),
      });
      if (!checked.success) return replace(outcome, notice('error', checked.error.issues[0]?.message ?? 'Invalid.'));
      if (button.disabled) return;
      button.disabled = true;
      call<StaffDetailView>('POST', '/admin/staff', checked.data)
        .then((member) => {
          password.value = '';
          location.hash = `#/member/${encodeURIComponent(member.staffId)}`;
        })
        .catch((error: unknown) => {
          button.disabled = false;
          replace(outcome, failure(error));
        });
    });
    return form;
  }
}

export async function staffMemberView(context: ConsoleContext): Promise<void> {
  const id = context.args[0] ?? '';
  const path = `/admin/staff/${segment(id)}`;
  const member = await call<StaffDetailView>('GET', path);
  const outcome = h('div', { 'aria-live': 'polite' });
  const self = currentSession()?.staffId === member.staffId;
  const writer = context.can('staff:write') && !self;
  show(
    context,
    `Staff member ${member.staffId}`,
    facts([
      ['Email', member.email],
      ['Roles', member.roles.join(', ') || '(none)'],
      ['Permissions', member.permissions.join(', ') || '(none)'],
      [
        'Logins',
        member.disabled ? `disabled since ${time(member.disabledAt)}` : member.lock.locked ? 'locked' : 'open',
      ],
      ['Added', `${time(member.createdAt)} by ${member.createdBy}`],
    ]),
    context.can('audit:read') &&
      h(
        'p',
        null,
        auditLink(member.staffId, 'Audit trail of this member'),
        ' ',
        h('a', { href: `#/audit?${new URLSearchParams({ actor: member.staffId }).toString()}` }, 'What they did'),
      ),
    outcome,
    self && h('p', null, 'This is you: nobody changes their own roles or account here.'),
    writer && rolesForm(),
    writer &&
      h(
        'button',
        {
          type: 'button',
          class: member.disabled ? '' : 'danger',
          onclick: (event) => void toggle(event.currentTarget as HTMLButtonElement, (event as MouseEvent).detail),
        },
        member.disabled ? 'Re-enable' : 'Disable…',
      ),
  );

  function rolesForm(): HTMLElement {
    const button = h('button', { type: 'submit' }, 'Save roles');
    const form = h(
      'form',
      { 'aria-label': 'Change roles' },
      h('h2', null, 'Roles'),
      roleBoxes('edit', member.roles),
      button,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const checked = staffRolesChange().safeParse({ roles: checkedRoles(form) });
      if (!checked.success) return replace(outcome, notice('error', checked.error.issues[0]?.message ?? 'Invalid.'));
      button.disabled = true;
      call('PUT', `${path}/roles`, checked.data)
        .then(() => context.refresh())
        .catch((error: unknown) => {
          button.disabled = false;
          replace(outcome, failure(error));
        });
    });
    return form;
  }

  async function toggle(button: HTMLButtonElement, clicks: number): Promise<void> {
    if (!member.disabled && button.dataset.confirm !== 'yes') {
      button.dataset.confirm = 'yes';
      button.textContent = `Confirm: disable ${member.staffId}`;
      return;
    }
    if (!member.disabled && clicks > 1) return; // the second click of a double click is not a confirmation
    button.disabled = true;
    try {
      await call('POST', `${path}/${member.disabled ? 'enable' : 'disable'}`);
      context.refresh();
    } catch (error) {
      button.disabled = false;
      replace(outcome, failure(error));
    }
  }
}
