/**
 * Every error the project raises on purpose carries a stable, machine-readable `code`.
 * Codes are part of the public contract (CLI output, API responses, docs/envelope.md): never rename one.
 * Messages are for people and never contain secrets (keys, passwords, tokens, plaintext orders).
 */

/** Codes raised while opening or sealing an order envelope (docs/envelope.md §6). */
export const ENVELOPE_ERROR_CODES = [
  'envelope_too_large',
  'envelope_malformed',
  'envelope_header_invalid',
  'server_key_unknown',
  'decryption_failed',
  'signature_malformed',
  'customer_key_unknown',
  'algorithm_mismatch',
  'signature_invalid',
  'claims_invalid',
  'items_invalid',
  'too_many_items',
  'issuer_mismatch',
  'audience_mismatch',
  'iat_too_old',
  'iat_in_future',
] as const;

/** Codes raised while reading, checking or generating keys. */
export const KEY_ERROR_CODES = [
  'key_malformed',
  'key_wrong_kind',
  'key_unsupported',
  'key_too_small',
  'key_too_large',
  'key_passphrase_required',
  'key_passphrase_wrong',
  'key_id_invalid',
  // A key po reads but a browser's WebCrypto cannot use (DSA, legacy PEM forms, some key encryptions): use po.
  'key_unsupported_in_browser',
] as const;

/** Codes raised by the command-line edge (files and arguments). */
export const INPUT_ERROR_CODES = [
  'file_not_found',
  'file_unreadable',
  'file_exists',
  'usage',
  'server_key_changed',
  'receipt_key_changed',
  'fingerprint_mismatch',
  'not_logged_in',
  'declined',
  'file_unwritable',
] as const;

/** Codes raised by the API (docs/api.md). */
export const API_ERROR_CODES = [
  'invalid_request',
  'unsupported_media_type',
  'body_too_large',
  'invalid_credentials',
  'unauthorized',
  'forbidden',
  'password_change_required',
  'account_disabled',
  'not_found',
  'password_policy',
  'already_exists',
  'unknown_sku',
  'out_of_stock',
  'stock_scattered',
  'price_changed',
  'currency_mismatch',
  'order_conflict',
  'insufficient_funds',
  'order_closed',
  'idempotency_key_reused',
  'last_staff_admin',
  'too_many_keys',
  'key_proof_invalid',
  'rate_limited',
  'service_unavailable',
  'internal',
] as const;

/**
 * Codes raised while checking an OPD receipt or an evidence bundle (docs/evidence.md). `evidence_malformed` means the
 * input is not a bundle at all; every other code names the check that failed.
 */
export const EVIDENCE_ERROR_CODES = [
  'evidence_malformed',
  'evidence_key_invalid',
  'key_id_mismatch',
  'order_signature_invalid',
  'order_claims_invalid',
  'receipt_missing',
  'receipt_malformed',
  'receipt_signature_invalid',
  'order_digest_mismatch',
  'receipt_mismatch',
  'receipt_key_unknown',
  'receipt_key_revoked',
  'cancellation_invalid',
  'evidence_view_mismatch',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];
export type EvidenceErrorCode = (typeof EVIDENCE_ERROR_CODES)[number];
export type EnvelopeErrorCode = (typeof ENVELOPE_ERROR_CODES)[number];
export type KeyErrorCode = (typeof KEY_ERROR_CODES)[number];
export type InputErrorCode = (typeof INPUT_ERROR_CODES)[number];
export type ErrorCode = EnvelopeErrorCode | KeyErrorCode | InputErrorCode | ApiErrorCode | EvidenceErrorCode;

/** Base class of every deliberate error: a stable `code` plus a human message safe to show and log. */
export class PoError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }

  /** The wire shape used by the CLI and the API: `{error:{code,message}}`. */
  toJSON(): { error: { code: ErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

/** An envelope was rejected. The caller learns why through `code`; the message never echoes secret content. */
export class EnvelopeError extends PoError {
  declare readonly code: EnvelopeErrorCode;

  constructor(code: EnvelopeErrorCode, message: string) {
    super(code, message);
  }
}

/** A key could not be used: wrong format, wrong kind, too small, or locked by a passphrase. */
export class KeyError extends PoError {
  declare readonly code: KeyErrorCode;

  constructor(code: KeyErrorCode, message: string) {
    super(code, message);
  }
}

/** A receipt or an evidence bundle failed a check: the code names which (docs/evidence.md). */
export class EvidenceError extends PoError {
  declare readonly code: EvidenceErrorCode;

  constructor(code: EvidenceErrorCode, message: string) {
    super(code, message);
  }
}

/** Bad input at the command-line edge. */
export class InputError extends PoError {
  declare readonly code: InputErrorCode;

  constructor(code: InputErrorCode, message: string) {
    super(code, message);
  }
}

/** A request the API refuses (or cannot serve now). `retryAfterSeconds` becomes a `Retry-After` header. */
export class ApiError extends PoError {
  declare readonly code: ApiErrorCode;
  readonly retryAfterSeconds: number | undefined;
  /** Extra machine-readable detail safe to return (e.g. the SKU that is out of stock). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ApiErrorCode,
    message: string,
    options: { retryAfterSeconds?: number; details?: Record<string, unknown> } = {},
  ) {
    super(code, message);
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.details = options.details;
  }
}

/**
 * Answers the functions and API Gateway (contract/gateway.ts) both give, written once: a client reads the same words
 * whichever of the two refused it.
 */
export const MESSAGES = {
  sessionInvalid: 'the session is missing, invalid or expired; log in again',
  staffOnly: 'this route is for the OPD’s staff',
  customersOnly: 'this route is for customers; the OPD’s staff use the /admin routes',
  passwordChangeRequired: 'you logged in with a one-time password: change it first (po password)',
  internal: 'internal error; it has been logged',
} as const;

/** A dependency (DynamoDB, KMS, SES) failed or throttled: the request may succeed if retried later. */
export function serviceUnavailable(what: string, retryAfterSeconds = 2): ApiError {
  return new ApiError('service_unavailable', `${what} is temporarily unavailable; retry shortly`, {
    retryAfterSeconds,
  });
}

/** The one answer for a missing, invalid, expired or revoked session: the client's remedy is always to log in. */
export function sessionInvalid(): ApiError {
  return new ApiError('unauthorized', MESSAGES.sessionInvalid);
}
