/**
 * The customer's keys: the one this browser holds (a non-extractable CryptoKey in IndexedDB: it signs here, and
 * nothing — this page included — can read it out), made here or imported from a PEM file, registered with the OPD
 * by the self-service route (a proof of possession signed by the new key, and the password); and the keys the OPD
 * has registered, each of which the customer may revoke.
 */
import type { NewKeyRequest, OwnKeyChange, OwnKeysView } from '../../../contract/customer-api.js';
import { facts, field, h, replace, table } from '../../common/dom.js';
import { time } from '../../common/format.js';
import { show } from '../../common/view.js';
import type { ViewContext } from '../../common/view.js';
import { generateBrowserKey, importPkcs8Pem } from '../../crypto/keys.js';
import type { BrowserKey, BrowserKeyKind } from '../../crypto/keys.js';
import { signKeyProofInPage } from '../../crypto/seal.js';
import { PageError } from '../../common/page-error.js';
import { call, currentSession } from '../api.js';
import { forgetKey, keepKey, storedKey } from '../store.js';
import type { StoredKey } from '../store.js';
import { busyIn, passwordInput, revokeButton } from './key-steps.js';
import { pinsSection } from './trust.js';

/** PEM key files are a few KiB (RSA 8192 encrypted: under 7); anything much larger is not one. */
const MAX_KEY_FILE_BYTES = 64 * 1024;

const KINDS: ReadonlyArray<readonly [BrowserKeyKind, string]> = [
  ['ed25519', 'Ed25519 (EdDSA) — recommended'],
  ['p256', 'ECDSA P-256 (ES256)'],
  ['rsa3072', 'RSA-PSS 3072 bits (PS256)'],
];

export async function keysView(context: ViewContext): Promise<void> {
  const customerId = currentSession()!.customerId;
  const [account, held] = await Promise.all([call<OwnKeysView>('GET', '/account/keys'), storedKey(customerId)]);
  if (!context.current()) return;
  const status = h('div', { 'aria-live': 'polite' });
  const busy = busyIn(context, status);
  const registered = held && account.keys.find((key) => key.keyId === held.kid && key.status === 'active');

  show(
    context,
    'Keys',
    h(
      'section',
      { 'aria-labelledby': 'browser-key' },
      h('h2', { id: 'browser-key' }, 'Your key in this browser'),
      held ? heldKey(held, Boolean(registered)) : newKeyForms(),
    ),
    status,
    h(
      'section',
      { 'aria-labelledby': 'opd-keys' },
      h('h2', { id: 'opd-keys' }, 'Your keys registered with the OPD'),
      table(
        'Registered keys',
        ['Key ID', 'Algorithm', 'Status', 'Added', ''],
        account.keys.map((key) => [
          h('span', { class: 'id' }, key.keyId),
          key.alg,
          h('span', { class: `status ${key.status}` }, key.status),
          time(key.addedAt),
          key.status === 'active' ? revokeButton(key.keyId, context, status) : `revoked ${time(key.revokedAt)}`,
        ]),
        'No keys registered.',
      ),
    ),
    await pinsSection(),
  );

  function heldKey(key: StoredKey, isRegistered: boolean): HTMLElement {
    const forget = h(
      'button',
      {
        type: 'button',
        class: 'danger',
        onclick: () => {
          // The key cannot be copied out: forgotten, it is gone for good. Asked first.
          const confirm = h(
            'button',
            {
              type: 'button',
              class: 'danger',
              onclick: () =>
                void busy(confirm, async () => {
                  await forgetKey(customerId);
                  context.refresh(
                    'The key is gone from this browser. It is still registered with the OPD until you revoke it.',
                  );
                }),
            },
            'Confirm: forget the key',
          );
          replace(
            status,
            h(
              'div',
              { class: 'confirm', role: 'group', 'aria-label': 'Confirm forgetting the key' },
              h(
                'p',
                null,
                key.source === 'generated'
                  ? 'This key was made in this browser and cannot be copied out: once forgotten it is gone for good. Orders it signed keep their evidence; to order again you make or import another key.'
                  : 'The browser forgets its copy; the key file you imported it from still holds it.',
              ),
              confirm,
              ' ',
              h('button', { type: 'button', onclick: () => replace(status) }, 'Back'),
            ),
          );
          confirm.focus();
        },
      },
      'Forget it in this browser…',
    );
    return h(
      'div',
      null,
      facts([
        ['Key ID', key.kid],
        ['Algorithm', key.alg],
        [
          'Made',
          `${key.source === 'generated' ? 'in this browser' : 'imported from a key file'}, ${time(key.createdAt)}`,
        ],
        ['Can it be copied out?', 'No: the browser keeps it as a non-extractable key; it only signs.'],
        ['Registered with the OPD', isRegistered ? 'yes, active' : 'no'],
      ]),
      !isRegistered && registerForm(key),
      h('div', { class: 'buttons' }, forget),
    );
  }

  /** Registers a held key that the OPD does not have (an imported one, or one whose registration failed). */
  function registerForm(key: StoredKey): HTMLElement {
    const password = passwordInput('register-password');
    const submit = h('button', { type: 'submit' }, 'Register it with the OPD');
    const form = h('form', null, field('Your password', password), submit);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void busy(submit, async () => {
        await register(
          { publicKeyPem: key.publicKeyPem, signer: { alg: key.alg, kid: key.kid, privateKey: key.privateKey } },
          password.value,
        );
        context.refresh(`Key ${key.kid} is registered: orders signed with it are accepted.`);
      });
    });
    return form;
  }

  function newKeyForms(): HTMLElement {
    const kind = h(
      'select',
      { id: 'new-key-kind' },
      KINDS.map(([value, label]) => h('option', { value }, label)),
    );
    const password = passwordInput('new-key-password');
    const make = h('button', { type: 'submit' }, 'Make and register the key');
    const makeForm = h(
      'form',
      { 'aria-labelledby': 'make-key' },
      h('h3', { id: 'make-key' }, 'Make a key here'),
      field('Algorithm', kind),
      field('Your password (the OPD asks it to add a key)', password),
      make,
    );
    makeForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void busy(make, async () => {
        const made = await generateBrowserKey(kind.value as BrowserKeyKind);
        // Kept first: if the registration fails, the key is still here, to be registered again (not lost).
        await keep(made, 'generated');
        if (!(await registerKept(made, password.value))) return;
        context.refresh(`Key ${made.signer.kid} is made in this browser and registered with the OPD.`);
      });
    });

    const file = h('input', { id: 'import-file', type: 'file', accept: '.pem,.key,text/plain', required: true });
    const passphrase = h('input', { id: 'import-passphrase', type: 'password', autocomplete: 'off' });
    const importPassword = h('input', { id: 'import-password', type: 'password', autocomplete: 'current-password' });
    const load = h('button', { type: 'submit' }, 'Import the key');
    const importForm = h(
      'form',
      { 'aria-labelledby': 'import-key' },
      h('h3', { id: 'import-key' }, 'Or import a key file'),
      h(
        'p',
        null,
        'A private key in PEM (PKCS#8) as po keygen or openssl genpkey write it, encrypted or not: Ed25519, ECDSA P-256 or RSA. DSA keys cannot be used in a browser (WebCrypto has no DSA): keep ordering with po.',
      ),
      field('Key file', file),
      field('Its passphrase (if it has one)', passphrase),
      field('Your password (only if the key is not registered yet)', importPassword),
      load,
    );
    importForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void busy(load, async () => {
        const chosen = file.files?.[0];
        if (!chosen) throw new PageError('key_file_missing', 'Choose a key file.');
        if (chosen.size > MAX_KEY_FILE_BYTES)
          throw new PageError('key_malformed', `${chosen.name} is too large to be a key file.`);
        const imported = await importPkcs8Pem(
          await chosen.text(),
          passphrase.value === '' ? undefined : passphrase.value,
        );
        passphrase.value = '';
        const known = account.keys.find((key) => key.keyId === imported.signer.kid && key.status === 'active');
        await keep(imported, 'imported');
        if (!known && !(await registerKept(imported, importPassword.value))) return;
        context.refresh(
          `Key ${imported.signer.kid} is imported${known ? ' (already registered)' : ' and registered'}. This browser keeps it non-extractable; the file is not needed here any more.`,
        );
      });
    });
    return h(
      'div',
      null,
      h('p', null, 'This browser holds no key of yours: orders are signed here with a key that never leaves it.'),
      makeForm,
      importForm,
    );
  }

  async function register(key: Pick<BrowserKey, 'publicKeyPem' | 'signer'>, password: string): Promise<void> {
    const proof = await signKeyProofInPage({ customerId, opdId: account.opdId, signer: key.signer });
    const request: NewKeyRequest = { publicKeyPem: key.publicKeyPem, keyId: key.signer.kid, proof, password };
    await call<OwnKeyChange>('POST', '/account/keys', request);
  }

  /** Registers a key just kept; if the OPD refuses, the page shows it kept and unregistered, and why. */
  async function registerKept(key: Pick<BrowserKey, 'publicKeyPem' | 'signer'>, password: string): Promise<boolean> {
    try {
      await register(key, password);
      return true;
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'refused';
      const code = (error as { code?: string }).code;
      context.refresh(
        `Key ${key.signer.kid} is kept in this browser but not registered: ${reason}${code ? ` [${code}]` : ''}. Register it below.`,
      );
      return false;
    }
  }

  async function keep(key: BrowserKey, source: StoredKey['source']): Promise<void> {
    try {
      await keepKey({
        customerId,
        kid: key.signer.kid,
        alg: key.signer.alg,
        privateKey: key.signer.privateKey,
        publicKeyPem: key.publicKeyPem,
        source,
        createdAt: new Date().toISOString(),
      });
    } catch {
      throw new PageError(
        'storage_failed',
        `This browser could not keep the key ${key.signer.kid}; nothing was registered.`,
      );
    }
  }
}
