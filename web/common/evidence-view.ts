/**
 * Evidence in a web app: the verdict on a bundle checked in the page (shared/evidence.ts's checks, those of `po verify`,
 * with WebCrypto), drawn as a block, and the bundle to download as the file `po orders export` writes.
 */
import { evidenceFileText } from '../../shared/evidence-format.js';
import { checkEvidence } from '../../shared/evidence.js';
import type { EvidenceBundle, VerifiedEvidence } from '../../shared/evidence.js';
import { EvidenceError } from '../../shared/errors.js';
import { WEB_EVIDENCE_CRYPTO } from '../crypto/evidence-crypto.js';
import { facts, h } from './dom.js';
import { money, time } from './format.js';

/** The verdict on evidence: what it proves, or the first check that failed. */
export type Verdict =
  | { readonly valid: true; readonly bundle: EvidenceBundle; readonly verified: VerifiedEvidence }
  | { readonly valid: false; readonly code: string; readonly message: string };

/**
 * The verdict of the offline checks alone (those of `po verify`): nothing is asked of the OPD.
 * @throws what is not an evidence failure (a bug, not a verdict)
 */
export async function offlineVerdict(candidate: unknown): Promise<Verdict> {
  try {
    const bundle = candidate as EvidenceBundle;
    return { valid: true, bundle, verified: await checkEvidence(WEB_EVIDENCE_CRYPTO, bundle) };
  } catch (error) {
    if (error instanceof EvidenceError) return { valid: false, code: error.code, message: error.message };
    throw error;
  }
}

/** The verdict as a block: valid with what was checked, or invalid with the failed check's code. */
export function verdictBlock(verdict: Verdict): HTMLElement {
  if (!verdict.valid)
    return h(
      'div',
      { class: 'verdict invalid', role: 'alert' },
      h('p', null, h('strong', null, 'Evidence INVALID'), ' — ', verdict.message, ' ', h('code', null, verdict.code)),
    );
  const { verified } = verdict;
  const { customerKey, receiptKey, receipt, cancellation } = verified;
  return h(
    'div',
    { class: 'verdict valid', role: 'status' },
    h('p', null, h('strong', null, 'Evidence valid'), ' — checked in this browser'),
    facts([
      ['Order', `${verified.order.jti} of ${verified.order.iss}`],
      [
        "Customer's signature",
        `${customerKey.alg}, key ${customerKey.kid}${customerKey.kid === customerKey.fingerprint ? ' (its fingerprint)' : ` (fingerprint ${customerKey.fingerprint})`}`,
      ],
      ["OPD's receipt", `EdDSA, key ${receiptKey.kid}, accepted ${time(new Date(receipt.iat * 1000).toISOString())}`],
      ...(cancellation
        ? ([
            [
              'Cancellation receipt',
              `by ${cancellation.receipt.cancelledBy}, refund ${money(cancellation.receipt.refundCents, cancellation.receipt.currency)}, ${time(new Date(cancellation.receipt.iat * 1000).toISOString())}`,
            ],
          ] as const)
        : []),
    ]),
  );
}

/** A button that saves the bundle as `<order ID>.evidence.json` (the ID its evidence proves). */
export function downloadButton(verified: VerifiedEvidence, bundle: EvidenceBundle): HTMLButtonElement {
  return h(
    'button',
    {
      type: 'button',
      onclick: () => {
        const url = URL.createObjectURL(new Blob([evidenceFileText(bundle)], { type: 'application/json' }));
        const anchor = document.createElement('a');
        anchor.href = url;
        anchor.download = `${verified.order.jti}.evidence.json`;
        anchor.click();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      },
    },
    'Download evidence',
  );
}
