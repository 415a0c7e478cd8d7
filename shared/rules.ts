/**
 * The rules every layer enforces, each written once: identifiers, the order contract's bounds, the catalogue's and
 * the customers' limits, passwords, request sizes, paging. The request schemas (shared/requests.ts), the envelope's
 * claims, API Gateway's models (contract/routes.ts), the CDK parameters, `po`'s prompts and messages, and the docs'
 * tables (test/rules.test.ts) all read them from here. Pure data — no Node, AWS or zod import — so that a browser can
 * import it as it is.
 *
 * Rules with a home of their own: free text (shared/text.ts), the login lockout (shared/lockout.ts), currencies
 * (shared/money.ts), account balances (shared/accounts.ts).
 */

/** The longest customer ID, in characters (API Gateway's login model bounds it too). */
export const CUSTOMER_ID_MAX_LENGTH = 128;
/** A customer ID: what a customer logs in with and signs as (the order's `iss`). */
export const CUSTOMER_ID_PATTERN = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._@+-]{0,${CUSTOMER_ID_MAX_LENGTH - 1}}$`);

/** A staff member's ID: what they log in with. The same rule as a customer's; the two are apart (shared/tokens.ts). */
export const STAFF_ID_PATTERN = CUSTOMER_ID_PATTERN;
/** How `po` and the API say {@link STAFF_ID_PATTERN} to a person. */
export const STAFF_ID_RULE = `1–${CUSTOMER_ID_MAX_LENGTH} characters of A–Z a–z 0–9 . _ @ + -, the first a letter or a digit`;

/**
 * How long a one-time password (a password reset's) may open a session, in seconds: it travels by hand from the staff
 * member who reset it, so it must not stay usable for long.
 */
export const ONE_TIME_PASSWORD_TTL_SECONDS = 24 * 3600;

/** A product's SKU. */
export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** How `po` and the API say {@link SKU_PATTERN} to a person. */
export const SKU_RULE = '1–64 characters of A–Z a–z 0–9 . _ -';

/**
 * An order ID: the envelope's `jti`, chosen by the customer's client. At least 128 bits as base64url (22 characters
 * carry 132), at most 64 bytes (86 characters).
 */
export const ORDER_ID_PATTERN = /^[A-Za-z0-9_-]{22,86}$/;
/** How `po` and the API say {@link ORDER_ID_PATTERN} to a person. */
export const ORDER_ID_RULE = '22–86 base64url characters';

/**
 * A key ID (a JWS or JWE `kid`, a registered key's name; by default the key's SPKI fingerprint). Key IDs appear in
 * JOSE headers, DynamoDB keys and URL paths: short and unambiguous. `.` and `..` are not IDs: no client can put them
 * in a URL path as one segment (they are resolved, percent-encoded or not).
 */
export const KEY_ID_PATTERN = /^(?!\.\.?$)[A-Za-z0-9._:-]{1,128}$/;
/** How `po` and the API say {@link KEY_ID_PATTERN} to a person. */
export const KEY_ID_RULE = '1–128 characters of A–Z a–z 0–9 . _ : -';

/** Who signs receipts (their `iss`): the OPD's name, configuration `OPD_ID`, a CDK parameter. */
export const OPD_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;

/** The request header that carries an idempotency key (shared/idempotency.ts). */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
/** An `Idempotency-Key`: a fresh random value per money request, the same one when it is sent again. */
export const IDEMPOTENCY_KEY = { minLength: 16, maxLength: 128 } as const;
/** {@link IDEMPOTENCY_KEY} as a pattern: its length, of A–Z a–z 0–9 . _ : - */
export const IDEMPOTENCY_KEY_PATTERN = new RegExp(
  `^[A-Za-z0-9._:-]{${IDEMPOTENCY_KEY.minLength},${IDEMPOTENCY_KEY.maxLength}}$`,
);

/** Bounds of the order envelope contract (docs/envelope.md §5 lists them; a test compares). */
export const ORDER_LIMITS = {
  /** Longest envelope (compact JWE characters) accepted; checked before any parsing or crypto. */
  maxEnvelopeChars: 16_384,
  /** Most order lines in one envelope (also keeps the DynamoDB transaction within its 100-action limit). */
  maxItems: 50,
  /** Largest quantity on one line. */
  maxQuantity: 10_000,
  /** Largest unit price, in cents (one million currency units; the catalogue accepts no more). */
  maxUnitPriceCents: 100_000_000,
  /** Largest total: every line at its largest. 5·10^13, far below 2^53, so totals are exact. */
  maxTotalCents: 50 * 10_000 * 100_000_000,
  /** Longest free-text note, in UTF-16 code units. */
  maxNoteLength: 500,
  /** Largest accepted |now − iat|, in seconds: an order signed further from the OPD's clock is refused. */
  maxClockSkewSeconds: 300,
} as const;

/** The catalogue's bounds. A price is at most what an order line may sign. */
export const PRODUCT_LIMITS = {
  maxPriceCents: ORDER_LIMITS.maxUnitPriceCents,
  /** Largest stock a product may be created with, and largest single restock. */
  maxStock: 1_000_000_000,
  /** Longest product name, in UTF-16 code units after trimming. */
  maxNameLength: 200,
  /**
   * Most items a product's stock may be split over (shared/stock.ts). A re-price writes every shard and its audit record
   * in one transaction, with the staff caller's check: 64 + 2 actions, under DynamoDB's 100.
   */
  maxStockShards: 64,
} as const;

/**
 * Passwords: a new one is 12–256 code points (after NFKC). Any password field accepts up to `maxInputLength`
 * characters before it is checked, so that an old password set under another policy can still be typed.
 */
export const PASSWORD_POLICY = { minLength: 12, maxLength: 256, maxInputLength: 1024 } as const;
/** How `po` says {@link PASSWORD_POLICY}'s length to a person: `12–256 characters`. */
export const PASSWORD_LENGTH_RULE = `${PASSWORD_POLICY.minLength}–${PASSWORD_POLICY.maxLength} characters`;

/**
 * A new customer: an email address of at most this many characters, at most this many keys, PEMs of at most. A key a
 * customer adds comes with a proof of possession (a compact JWS, docs/envelope.md §11) of at most `maxKeyProofChars`:
 * one signed with the largest RSA key accepted is about 2,200.
 */
export const CUSTOMER_LIMITS = {
  maxEmailLength: 254,
  maxKeysAtCreation: 10,
  /**
   * The most keys one account holds, revoked ones included (they stay, so that old evidence verifies): each takes
   * about 1.7 KB of the customer's item, which DynamoDB caps at 400 KB.
   */
  maxKeys: 100,
  maxPublicKeyPemLength: 16_384,
  maxKeyProofChars: 4096,
} as const;

/** Largest request body accepted, in bytes (an envelope is ≤ 16 KiB; everything else is smaller). */
export const MAX_BODY_BYTES = 32 * 1024;

/** A list route's `limit` query parameter. */
export const PAGE_LIMIT = { min: 1, max: 100, default: 25 } as const;

/** RSA modulus bounds in bits. Below 2048 is broken or close to it; above 8192 only costs verification time. */
export const RSA_BITS = { min: 2048, max: 8192, default: 3072 } as const;
/** Accepted DSA domain sizes (FIPS 186-4: L/N). Nothing below L = 2048. */
export const DSA_SIZES = [
  { l: 2048, n: 224 },
  { l: 2048, n: 256 },
  { l: 3072, n: 256 },
] as const;
/** RSA public exponents below 65537 are refused (small exponents have a long history of padding attacks). */
export const RSA_MIN_PUBLIC_EXPONENT = 65537n;
/** RSA public exponents above 33 bits are refused: browsers' WebCrypto (BoringSSL) cannot verify with them. */
export const RSA_MAX_PUBLIC_EXPONENT = (1n << 33n) - 1n;

/** JWS algorithms a customer may sign with. `DS256` is this project's private name for DSA with SHA-256. */
export const SIGNATURE_ALGS = ['PS256', 'DS256', 'ES256', 'EdDSA'] as const;
export type SignatureAlg = (typeof SIGNATURE_ALGS)[number];

/** A client (po, the console) refreshes a session this close to its expiry (`POST /refresh`) before it uses it. */
export const SESSION_REFRESH_WITHIN_MS = 5 * 60_000;
