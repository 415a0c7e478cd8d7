/**
 * Check an evidence file (`po orders export`'s, or one a customer sent): read in the page and checked in the page with
 * the checks of `po verify`, its receipt keys against the OPD's published ones; the file is not sent anywhere. The
 * verdict names the failed check's code.
 */
import { failure, show } from '../view.js';
import type { ConsoleContext } from '../view.js';
import { field, h, replace } from '../../common/dom.js';
import type { Child } from '../../common/dom.js';
import { verdictBlock, verdictOn } from './order.js';

/** Evidence files are small (an order envelope is at most 16 KiB); a bigger file is not one. */
const MAX_FILE_BYTES = 256 * 1024;

export function verifyFileView(context: ConsoleContext): Promise<void> {
  const input = h('input', { id: 'evidence-file', type: 'file', accept: '.json,application/json' });
  const result = h('div', { 'aria-live': 'polite' });
  let checks = 0;
  input.addEventListener('change', () => void check());
  show(
    context,
    'Check evidence',
    h(
      'p',
      null,
      'Choose an evidence file (as po orders export writes it): it is checked here in the browser with the checks of po verify, and its receipt keys against the ones the OPD publishes. The file is not sent anywhere.',
    ),
    field('Evidence file', input),
    result,
  );
  return Promise.resolve();

  /** Checks the chosen file; a later choice wins over an earlier one still being checked. */
  async function check(): Promise<void> {
    const mine = ++checks;
    const file = input.files?.[0];
    const answer = (...children: Child[]) => {
      if (mine === checks) replace(result, ...children);
    };
    if (!file) return answer();
    input.value = ''; // read once: choosing the same file again checks it again
    const invalid = (message: string) => verdictBlock({ valid: false, code: 'evidence_malformed', message });
    if (file.size > MAX_FILE_BYTES) return answer(invalid(`${file.name} is too large to be an evidence file`));
    let value: unknown;
    try {
      value = JSON.parse(await file.text());
    } catch {
      return answer(invalid(`${file.name} is not JSON`));
    }
    try {
      answer(h('p', null, `${file.name}:`), verdictBlock(await verdictOn(value)));
    } catch (error) {
      answer(failure(error));
    }
  }
}
