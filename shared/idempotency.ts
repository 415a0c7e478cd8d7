/**
 * Idempotency keys (the `Idempotency-Key` request header): a client sends a fresh random key with each request that
 * changes money and the same key again when it retries, so that a request whose answer was lost is applied once.
 * The OPD stores the key with the change it made, in the change's own transaction, and answers a resent key with
 * what the first request did — if the request is the same one (its digest); otherwise `idempotency_key_reused`.
 * Pure: the adapter is shared/aws/accounts.ts.
 */
import { createHash } from 'node:crypto';
import { ApiError } from './errors.js';
import { IDEMPOTENCY_KEY_HEADER } from './rules.js';

/** The header's name, as clients send it (header names are case-insensitive). */
export { IDEMPOTENCY_KEY_HEADER };

/** A request as its Idempotency-Key was sent with it: the key, and the digest of what was asked. */
export interface IdempotentRequest {
  readonly key: string;
  /** base64url SHA-256 of the request's route and validated content (see {@link requestDigest}). */
  readonly digest: string;
}

/**
 * The digest of a request: its operation and the content that decides what it does, as validated (trimmed text
 * included), in a fixed member order. Two requests with the same digest ask for the same change.
 */
export function requestDigest(operation: string, content: Readonly<Record<string, string | number>>): string {
  const canonical = JSON.stringify([
    operation,
    ...Object.keys(content)
      .sort()
      .map((name) => [name, content[name]]),
  ]);
  return createHash('sha256').update(canonical).digest('base64url');
}

/** @returns ApiError `idempotency_key_reused` (409): the key came before with another request */
export function idempotencyKeyReused(): ApiError {
  return new ApiError(
    'idempotency_key_reused',
    `this ${IDEMPOTENCY_KEY_HEADER} was sent before with another request; send a new key for a new request`,
  );
}
