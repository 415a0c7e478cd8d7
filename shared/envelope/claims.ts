/**
 * The order claims carried in the signed JWS payload (docs/envelope.md §3), their bounds, and their validation.
 * Validation is strict: exactly the documented claims, each of its documented type and range.
 */
// zod/mini: the same validation as zod at a twentieth of the bundle and a third of the load time (cold starts).
import * as z from 'zod/mini';
import { onFirstUse } from '../lazy.js';
import { EnvelopeError } from '../errors.js';
import { CURRENCY_PATTERN, linesTotalCents } from '../money.js';
import {
  CUSTOMER_ID_PATTERN,
  KEY_ID_PATTERN,
  ORDER_ID_PATTERN,
  ORDER_ID_RULE,
  ORDER_LIMITS,
  SKU_PATTERN,
  SKU_RULE,
} from '../rules.js';
import { MULTILINE_TEXT_RULE, isMultilineText } from '../text.js';

// Every schema is built on first use, not when the module is imported: the order function's cold start imports this
// module, and a valid order never reaches zod (validClaims below accepts it first).
const orderItemSchema = onFirstUse(() =>
  z.strictObject({
    sku: z.string().check(z.regex(SKU_PATTERN, `sku must be ${SKU_RULE}`)),
    qty: z
      .int('qty must be a whole number')
      .check(
        z.minimum(1, 'qty must be at least 1'),
        z.maximum(ORDER_LIMITS.maxQuantity, `qty must be at most ${ORDER_LIMITS.maxQuantity}`),
      ),
    unitPriceCents: z
      .int('unitPriceCents must be a whole number of cents')
      .check(
        z.minimum(0, 'unitPriceCents must not be negative'),
        z.maximum(ORDER_LIMITS.maxUnitPriceCents, `unitPriceCents must be at most ${ORDER_LIMITS.maxUnitPriceCents}`),
      ),
  }),
);
/** The signed lines: 1–50, no SKU twice. A receipt repeats them with the same rules. */
export const itemsSchema = onFirstUse(() =>
  z.array(orderItemSchema()).check(
    z.minLength(1, 'an order needs at least one line'),
    z.maxLength(ORDER_LIMITS.maxItems, `an order has at most ${ORDER_LIMITS.maxItems} lines`),
    z.refine(
      (items) => new Set(items.map((item) => item.sku)).size === items.length,
      'each sku may appear on one line only',
    ),
  ),
);
/** An ISO 4217 code; whether it is the catalogue's currency is the OPD's check, not the envelope's. */
export const currencySchema = onFirstUse(() =>
  z.string().check(z.regex(CURRENCY_PATTERN, 'currency must be an ISO 4217 code (three capital letters)')),
);
/** A total in cents: a whole number within the bound every valid order stays under. */
export const totalCentsSchema = onFirstUse(() =>
  z
    .int('totalCents must be a whole number of cents')
    .check(
      z.minimum(0),
      z.maximum(ORDER_LIMITS.maxTotalCents, `totalCents must be at most ${ORDER_LIMITS.maxTotalCents}`),
    ),
);
/** The issued-at time of a signed object: whole seconds since the epoch. */
export const iatSchema = onFirstUse(() =>
  z.int('iat must be whole seconds').check(z.minimum(0), z.maximum(Number.MAX_SAFE_INTEGER)),
);
const claimsSchema = onFirstUse(() =>
  z
    .strictObject({
      iss: z.string().check(z.regex(CUSTOMER_ID_PATTERN, 'iss must be a customer ID')),
      aud: z.string().check(z.regex(KEY_ID_PATTERN, 'aud must be a server key ID')),
      iat: iatSchema(),
      jti: z.string().check(z.regex(ORDER_ID_PATTERN, `jti must be ${ORDER_ID_RULE} (≥ 128 random bits)`)),
      items: itemsSchema(),
      currency: currencySchema(),
      totalCents: totalCentsSchema(),
      note: z.optional(
        z.string().check(
          z.maxLength(ORDER_LIMITS.maxNoteLength, `note is at most ${ORDER_LIMITS.maxNoteLength} characters`),
          // Line breaks and tabs, but no other control character: they hide content in terminals and mail.
          z.refine(isMultilineText, `note ${MULTILINE_TEXT_RULE}`),
        ),
      ),
    })
    .check(
      // The customer signs the total it agreed to; it must be exactly what the lines add up to.
      z.refine((claims) => claims.totalCents === linesTotalCents(claims.items), {
        message: 'totalCents must equal the sum of qty × unitPriceCents over the lines',
        path: ['totalCents'],
      }),
    ),
);
/** One order line as the customer signs it: SKU, quantity and the unit price agreed to. */
export type OrderItem = z.infer<ReturnType<typeof orderItemSchema>>;

/** The verified claims of an order. */
export type OrderClaims = z.infer<ReturnType<typeof claimsSchema>>;

/** The claims' members in the words of the people who read the error (the member name stays, for programs). */
const FIELD_WORDS: Readonly<Record<string, string>> = {
  qty: 'quantity',
  unitPriceCents: 'unit price (unitPriceCents)',
  sku: 'SKU',
  totalCents: 'total (totalCents)',
  iat: 'signing time (iat)',
  jti: 'order ID (jti)',
  iss: 'customer (iss)',
  aud: 'server key (aud)',
  items: 'order lines (items)',
};
const FIELD = new RegExp(`\\b(${Object.keys(FIELD_WORDS).join('|')})\\b`, 'g');

/**
 * A validation issue as a sentence: the member in words (`quantity`, not `qty`), and an order line by its number
 * (`line 2: quantity must be at least 1`), never a JSON path.
 */
function issueInWords(issue: z.core.$ZodIssue | undefined): string {
  const path = issue?.path ?? [];
  const last = path.at(-1);
  let raw = issue?.message ?? 'invalid';
  // zod/mini's own messages are bare ("Invalid input"): say what is wrong.
  if (issue?.code === 'unrecognized_keys')
    raw = `unknown member${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => JSON.stringify(key.slice(0, 40))).join(', ')}`;
  else if (raw === 'Invalid input')
    raw = issue?.code === 'invalid_type' ? `missing, or not a ${issue.expected}` : 'not valid';
  const names = typeof last === 'string' && !raw.includes(last) ? `${last}: ${raw}` : raw;
  const message = names.replace(FIELD, (field: string) => FIELD_WORDS[field] ?? field);
  return path[0] === 'items' && typeof path[1] === 'number' ? `line ${path[1] + 1}: ${message}` : message;
}

/** The envelope error for a failed validation issue: lines get their own codes because a client can act on them. */
function claimsError(issue: z.core.$ZodIssue | undefined, itemsPresent: boolean): EnvelopeError {
  const path = issue?.path ?? [];
  const message = issueInWords(issue);
  if (path[0] === 'items' && itemsPresent) {
    if (path.length === 1 && issue?.code === 'too_big') return new EnvelopeError('too_many_items', message);
    return new EnvelopeError('items_invalid', message);
  }
  return new EnvelopeError('claims_invalid', message);
}

/**
 * Validates decoded claims. Problems with the lines get their own codes (`too_many_items`, `items_invalid`) because
 * a client can act on them; everything else, a missing `items` claim included, is `claims_invalid`.
 * @throws EnvelopeError `claims_invalid`, `items_invalid` or `too_many_items`
 */
export function parseClaims(value: unknown): OrderClaims {
  const valid = validClaims(value);
  if (valid) return valid;
  const result = claimsSchema().safeParse(value);
  if (result.success) return result.data;
  const claims = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  if (claims && isVersion1(claims))
    throw new EnvelopeError(
      'claims_invalid',
      'a version 1 order (lines without prices, no currency, no total): sign it again at the quoted prices',
    );
  // docs/envelope.md §6: the set of claims and their JSON types (step 10), then the lines (10a, 10b), then every other
  // claim's rule (10c) — whatever order zod found the issues in.
  const { issues } = result.error;
  const structural = issues.find((issue) => claims === undefined || isStructural(issue, claims));
  const inLines = issues.find((issue) => issue.path[0] === 'items');
  throw claimsError(structural ?? inLines ?? issues[0], claims !== undefined && 'items' in claims);
}

/** The members of the claims and of a line, for the fast path below. */
const CLAIM_NAMES = new Set(['iss', 'aud', 'iat', 'jti', 'items', 'currency', 'totalCents', 'note']);
const ITEM_NAMES = new Set(['sku', 'qty', 'unitPriceCents']);

/** An own-prototype plain object (what JSON.parse makes) whose enumerable members are all in `names`. */
function isPlainObjectOf(value: unknown, names: ReadonlySet<string>): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const name in value) if (!names.has(name)) return false;
  return true;
}

const isIntIn = (value: unknown, min: number, max: number): value is number =>
  Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;

/**
 * The claims as {@link claimsSchema} would return them, when they are valid; `undefined` otherwise — and then the
 * schema judges them again and says why. An order the OPD accepts is checked here only: the schema's general machinery
 * cost the OPD about as much as all of its parsing besides (bench/envelope.ts). Every rule below is one of the schema's
 * (a value this accepts, the schema accepts, and returns alike: the same members in the same order); the schema stays
 * the one definition of the claims and of every refusal.
 */
function validClaims(value: unknown): OrderClaims | undefined {
  if (!isPlainObjectOf(value, CLAIM_NAMES)) return undefined;
  const { iss, aud, iat, jti, items, currency, totalCents, note } = value;
  if (typeof iss !== 'string' || !CUSTOMER_ID_PATTERN.test(iss)) return undefined;
  if (typeof aud !== 'string' || !KEY_ID_PATTERN.test(aud)) return undefined;
  if (!isIntIn(iat, 0, Number.MAX_SAFE_INTEGER)) return undefined;
  if (typeof jti !== 'string' || !ORDER_ID_PATTERN.test(jti)) return undefined;
  if (!Array.isArray(items) || items.length < 1 || items.length > ORDER_LIMITS.maxItems) return undefined;
  const lines: OrderItem[] = [];
  const skus = new Set<string>();
  for (const item of items as unknown[]) {
    if (!isPlainObjectOf(item, ITEM_NAMES)) return undefined;
    const { sku, qty, unitPriceCents } = item;
    if (typeof sku !== 'string' || !SKU_PATTERN.test(sku) || skus.has(sku)) return undefined;
    if (!isIntIn(qty, 1, ORDER_LIMITS.maxQuantity)) return undefined;
    if (!isIntIn(unitPriceCents, 0, ORDER_LIMITS.maxUnitPriceCents)) return undefined;
    skus.add(sku);
    lines.push({ sku, qty, unitPriceCents });
  }
  if (typeof currency !== 'string' || !CURRENCY_PATTERN.test(currency)) return undefined;
  if (!isIntIn(totalCents, 0, ORDER_LIMITS.maxTotalCents) || totalCents !== linesTotalCents(lines)) return undefined;
  if (!('note' in value)) return { iss, aud, iat, jti, items: lines, currency, totalCents };
  if (typeof note !== 'string' || note.length > ORDER_LIMITS.maxNoteLength || !isMultilineText(note)) return undefined;
  return { iss, aud, iat, jti, items: lines, currency, totalCents, note };
}

/** The JSON type of each claim but the lines (docs/envelope.md §4). */
const CLAIM_JSON_TYPES: Readonly<Record<string, 'string' | 'number'>> = {
  iss: 'string',
  aud: 'string',
  iat: 'number',
  jti: 'string',
  currency: 'string',
  totalCents: 'number',
  note: 'string',
};

/**
 * Whether an issue is one of the set of claims or of a claim's JSON type (§6 step 10): an unknown claim, or a claim
 * other than the lines missing or not of its JSON type. A number that breaks a claim's rule (a fraction, a bound) is
 * step 10c, judged after the lines: a total is wrong because a line is, more often than not.
 */
function isStructural(issue: z.core.$ZodIssue, claims: Record<string, unknown>): boolean {
  if (issue.code === 'unrecognized_keys') return true;
  const [name] = issue.path;
  if (issue.path.length !== 1 || typeof name !== 'string' || !Object.hasOwn(CLAIM_JSON_TYPES, name)) return false;
  return typeof claims[name] !== CLAIM_JSON_TYPES[name];
}

/** Claims as version 1 of the envelope signed them: SKUs and quantities only, no currency, no total. */
function isVersion1(claims: Record<string, unknown>): boolean {
  return (
    !('currency' in claims) &&
    !('totalCents' in claims) &&
    Array.isArray(claims.items) &&
    claims.items.some((item) => typeof item === 'object' && item !== null && !('unitPriceCents' in item))
  );
}

/**
 * Validates order lines on their own, with the rules of the claims (a client checks them before it asks for a quote).
 * @throws EnvelopeError `items_invalid` or `too_many_items`
 */
export function checkItems(items: readonly OrderItem[]): void {
  const result = itemsSchema().safeParse(items);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw claimsError(issue && { ...issue, path: ['items', ...issue.path] }, true);
  }
}
