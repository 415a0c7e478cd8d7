/**
 * Check an evidence file (`po orders export`'s, or one a customer sent): read in the page, checked in the page with the
 * same checks as `po verify`; nothing is sent anywhere. The verdict names the failed check's code.
 */
import { checkEvidence } from '../../../shared/evidence.js';
import { EvidenceError } from '../../../shared/errors.js';
import { WEB_EVIDENCE_CRYPTO } from '../../crypto/evidence-crypto.js';
import { show } from '../view.js';
import type { ViewContext } from '../view.js';
import { field, h, replace } from '../dom.js';
import { verdictBlock } from './order.js';

/** Evidence files are small (an order envelope is at most 16 KiB); a bigger file is not one. */
const MAX_FILE_BYTES = 256 * 1024;

export function verifyFileView(context: ViewContext): Promise<void> {
  const input = h('input', { id: 'evidence-file', type: 'file', accept: '.json,application/json' });
  const result = h('div', { 'aria-live': 'polite' });
  input.addEventListener('change', () => void check());
  show(
    context,
    'Check evidence',
    h(
      'p',
      null,
      'Choose an evidence file (as po orders export writes it): it is checked here in the browser, offline, with the checks of po verify.',
    ),
    field('Evidence file', input),
    result,
  );
  return Promise.resolve();

  async function check(): Promise<void> {
    const file = input.files?.[0];
    if (!file) return replace(result);
    if (file.size > MAX_FILE_BYTES)
      return replace(
        result,
        verdictBlock({
          valid: false,
          code: 'evidence_malformed',
          message: `${file.name} is too large to be an evidence file`,
        }),
      );
    let value: unknown;
    try {
      value = JSON.parse(await file.text());
    } catch {
      return replace(
        result,
        verdictBlock({ valid: false, code: 'evidence_malformed', message: `${file.name} is not JSON` }),
      );
    }
    try {
      const verified = await checkEvidence(WEB_EVIDENCE_CRYPTO, value);
      replace(
        result,
        verdictBlock({ valid: true, bundle: value as never, verified }),
        h('p', null, `Order ${verified.order.jti} of ${verified.order.iss}.`),
      );
    } catch (error) {
      if (!(error instanceof EvidenceError)) throw error;
      replace(result, verdictBlock({ valid: false, code: error.code, message: error.message }));
    }
  }
}
