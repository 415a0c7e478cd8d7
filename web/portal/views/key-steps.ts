/** The Keys view's steps that need the person's password or a second thought: revoking a key, and running any step. */
import type { OwnKeyChange } from '../../../contract/customer-api.js';
import { field, h, replace } from '../../common/dom.js';
import { failure } from '../../common/view.js';
import type { ViewContext } from '../../common/view.js';
import { call, segment } from '../api.js';

/** A password input: required, as the browser's password manager knows it. */
export function passwordInput(id: string): HTMLInputElement {
  return h('input', { id, type: 'password', autocomplete: 'current-password', required: true });
}

/**
 * How the view runs a step: its button disabled meanwhile, a failure shown in `status` with its code, and every
 * password and passphrase emptied afterwards (each attempt asks for them again: none is left in the page).
 */
export function busyIn(context: ViewContext, status: HTMLElement) {
  return async (button: HTMLButtonElement, action: () => Promise<void>): Promise<void> => {
    if (button.disabled) return;
    button.disabled = true;
    replace(status, h('p', { role: 'status' }, 'Working…'));
    try {
      await action();
    } catch (error) {
      button.disabled = false;
      replace(status, failure(error));
    } finally {
      for (const input of context.main.querySelectorAll<HTMLInputElement>('input[type=password]')) input.value = '';
    }
  };
}

/** "Revoke…": asks for the password, says what revoking does, then revokes the key at the OPD. */
export function revokeButton(keyId: string, context: ViewContext, status: HTMLElement): HTMLElement {
  const busy = busyIn(context, status);
  const confirmRevoke = () => {
    const password = passwordInput('revoke-password');
    const submit = h('button', { type: 'submit', class: 'danger' }, `Confirm: revoke ${keyId.slice(0, 12)}…`);
    const form = h(
      'form',
      { class: 'confirm', 'aria-label': 'Confirm revocation' },
      h(
        'p',
        null,
        `Revoke key ${keyId}? Orders signed with it are refused from now on; its past orders keep their evidence.`,
      ),
      field('Your password', password),
      submit,
      ' ',
      h('button', { type: 'button', onclick: () => replace(status) }, 'Back'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void busy(submit, async () => {
        await call<OwnKeyChange>('DELETE', `/account/keys/${segment(keyId)}`, { password: password.value });
        context.refresh(`Key ${keyId} is revoked.`);
      });
    });
    replace(status, form);
    password.focus();
  };
  return h('button', { type: 'button', class: 'danger', onclick: confirmRevoke }, 'Revoke…');
}
