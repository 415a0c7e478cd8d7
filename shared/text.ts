/**
 * The rules for free text, in one place: what a signed note, a one-line field (a credit's reference, a cancellation's
 * reason) and catalogue text (a product's name) may hold. The OPD's edge validation, the envelope's claims, the
 * receipts, `po verify` and the tests all take them from here, so that the OPD never accepts text that a verifier
 * following docs/envelope.md or docs/evidence.md would refuse.
 *
 * Every rule refuses lone surrogates (text with no UTF-8 encoding: it cannot be stored, signed or mailed as it is).
 * - **Multi-line text** (a note): no control characters but tab and line feed — C0, DEL and C1 (U+0080–U+009F, among
 *   them U+0085, the "next line" break, and U+009B, a terminal's escape introducer) are all refused.
 * - **One line** (references, reasons, product names): no control characters at all, no mandatory line breaks (U+2028
 *   LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR; U+0085 is a control character) and no bidirectional controls (U+202E
 *   and kin make a terminal or an email show it in another order than it is stored).
 *
 * Pure: no I/O.
 */
import * as z from 'zod/mini';
import { onFirstUse } from './lazy.js';

/** Multi-line text: any character but a control character other than tab and line feed, or a lone surrogate. */
const MULTILINE_TEXT = /^(?:[\t\n]|[^\p{Cc}\p{Cs}])*$/u;

/** One line: no control characters, lone surrogates, line or paragraph separators, or bidirectional controls. */
const ONE_LINE_TEXT = /^[^\p{Cc}\p{Cs}\p{Zl}\p{Zp}\p{Bidi_Control}]*$/u;

/** Whether `text` may be a note: multi-line text (tab and line feed are its only control characters). */
export function isMultilineText(text: string): boolean {
  return MULTILINE_TEXT.test(text);
}

/** Whether `text` may be one line of plain text (before its length is checked). */
export function isOneLineText(text: string): boolean {
  return ONE_LINE_TEXT.test(text);
}

/** What {@link isMultilineText} refuses, in words (the end of an error message). */
export const MULTILINE_TEXT_RULE =
  'may not contain control characters other than tab and line feed (C1 controls such as U+0085 included) or lone surrogates';

/** What {@link isOneLineText} refuses, in words. */
export const ONE_LINE_TEXT_RULE =
  'must be one line of plain text: no control characters, line or paragraph separators (U+2028, U+2029), bidirectional controls or lone surrogates';

/** Longest one-line field the OPD records or signs (a reference, a reason), in UTF-16 code units after trimming. */
export const MAX_LINE_LENGTH = 500;

/**
 * A trimmed, non-empty line of plain text of at most `maxLength` characters, named `label` in its error messages
 * (`reference must be one line of plain text: …`).
 */
export function oneLine(label: string, maxLength = MAX_LINE_LENGTH) {
  return z
    .string(`${label} must be text`)
    .check(
      z.trim(),
      z.minLength(1, `${label} must not be empty`),
      z.maxLength(maxLength, `${label} must be at most ${maxLength} characters`),
      z.refine(isOneLineText, `${label} ${ONE_LINE_TEXT_RULE}`),
    );
}

/** Why the OPD cancelled an order itself: one line of text a person reads. */
export const reasonSchema = onFirstUse(() => oneLine('reason'));
