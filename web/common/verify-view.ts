/**
 * Check an evidence file (`po orders export`'s, or one a customer or the OPD sent): read in the page and checked in the
 * page; the file is not sent anywhere. The verdict names the failed check's code. The console and the portal each say
 * which checks they run (the console also asks the OPD which receipt keys it publishes; the portal runs the offline
 * checks of `po verify` only).
 */
import { field, h, replace } from './dom.js';
import type { Child } from './dom.js';
import { verdictBlock } from './evidence-view.js';
import type { Verdict } from './evidence-view.js';
import { failure, show } from './view.js';
import type { ViewContext } from './view.js';

/** Evidence files are small (an order envelope is at most 16 KiB); a bigger file is not one. */
const MAX_FILE_BYTES = 256 * 1024;

/** The view: `intro` says what is checked, `verdictOn` checks the file's JSON. */
export function verifyFileView(
  context: ViewContext,
  intro: string,
  verdictOn: (value: unknown) => Promise<Verdict>,
): Promise<void> {
  const input = h('input', { id: 'evidence-file', type: 'file', accept: '.json,application/json' });
  const result = h('div', { 'aria-live': 'polite' });
  let checks = 0;
  input.addEventListener('change', () => void check(input.files?.[0]));
  // A file dropped on the view's area is checked as if chosen (the browser would otherwise open it instead). The
  // listeners are the area's, so they go with it when another view is drawn.
  const area = h('div', { class: 'drop-zone' }, h('p', null, intro), field('Evidence file', input), result);
  area.addEventListener('dragover', (event) => event.preventDefault());
  area.addEventListener('drop', (event) => {
    event.preventDefault();
    void check(event.dataTransfer?.files[0]);
  });
  show(context, 'Check evidence', area);
  return Promise.resolve();

  /** Checks the chosen file; a later choice wins over an earlier one still being checked. */
  async function check(file: File | undefined): Promise<void> {
    const mine = ++checks;
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
