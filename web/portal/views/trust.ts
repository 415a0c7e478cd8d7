/** A changed OPD key, as the page says it: both fingerprints, and the customer's decision to accept the new one. */
import { facts, h, replace, table } from '../../common/dom.js';
import { failure } from '../../common/view.js';
import type { ViewContext } from '../../common/view.js';
import { pins } from '../store.js';
import { acceptKey } from '../trust.js';
import type { KeyChanged } from '../trust.js';

export function keyChangedBlock(error: KeyChanged, context: ViewContext): HTMLElement {
  const { what, trust } = error;
  const status = h('div', { 'aria-live': 'polite' });
  const accept = h(
    'button',
    {
      type: 'button',
      onclick: () =>
        void (async () => {
          accept.disabled = true;
          try {
            await acceptKey(what, trust.current.fingerprint);
            context.refresh(`The OPD's new ${what} key ${trust.current.fingerprint} is trusted in this browser.`);
          } catch (failed) {
            accept.disabled = false;
            replace(status, failure(failed));
          }
        })(),
    },
    `I checked it with the OPD: trust the new ${what} key`,
  );
  return h(
    'div',
    { class: 'verdict invalid', role: 'alert' },
    h(
      'p',
      null,
      h('strong', null, `The OPD's ${what} key changed.`),
      ' Nothing was signed or sent. ',
      h('code', null, `[${error.code}]`),
    ),
    facts([
      ['Trusted in this browser', `${trust.pinned?.kid ?? ''} · fingerprint ${trust.pinned?.fingerprint ?? ''}`],
      ['The OPD’s key now', `${trust.current.kid} · fingerprint ${trust.current.fingerprint}`],
    ]),
    h(
      'p',
      null,
      'A rotation is normal; a substituted key is an attack. Check the new fingerprint with the OPD by another way than this page (a phone call, a letter) before you accept it.',
    ),
    accept,
    status,
  );
}

/** What this browser trusts of the OPD: the pinned server key and receipt keys, to compare with the OPD's word. */
export async function pinsSection(): Promise<HTMLElement> {
  const pinned = await pins();
  return h(
    'section',
    { 'aria-labelledby': 'pins' },
    h('h2', { id: 'pins' }, 'What this browser trusts of the OPD'),
    table(
      'Pinned OPD keys (trusted on the first order, or accepted since)',
      ['Key', 'Key ID', 'Fingerprint'],
      [
        ...(pinned.server ? [['Server key', pinned.server.kid, pinned.server.fingerprint]] : []),
        ...Object.values(pinned.receipt ?? {}).map((pin) => ['Receipt key', pin.fingerprint, pin.fingerprint]),
      ],
      'None yet: the first order trusts the keys the OPD publishes then, and shows them.',
    ),
  );
}
