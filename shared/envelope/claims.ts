/**
 * The order claims carried in the signed JWS payload (docs/envelope.md §3), their bounds, and their validation.
 * Validation is strict: exactly the documented claims, each of its documented type and range.
 */
// zod/mini: the same validation as zod at a twentieth of the bundle and a third of the load time (cold starts).
import * as z from 'zod/mini';
import { EnvelopeError } from '../errors.js';

/** Bounds of the envelope contract. Changing one changes docs/envelope.md §5. */
export const LIMITS = {
  /** Longest envelope (compact JWE characters) accepted; checked before any parsing or crypto. */
  maxEnvelopeChars: 16_384,
  /** Most order lines in one envelope (also keeps the DynamoDB transaction within its 100-action limit). */
  maxItems: 50,
  /** Largest quantity on one line. */
  maxQuantity: 10_000,
  /** Longest free-text note, in UTF-16 code units. */
  maxNoteLength: 500,
  /** Largest accepted |now − iat|, in seconds. */
  maxClockSkewSeconds: 300,
} as const;

export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const CUSTOMER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;
/** ≥ 128 bits as base64url (22 characters carry 132), at most 64 bytes. */
export const JTI_PATTERN = /^[A-Za-z0-9_-]{22,86}$/;
// Free text may hold line breaks and tabs but no other control characters (they hide content in terminals and mail).
// eslint-disable-next-line no-control-regex
const NOTE_PATTERN = /^[^\u0000-\u0008\u000B-\u001F\u007F]*$/;
const KID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

const orderItemSchema = z.strictObject({
  sku: z.string().check(z.regex(SKU_PATTERN, 'sku must be 1–64 characters of A–Z a–z 0–9 . _ -')),
  qty: z
    .int('qty must be a whole number')
    .check(
      z.minimum(1, 'qty must be at least 1'),
      z.maximum(LIMITS.maxQuantity, `qty must be at most ${LIMITS.maxQuantity}`),
    ),
});

const itemsSchema = z.array(orderItemSchema).check(
  z.minLength(1, 'an order needs at least one line'),
  z.maxLength(LIMITS.maxItems, `an order has at most ${LIMITS.maxItems} lines`),
  z.refine(
    (items) => new Set(items.map((item) => item.sku)).size === items.length,
    'each sku may appear on one line only',
  ),
);

const claimsSchema = z.strictObject({
  iss: z.string().check(z.regex(CUSTOMER_ID_PATTERN, 'iss must be a customer ID')),
  aud: z.string().check(z.regex(KID_PATTERN, 'aud must be a server key ID')),
  iat: z.int('iat must be whole seconds').check(z.minimum(0), z.maximum(Number.MAX_SAFE_INTEGER)),
  jti: z.string().check(z.regex(JTI_PATTERN, 'jti must be 22–86 base64url characters (≥ 128 random bits)')),
  items: itemsSchema,
  note: z.optional(
    z
      .string()
      .check(
        z.maxLength(LIMITS.maxNoteLength, `note is at most ${LIMITS.maxNoteLength} characters`),
        z.regex(NOTE_PATTERN, 'note may not contain control characters'),
      ),
  ),
});

/** One order line. */
export type OrderItem = z.infer<typeof orderItemSchema>;
/** The verified claims of an order. */
export type OrderClaims = z.infer<typeof claimsSchema>;

/**
 * Validates decoded claims. Problems with the lines get their own codes (`too_many_items`, `items_invalid`) because
 * a client can act on them; everything else, a missing `items` claim included, is `claims_invalid`.
 * @throws EnvelopeError `claims_invalid`, `items_invalid` or `too_many_items`
 */
export function parseClaims(value: unknown): OrderClaims {
  const result = claimsSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path ?? [];
  const where = path.length > 0 ? path.join('.') : 'claims';
  const message = `${where}: ${issue?.message ?? 'invalid'}`;
  const itemsPresent = typeof value === 'object' && value !== null && 'items' in value;
  if (path[0] === 'items' && itemsPresent) {
    if (path.length === 1 && issue?.code === 'too_big') throw new EnvelopeError('too_many_items', message);
    throw new EnvelopeError('items_invalid', message);
  }
  throw new EnvelopeError('claims_invalid', message);
}
