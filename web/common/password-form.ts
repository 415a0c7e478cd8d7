/** The password change form of both apps: the forced one after a reset (the shell's) and the one a person chooses. */
import { changePassword } from './api.js';
import { field, h } from './dom.js';
import type { Child } from './dom.js';
import { submitOnce } from './view.js';

/** What the form says: its heading (level and text), a line of help, and what the current password is called. */
export interface PasswordFormWords {
  readonly heading: HTMLHeadingElement;
  readonly help: Child;
  readonly currentLabel: string;
}

/**
 * The form: `POST /password` with the current and the new password, which the OPD answers with a new session (kept by
 * web/common/api.ts); then `changed()`. Both fields are emptied after every attempt.
 */
export function passwordForm(words: PasswordFormWords, changed: () => void | Promise<void>): HTMLFormElement {
  const current = h('input', { id: 'pw-old', type: 'password', autocomplete: 'current-password', required: true });
  const next = h('input', { id: 'pw-new', type: 'password', autocomplete: 'new-password', required: true });
  const submit = h('button', { type: 'submit' }, 'Change password');
  const status = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    null,
    words.heading,
    h('p', null, words.help),
    field(words.currentLabel, current),
    field('New password', next),
    submit,
    status,
  );
  submitOnce(
    form,
    submit,
    status,
    () => changePassword(current.value, next.value).then(changed),
    () => {
      current.value = '';
      next.value = '';
    },
  );
  return form;
}
