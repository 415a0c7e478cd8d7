/**
 * Session tokens: short-lived JWTs (HS256, RFC 7519) signed with a KMS-wrapped secret, explicitly typed so no other
 * JWT can pass for one. `sub` is the account's ID and `kind` says whose it is: a customer's or a staff member's (the two
 * are different tables, so only the kind and the ID together name an account). `tv` (token version) lets a password change, a role change, a
 * disabled account or a logout revoke every older token: the authorizer compares it with the account's current
 * version. Roles are not in the token: the authorizer reads them on every call.
 */
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { sessionInvalid } from './errors.js';

export const SESSION_TOKEN_TYP = 'po-session+jwt';
const ISSUER = 'po-opd';
const AUDIENCE = 'po-api';
/** Longest token accepted before any parsing. Real tokens are ≈ 300 characters. */
const MAX_TOKEN_LENGTH = 2048;

/** Whose account a session is: a customer's (who orders) or a staff member's (who works for the OPD). */
export type AccountKind = 'customer' | 'staff';

/** Whether `value` is an {@link AccountKind}. */
export function isAccountKind(value: unknown): value is AccountKind {
  return value === 'customer' || value === 'staff';
}

export interface Session {
  readonly kind: AccountKind;
  /** The customer's or the staff member's ID. */
  readonly subject: string;
  readonly tokenVersion: number;
  /** When the person logged in (epoch seconds, the `auth_time` claim): a refreshed token keeps it. */
  readonly authTime?: number;
}

export interface SessionKey {
  readonly kid: string;
  readonly secret: Uint8Array;
}

/** Issues a session token valid for `ttlSeconds`. */
export async function issueSessionToken(
  session: Session,
  key: SessionKey,
  ttlSeconds: number,
  now = Date.now(),
): Promise<{ token: string; expiresAt: string }> {
  const issuedAt = Math.floor(now / 1000);
  const token = await new SignJWT({
    kind: session.kind,
    tv: session.tokenVersion,
    auth_time: session.authTime ?? issuedAt,
  })
    .setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: SESSION_TOKEN_TYP })
    .setSubject(session.subject)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
    .sign(key.secret);
  return { token, expiresAt: new Date((issuedAt + ttlSeconds) * 1000).toISOString() };
}

/**
 * Verifies a token's signature, type, issuer, audience and expiry and returns its session. The token version is
 * checked by the caller against the database.
 * @throws ApiError `unauthorized` for any failure (one answer: the client's remedy is always to log in)
 */
export async function verifySessionToken(
  token: string,
  secretFor: (kid: string) => Promise<Uint8Array | undefined>,
  now = Date.now(),
): Promise<Session> {
  const unauthorized = sessionInvalid();
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw unauthorized;
  try {
    const { payload } = await jwtVerify(
      token,
      async (header) => {
        const secret = header.kid === undefined ? undefined : await secretFor(header.kid);
        if (!secret) throw new joseErrors.JWKSNoMatchingKey();
        return secret;
      },
      {
        algorithms: ['HS256'],
        typ: SESSION_TOKEN_TYP,
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: new Date(now),
        requiredClaims: ['sub', 'exp', 'iat'],
      },
    );
    const { sub, kind, tv, iat } = payload;
    // Tokens issued before auth_time existed count from their own issue time.
    const authTime = payload.auth_time ?? iat;
    if (
      typeof sub !== 'string' ||
      !isAccountKind(kind) ||
      typeof tv !== 'number' ||
      !Number.isInteger(tv) ||
      typeof authTime !== 'number' ||
      !Number.isInteger(authTime)
    )
      throw unauthorized;
    return { kind, subject: sub, tokenVersion: tv, authTime };
  } catch (error) {
    if (error instanceof joseErrors.JOSEError || error === unauthorized) throw unauthorized;
    throw error; // a failure to fetch the key (KMS, DynamoDB) is not the client's fault: let it become a 503
  }
}
