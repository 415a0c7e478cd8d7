/**
 * `po verify FILE`: checks an evidence bundle offline — no profile, no network — and says what it proves.
 * Exit 0 valid, 1 invalid (with the failing check's code), 2 unreadable input (docs/evidence.md).
 */
import type { Command } from 'commander';
import { EvidenceError } from '../../shared/errors.js';
import { parseEvidence } from '../../shared/evidence.js';
import { verifyEvidence } from '../../shared/evidence-node.js';
import type { VerifiedEvidence } from '../../shared/evidence.js';
import { formatMoney } from '../../shared/money.js';
import { readStdinText, readTextFile } from '../io.js';
import { runWithGlobals } from '../globals.js';
import { EXIT } from '../output.js';
import { linesTable, print } from '../view.js';
import { showable } from '../../shared/display.js';

/** Largest bundle read: a bundle is a few KiB; anything much larger is not one. */
const MAX_BUNDLE_CHARS = 256 * 1024;

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** The machine-readable result: what was verified, with both keys' fingerprints. */
function summary(evidence: VerifiedEvidence) {
  const { order, receipt } = evidence;
  return {
    valid: true,
    orderId: order.jti,
    customerId: order.iss,
    opd: receipt.iss,
    signedAt: iso(order.iat),
    acceptedAt: iso(receipt.iat),
    status: evidence.cancellation ? 'cancelled' : receipt.status,
    ...(receipt.ledgerEntry === undefined ? {} : { paidInLedgerEntry: receipt.ledgerEntry }),
    ...(evidence.cancellation
      ? {
          cancellation: {
            cancelledAt: iso(evidence.cancellation.receipt.iat),
            by: evidence.cancellation.receipt.cancelledBy,
            ...(evidence.cancellation.receipt.reason === undefined
              ? {}
              : { reason: evidence.cancellation.receipt.reason }),
            refundCents: evidence.cancellation.receipt.refundCents,
            refundLedgerEntry: evidence.cancellation.receipt.ledgerEntry,
            receiptKey: evidence.cancellation.receiptKey,
          },
        }
      : {}),
    currency: order.currency,
    totalCents: order.totalCents,
    lines: order.items,
    ...(order.note === undefined ? {} : { note: order.note }),
    customerKey: evidence.customerKey,
    receiptKey: evidence.receiptKey,
    orderDigest: receipt.orderDigest,
  };
}

/** What a valid bundle proves, for people. */
function describe(result: ReturnType<typeof summary>): string {
  return [
    `VALID: order ${result.orderId} of customer ${result.customerId}, ${result.status} by ${result.opd}`,
    `  signed at    ${result.signedAt}  by ${result.customerKey.alg} key ${result.customerKey.kid}`,
    `               key fingerprint ${result.customerKey.fingerprint}`,
    `  accepted at  ${result.acceptedAt}  receipt key ${result.receiptKey.kid} (its fingerprint)`,
    ...(result.cancellation
      ? [
          `  cancelled at ${result.cancellation.cancelledAt}  by ${result.cancellation.by === 'opd' ? `the OPD: ${result.cancellation.reason ?? ''}` : "the customer's signed request"}`,
          `               refunded ${formatMoney(result.cancellation.refundCents, result.currency)} (ledger entry ${result.cancellation.refundLedgerEntry})`,
        ]
      : []),
    ...linesTable(result.lines, result.currency),
    `  total ${formatMoney(result.totalCents, result.currency)}`,
    ...(result.note === undefined ? [] : [`  note: ${showable(result.note)}`]),
    '  checked: both signatures, key IDs, the receipt names this exact signed order (SHA-256),',
    '           and its customer, order ID, lines, prices, currency, total and time match the signed order',
    ...(result.cancellation
      ? ['           the cancellation receipt (and the customer’s signed request) cancel exactly this order']
      : []),
  ].join('\n');
}

/** Registers `po verify`. */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('check an evidence bundle offline (no profile, no network): signatures, keys, digest, contents')
    .argument('<file>', 'an evidence bundle (po orders export), or - for standard input')
    .addHelpText(
      'after',
      `
Exit status: 0 valid · 1 invalid (the failing check's code is printed) · 2 not a readable bundle.
With --json the result is printed on standard output either way: {"valid":true,…} or {"valid":false,"error":{…}}.
docs/evidence.md describes each check and how to do them with openssl instead.`,
    )
    .action((file: string, _options: unknown, command: Command) =>
      runWithGlobals(command, async (globals) => {
        const text =
          file === '-'
            ? await readStdinText(MAX_BUNDLE_CHARS, 'evidence bundle')
            : await readTextFile(file, 'evidence bundle');
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          throw new EvidenceError('evidence_malformed', `${file === '-' ? 'standard input' : file} is not JSON`);
        }
        const bundle = parseEvidence(value);
        let verified: VerifiedEvidence;
        try {
          verified = await verifyEvidence(bundle);
        } catch (error) {
          if (!(error instanceof EvidenceError) || !globals.json) throw error;
          print(globals, { valid: false, error: { code: error.code, message: error.message } }, () => '');
          process.exitCode = EXIT.rejected;
          return;
        }
        const result = summary(verified);
        print(globals, result, () => describe(result));
      }),
    );
}
