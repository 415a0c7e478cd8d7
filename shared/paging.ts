/**
 * Page cursors. A listing that pages answers with `next`, and the client passes it back as `cursor` to continue.
 * Listings keyed by several members (a customer's orders, the work queue, the mail listing) hand out the last key as
 * base64url JSON: opaque to clients, and checked member by member when it comes back, since it becomes a query's
 * start key. The ledger's cursor is the entry number to continue below, the customer list's the last customer ID:
 * each is that one value as it is. Whatever the listing, a cursor it did not hand out is refused the same way. Pure.
 */
import { ApiError } from './errors.js';

/** @returns ApiError `invalid_request`: the cursor is not a `next` that a previous page handed out */
export function invalidCursor(): ApiError {
  return new ApiError('invalid_request', 'invalid cursor: pass back the `next` of the previous page');
}

/** A cursor member that is a stored time (ISO 8601, milliseconds, UTC), as `acceptedAt` is stored. */
export const ISO_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A page's last key as a cursor: base64url JSON, opaque to clients. */
export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * The key a cursor from {@link encodeCursor} holds: a JSON object with exactly the members `patterns` names, each a
 * string its pattern accepts. @throws ApiError `invalid_request` ({@link invalidCursor}) for anything else
 */
export function decodeCursor<T extends Record<string, string>>(
  cursor: string,
  patterns: { readonly [K in keyof T]: RegExp },
): T {
  if (!/^[A-Za-z0-9_-]{1,1024}$/.test(cursor)) throw invalidCursor();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidCursor();
  const names = Object.keys(patterns);
  const members = Object.entries(value as Record<string, unknown>);
  if (members.length !== names.length) throw invalidCursor();
  for (const [name, member] of members) {
    const pattern = Object.hasOwn(patterns, name) ? patterns[name as keyof T] : undefined;
    if (!pattern || typeof member !== 'string' || !pattern.test(member)) throw invalidCursor();
  }
  return value as T;
}
