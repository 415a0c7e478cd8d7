/**
 * The one mapping from errors to HTTP responses, and the helpers every API handler uses to read requests and write
 * responses. A 5xx never carries internal detail: the body says only that something failed and that it was logged.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type * as z from 'zod/mini';
import { ApiError, MESSAGES, PoError } from './errors.js';
import { holdsIllFormedText } from './json.js';
import { IDEMPOTENCY_KEY_HEADER } from './idempotency.js';
import { IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_PATTERN, MAX_BODY_BYTES, PAGE_LIMIT } from './rules.js';
import type { ErrorCode } from './errors.js';

/** HTTP status for every error code. Exhaustive by type: a new code without a status does not compile. */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  // envelope (docs/envelope.md §6)
  envelope_too_large: 413,
  envelope_malformed: 400,
  envelope_header_invalid: 400,
  server_key_unknown: 400,
  decryption_failed: 400,
  signature_malformed: 400,
  customer_key_unknown: 400,
  algorithm_mismatch: 400,
  signature_invalid: 400,
  claims_invalid: 400,
  items_invalid: 400,
  too_many_items: 400,
  issuer_mismatch: 403,
  audience_mismatch: 400,
  iat_too_old: 400,
  iat_in_future: 400,
  // keys (admin registering a customer key)
  key_malformed: 400,
  key_wrong_kind: 400,
  key_unsupported: 400,
  key_too_small: 400,
  key_too_large: 400,
  key_passphrase_required: 400,
  key_passphrase_wrong: 400,
  key_id_invalid: 400,
  key_unsupported_in_browser: 400,
  // command-line edge (never raised by the API, mapped for completeness)
  file_not_found: 400,
  file_unreadable: 400,
  file_exists: 400,
  usage: 400,
  server_key_changed: 400,
  receipt_key_changed: 400,
  fingerprint_mismatch: 400,
  not_logged_in: 401,
  declined: 400,
  file_unwritable: 400,
  // receipts and evidence bundles (checked by the CLI and by anyone offline; never raised by the API)
  evidence_malformed: 400,
  evidence_key_invalid: 400,
  key_id_mismatch: 400,
  order_signature_invalid: 400,
  order_claims_invalid: 400,
  receipt_missing: 400,
  receipt_malformed: 400,
  receipt_signature_invalid: 400,
  order_digest_mismatch: 400,
  receipt_mismatch: 400,
  receipt_key_unknown: 400,
  receipt_key_revoked: 400,
  evidence_view_mismatch: 400,
  cancellation_invalid: 400,
  // API
  invalid_request: 400,
  unsupported_media_type: 415,
  body_too_large: 413,
  invalid_credentials: 401,
  unauthorized: 401,
  forbidden: 403,
  password_change_required: 403,
  account_disabled: 403,
  not_found: 404,
  password_policy: 400,
  already_exists: 409,
  unknown_sku: 422,
  out_of_stock: 409,
  stock_scattered: 409,
  price_changed: 409,
  currency_mismatch: 409,
  order_conflict: 409,
  insufficient_funds: 402,
  order_closed: 409,
  idempotency_key_reused: 409,
  last_staff_admin: 409,
  too_many_keys: 409,
  key_proof_invalid: 400,
  rate_limited: 429,
  service_unavailable: 503,
  internal: 500,
};

/** Headers on every response, the handlers' and the gateway's own (401, 403, 404, 413, 429, 5xx…). */
export const SECURITY_HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Strict-Transport-Security': 'max-age=63072000; includeSubDomains',
} as const;

/** A JSON response with the standard security headers. */
export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return { statusCode, headers: { ...SECURITY_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** Whether an error is one we raised on purpose (its message is safe to return). */
export function isDeliberate(error: unknown): error is PoError {
  return error instanceof PoError;
}

/** Maps any error to `{error:{code,message}}` with its status. Unexpected errors become a bare 500. */
export function errorResponse(error: unknown): APIGatewayProxyResult {
  if (!isDeliberate(error)) {
    return jsonResponse(500, { error: { code: 'internal', message: MESSAGES.internal } });
  }
  const headers: Record<string, string> = {};
  const body: { code: ErrorCode; message: string } & Record<string, unknown> = {
    code: error.code,
    message: error.message,
  };
  if (error instanceof ApiError) {
    if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.retryAfterSeconds);
    if (error.details) Object.assign(body, error.details);
  }
  return jsonResponse(HTTP_STATUS[error.code], { error: body }, headers);
}

/** A request header's value, whatever the case of its name (API Gateway passes names as the client sent them). */
export function headerValue(event: Pick<APIGatewayProxyEvent, 'headers'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  return Object.entries(event.headers ?? {}).find(([header]) => header.toLowerCase() === wanted)?.[1] ?? undefined;
}

/**
 * The request's `Idempotency-Key`, which a route that changes money requires: without one, a retried request whose
 * answer was lost would be applied twice. @throws ApiError `invalid_request` if it is missing or malformed
 */
export function requiredIdempotencyKey(event: Pick<APIGatewayProxyEvent, 'headers'>): string {
  const key = headerValue(event, IDEMPOTENCY_KEY_HEADER);
  if (key === undefined)
    throw new ApiError(
      'invalid_request',
      `this route needs an ${IDEMPOTENCY_KEY_HEADER} header: a new random value per request, the same one when retrying it`,
    );
  if (!IDEMPOTENCY_KEY_PATTERN.test(key))
    throw new ApiError(
      'invalid_request',
      `the ${IDEMPOTENCY_KEY_HEADER} header must be ${IDEMPOTENCY_KEY.minLength}–${IDEMPOTENCY_KEY.maxLength} characters of A–Z a–z 0–9 . _ : -`,
    );
  return key;
}

/**
 * Reads a JSON body and validates it with `schema`.
 * @throws ApiError `unsupported_media_type`, `body_too_large` or `invalid_request`
 */
export function parseJsonBody<T extends z.ZodMiniType>(
  event: Pick<APIGatewayProxyEvent, 'body' | 'headers' | 'isBase64Encoded'>,
  schema: T,
): z.infer<T> {
  const contentType = headerValue(event, 'content-type');
  if (contentType !== undefined && !/^application\/json\s*(;|$)/i.test(contentType))
    throw new ApiError('unsupported_media_type', 'send the body as application/json');
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text) > MAX_BODY_BYTES)
    throw new ApiError('body_too_large', `the body exceeds ${MAX_BODY_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError('invalid_request', 'the body is not valid JSON');
  }
  if (holdsIllFormedText(value))
    throw new ApiError(
      'invalid_request',
      'the body holds ill-formed text (an unpaired surrogate escape such as \\ud800)',
    );
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    // A message that already names its member (`reference must be …`) is not prefixed with it again.
    const named = issue !== undefined && issue.message.startsWith(`${String(issue.path.at(-1))} `);
    const where = issue && issue.path.length > 0 && !named ? `${issue.path.join('.')}: ` : '';
    throw new ApiError('invalid_request', `${where}${issue?.message ?? 'invalid body'}`);
  }
  return result.data;
}

/** The `limit` query parameter of a list route ({@link PAGE_LIMIT}). @throws ApiError `invalid_request` */
export function pageLimit(
  event: Pick<APIGatewayProxyEvent, 'queryStringParameters'>,
  fallback: number = PAGE_LIMIT.default,
): number {
  const raw = event.queryStringParameters?.limit;
  if (raw === undefined) return fallback;
  if (!/^\d{1,3}$/.test(raw) || Number(raw) < PAGE_LIMIT.min || Number(raw) > PAGE_LIMIT.max)
    throw new ApiError('invalid_request', `limit must be a whole number from ${PAGE_LIMIT.min} to ${PAGE_LIMIT.max}`);
  return Number(raw);
}
