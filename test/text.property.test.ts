/**
 * One rule for free text (shared/text.ts): for any string, the OPD accepts it exactly when a verifier of the evidence
 * (`verifyEvidence`, what `po verify` runs) accepts it — a signed order's note, and the OPD's cancellation reason — and
 * both agree with the rule as docs/envelope.md and docs/evidence.md state it.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { newOrderId, openOrder } from '../shared/envelope/index.js';
import { encryptJwe } from '../shared/envelope/jwe.js';
import { signJws } from '../shared/envelope/jws.js';
import { verifyEvidence } from '../shared/evidence-node.js';
import { reasonSchema } from '../shared/text.js';
import { MAX_LINE_LENGTH } from '../shared/text.js';
import { ITEMS, NOW, cancelledBundle, makeBundle, receiptKeyPair } from './helpers/evidence.js';
import type { ReceiptKeyPair } from './helpers/evidence.js';
import { customerKey, openOptions, serverKey } from './helpers/keys.js';
import type { CustomerKey, ServerKey } from './helpers/keys.js';
import { ORDER_LIMITS } from '../shared/rules.js';

let server: ServerKey;
let customer: CustomerKey;
let receiptKey: ReceiptKeyPair;

beforeAll(async () => {
  [server, customer] = await Promise.all([serverKey(), customerKey('ed25519')]);
  receiptKey = receiptKeyPair();
});

/** Characters where the rules differ or used to (C0, DEL, C1, separators, bidirectional and format characters). */
const EDGES = [
  '\u0000',
  '\t',
  '\n',
  '\u000b',
  '\r',
  '\u001b',
  '\u007f',
  '\u0080',
  '\u0085',
  '\u009b',
  '\u009d',
  '\u009f',
  '\u00a0',
  '\u061c',
  '\u200b',
  '\u200e',
  '\u200f',
  '\u2028',
  '\u2029',
  '\u202a',
  '\u202e',
  '\u2066',
  '\u2069',
  '\ufeff',
  '\ud800',
  '\udc00',
  'a',
  ' ',
  'é',
  '配',
  '🙂',
];
/** Any string: random UTF-16 code units (lone surrogates among them), or mostly the edge characters above. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(...EDGES), maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);

/** Whether `promise` (an OPD or verifier check) accepted. Only typed refusals count as refusals. */
async function accepted(check: () => unknown): Promise<boolean> {
  try {
    await check();
    return true;
  } catch (error) {
    expect(error, 'a refusal with a stable code, never an untyped exception').toHaveProperty('code');
    return false;
  }
}

describe('free text: the OPD and the evidence verifier accept exactly the same strings', () => {
  it('a signed note: openOrder (the OPD) ⇔ verifyEvidence (po verify), and both ⇔ the rule of docs/envelope.md §4', async () => {
    await fc.assert(
      fc.asyncProperty(anyText, async (note) => {
        const claims = {
          iss: 'alice',
          aud: server.kid,
          iat: NOW / 1000,
          jti: newOrderId(),
          items: ITEMS,
          currency: 'USD',
          totalCents: ITEMS.reduce((sum, item) => sum + item.qty * item.unitPriceCents, 0),
          note,
        };
        const jws = signJws(Buffer.from(JSON.stringify(claims)), customer.signer);
        const envelope = encryptJwe(Buffer.from(jws), server);
        const byOpd = await accepted(() => openOrder(envelope, openOptions(server, [customer.verifier], { now: NOW })));
        const prepared = { jws, envelope, claims: claims as never };
        const byVerifier = await accepted(() => verifyEvidence(makeBundle(customer, server, receiptKey, { prepared })));
        expect(byVerifier).toBe(byOpd);
        // docs/envelope.md §4: ≤ 500 UTF-16 code units, no control character but tab and line feed, no lone surrogate.
        const ruleAllows =
          note.length <= ORDER_LIMITS.maxNoteLength && note.isWellFormed() && !/[^\P{Cc}\t\n]/u.test(note);
        expect(byOpd).toBe(ruleAllows);
      }),
      { numRuns: 300 },
    );
  });

  it("the OPD's cancellation reason: the cancel route's check ⇔ verifyEvidence on a receipt carrying it", async () => {
    await fc.assert(
      fc.asyncProperty(anyText, async (reason) => {
        const byOpd = reasonSchema().safeParse(reason).success;
        const bundle = cancelledBundle(customer, server, receiptKey, {
          by: 'opd',
          claims: (signed) => ({ ...signed, reason }),
        });
        expect(await accepted(() => verifyEvidence(bundle))).toBe(byOpd);
        // docs/evidence.md: one line of plain text, 1–500 characters after trimming.
        const trimmed = reason.trim();
        const ruleAllows =
          trimmed.length >= 1 &&
          trimmed.length <= MAX_LINE_LENGTH &&
          trimmed.isWellFormed() &&
          !/[\p{Cc}\p{Zl}\p{Zp}\p{Bidi_Control}]/u.test(trimmed);
        expect(byOpd).toBe(ruleAllows);
      }),
      { numRuns: 300 },
    );
  });
});
