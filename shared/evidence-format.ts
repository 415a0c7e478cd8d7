/**
 * The formats evidence is made of (docs/evidence.md): a customer's signed cancellation and the evidence bundle that
 * holds the signed order with the OPD's receipts (shared/receipt-format.ts). Schemas only, pure: po, the functions and
 * the console in a browser read them alike.
 */
import * as z from 'zod/mini';
import { onFirstUse } from './lazy.js';
import { iatSchema } from './envelope/claims.js';
import { EvidenceError } from './errors.js';
import { receiptKeyJwkSchema } from './receipt-format.js';
import type { ReceiptKeyJwk } from './receipt-format.js';
import {
  CUSTOMER_ID_PATTERN,
  KEY_ID_PATTERN,
  KEY_ID_RULE,
  OPD_ID_PATTERN,
  ORDER_ID_PATTERN,
  ORDER_ID_RULE,
  ORDER_LIMITS,
  SIGNATURE_ALGS,
} from './rules.js';
import type { SignatureAlg } from './rules.js';

export * from './receipt-format.js';

/** The JWS `typ` of a signed cancellation. */
export const CANCEL_TYP = 'po-cancel+jwt';

// Schemas here are built on first use (shared/lazy.ts), as the request bodies are (shared/requests.ts): a function that
// imports this module for other reasons does not pay for building them at every cold start.
/** The claims of a signed cancellation, exactly these members (docs/envelope.md §10). */
export const cancellationClaimsSchema = onFirstUse(() =>
  z.strictObject({
    iss: z.string('iss must be a customer ID').check(z.regex(CUSTOMER_ID_PATTERN, 'iss must be a customer ID')),
    aud: z.string('aud must name the OPD').check(z.regex(OPD_ID_PATTERN, 'aud must name the OPD')),
    iat: iatSchema(),
    jti: z.string('jti must be a random ID').check(z.regex(ORDER_ID_PATTERN, `jti must be ${ORDER_ID_RULE}`)),
    orderId: z.string('orderId must be an order ID').check(z.regex(ORDER_ID_PATTERN, 'orderId must be an order ID')),
  }),
);

/** A signed cancellation's claims, as checked. */
export type CancellationClaims = z.infer<ReturnType<typeof cancellationClaimsSchema>>;

export const EVIDENCE_FORMAT = 'po-evidence';
export const EVIDENCE_VERSION = 1;

/** Longest text member: a PEM key (RSA-8192 is ≈ 1.4 KiB) or a JWS (an order is bounded by the envelope). */
const MAX_MEMBER_CHARS = ORDER_LIMITS.maxEnvelopeChars;
const text = (what: string) =>
  z
    .string(`must be ${what}`)
    .check(z.minLength(1, `must be ${what}`), z.maxLength(MAX_MEMBER_CHARS, `is longer than ${what} can be`));

const customerKeySchema = onFirstUse(() =>
  z.strictObject({
    kid: z.string('must be a key ID').check(z.regex(KEY_ID_PATTERN, `must be ${KEY_ID_RULE}`)),
    alg: z.enum(SIGNATURE_ALGS, `must be one of ${SIGNATURE_ALGS.join(', ')}`),
    /** SPKI PEM, as `openssl pkey -pubout` writes it. */
    publicKeyPem: text('an SPKI PEM public key'),
  }),
);

const bundleSchema = onFirstUse(() =>
  z.strictObject(
    {
      format: z.literal(EVIDENCE_FORMAT, `must be "${EVIDENCE_FORMAT}"`),
      version: z.literal(EVIDENCE_VERSION, `must be the number ${EVIDENCE_VERSION}`),
      order: z.strictObject({
        /** The customer's signed order: a compact JWS, verbatim. */
        jws: text('a compact JWS'),
        customerKey: customerKeySchema(),
      }),
      receipt: z.strictObject({
        /** The OPD's receipt: a compact JWS, verbatim. */
        jws: text('a compact JWS'),
        key: receiptKeyJwkSchema(),
      }),
      /** Present when the order was cancelled: the OPD's cancellation receipt and, if the customer asked, their request. */
      cancellation: z.optional(
        z.strictObject({
          request: z.optional(z.strictObject({ jws: text('a compact JWS'), customerKey: customerKeySchema() })),
          receipt: z.strictObject({ jws: text('a compact JWS'), key: receiptKeyJwkSchema() }),
        }),
      ),
    },
    'must be a JSON object with the members format, version, order and receipt',
  ),
);

/** An evidence bundle, shape-checked (nothing verified yet). */
export type EvidenceBundle = z.infer<ReturnType<typeof bundleSchema>>;

/** Puts a bundle together (the CLI does this from what the OPD returned). */
export function evidenceBundle(input: {
  orderJws: string;
  customerKey: { kid: string; alg: SignatureAlg; publicKeyPem: string };
  receiptJws: string;
  receiptKey: ReceiptKeyJwk;
  cancellation?: NonNullable<EvidenceBundle['cancellation']>;
}): EvidenceBundle {
  return {
    format: EVIDENCE_FORMAT,
    version: EVIDENCE_VERSION,
    order: { jws: input.orderJws, customerKey: input.customerKey },
    receipt: { jws: input.receiptJws, key: input.receiptKey },
    ...(input.cancellation ? { cancellation: input.cancellation } : {}),
  };
}

/** A bundle as a file holds it (`po orders export`, the console's download): indented JSON and a final newline. */
export function evidenceFileText(bundle: EvidenceBundle): string {
  return `${JSON.stringify(bundle, null, 2)}\n`;
}

/**
 * Checks that a value (parsed JSON) is a bundle of this format and version, with exactly the documented members.
 * @throws EvidenceError `evidence_malformed`
 */
export function parseEvidence(value: unknown): EvidenceBundle {
  const result = bundleSchema().safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'the bundle';
  const what =
    issue?.code === 'unrecognized_keys'
      ? `has a member it may not have: ${JSON.stringify(issue.keys[0]?.slice(0, 40))}`
      : (issue?.message ?? 'is invalid');
  throw new EvidenceError(
    'evidence_malformed',
    `not a ${EVIDENCE_FORMAT} v${EVIDENCE_VERSION} bundle: ${where} ${what}`,
  );
}
