/**
 * Password hashing and policy.
 *
 * scrypt with N = 2^17, r = 8, p = 1 (128 MiB, ≈ 0.4 s on this project's reference machine): the OWASP Password
 * Storage Cheat Sheet's recommended minimum for scrypt. Parameters are stored with each hash
 * (`scrypt$logN$r$p$salt$hash`), so they can be raised later and old hashes still verify (and get re-hashed on the
 * next password change). Comparison is constant-time. Passwords are NFKC-normalised so the same password typed on
 * different keyboards is the same password.
 *
 * No password may hold a control character (NUL included) or a lone surrogate: OpenSSL's scrypt ignores trailing NUL
 * bytes, so `secret` and `secret\0` would otherwise hash alike, and ill-formed text has no single UTF-8 encoding. The
 * policy refuses such a new password, and {@link verifyPassword} never accepts one.
 *
 * The common-password list (`data/common-passwords.json`) is the 10,000 most frequent passwords of
 * `@zxcvbn-ts/language-common` 4.1.3 (`src/passwords.json`, MIT, © Dan Wheeler, Dropbox, Inc. and zxcvbn-ts), in
 * its order; a test checks the file against that package.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import commonPasswords from './data/common-passwords.json' with { type: 'json' };
import { ApiError } from './errors.js';
import { PASSWORD_POLICY } from './rules.js';

export interface ScryptParameters {
  readonly logN: number;
  readonly r: number;
  readonly p: number;
}

/** Parameters for new hashes. */
export const SCRYPT_DEFAULTS: ScryptParameters = { logN: 17, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** Bounds on stored parameters: anything outside is corrupt data, not a hash to spend minutes on. */
const LOG_N_RANGE = { min: 10, max: 20 } as const;

/** Control characters (C0 with NUL, DEL, C1) and lone surrogates: never part of a password. */
const UNUSABLE = /[\p{Cc}\p{Cs}]/u;

let common: ReadonlySet<string> | undefined;

/**
 * True for a password on the common list, compared case-insensitively, also when digits and symbols are only added
 * around a listed one (`Password1234!`, `123dragon123`).
 */
export function isCommonPassword(password: string): boolean {
  common ??= new Set(commonPasswords);
  const lower = password.normalize('NFKC').toLowerCase();
  const core = lower.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
  return common.has(lower) || (core.length >= 4 && common.has(core));
}

function derive(password: string, salt: Buffer, params: ScryptParameters): Promise<Buffer> {
  const N = 2 ** params.logN;
  return new Promise((resolve, reject) => {
    // maxmem must exceed 128·N·r; Node's default (32 MiB) refuses N = 2^17.
    scrypt(
      password.normalize('NFKC'),
      salt,
      KEY_BYTES,
      { N, r: params.r, p: params.p, maxmem: 256 * N * params.r },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

/** Hashes a password into the self-describing stored form. */
export async function hashPassword(password: string, params: ScryptParameters = SCRYPT_DEFAULTS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params);
  return `scrypt$${params.logN}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

function parseHash(stored: string): { params: ScryptParameters; salt: Buffer; key: Buffer } | undefined {
  const match = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]{16,64})\$([A-Za-z0-9_-]{43})$/.exec(stored);
  if (!match) return undefined;
  const [, logN, r, p, salt, key] = match as unknown as [string, string, string, string, string, string];
  const params = { logN: Number(logN), r: Number(r), p: Number(p) };
  if (params.logN < LOG_N_RANGE.min || params.logN > LOG_N_RANGE.max || params.r < 1 || params.p < 1) return undefined;
  return { params, salt: Buffer.from(salt, 'base64url'), key: Buffer.from(key, 'base64url') };
}

/**
 * A well-formed hash of no password anyone knows, with the default parameters: verifying against it for unknown
 * customers makes their login cost the same time as a real one.
 */
export const DUMMY_PASSWORD_HASH = `scrypt$${SCRYPT_DEFAULTS.logN}$${SCRYPT_DEFAULTS.r}$${SCRYPT_DEFAULTS.p}$AAAAAAAAAAAAAAAAAAAAAA$${'A'.repeat(43)}`;

/** Verifies a password against a stored hash in constant time. A malformed stored hash never verifies. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored) ?? parseHash(DUMMY_PASSWORD_HASH)!;
  const key = await derive(password, parsed.salt, parsed.params);
  return timingSafeEqual(key, parsed.key) && stored !== DUMMY_PASSWORD_HASH && !UNUSABLE.test(password);
}

/**
 * Checks a new password: 12–256 characters (code points, after NFKC), not the old one, not the customer ID, no control
 * characters or lone surrogates, not a common password.
 * @throws ApiError `password_policy` saying which rule failed (never echoing the password)
 */
export function checkPasswordPolicy(
  newPassword: string,
  context: { oldPassword?: string; customerId?: string } = {},
): void {
  const normalized = newPassword.normalize('NFKC');
  const length = [...normalized].length;
  if (length < PASSWORD_POLICY.minLength)
    throw new ApiError('password_policy', `the new password needs at least ${PASSWORD_POLICY.minLength} characters`);
  if (length > PASSWORD_POLICY.maxLength)
    throw new ApiError('password_policy', `the new password may have at most ${PASSWORD_POLICY.maxLength} characters`);
  if (context.oldPassword !== undefined && normalized === context.oldPassword.normalize('NFKC'))
    throw new ApiError('password_policy', 'the new password must differ from the old one');
  if (context.customerId !== undefined && normalized.toLowerCase() === context.customerId.toLowerCase())
    throw new ApiError('password_policy', 'the password must not be the customer ID');
  if (UNUSABLE.test(newPassword))
    throw new ApiError('password_policy', 'the new password may not contain control characters or ill-formed text');
  if (isCommonPassword(normalized))
    throw new ApiError('password_policy', 'the new password is one of the most common passwords: choose another');
}
