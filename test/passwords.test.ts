/**
 * Passwords: the policy (length, old password, customer ID, control characters and lone surrogates, the common
 * list) and verification (constant-time, never a password holding a control character: OpenSSL's scrypt ignores
 * trailing NUL bytes, so `secret` and `secret\0` hash alike).
 */
import { scryptSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import commonPasswords from '../shared/data/common-passwords.json' with { type: 'json' };
import { ApiError } from '../shared/errors.js';
import { checkPasswordPolicy, hashPassword, isCommonPassword, verifyPassword } from '../shared/passwords.js';
import { FAST_SCRYPT } from './helpers/aws.js';

function policyError(password: string, context: Parameters<typeof checkPasswordPolicy>[1] = {}): string | undefined {
  try {
    checkPasswordPolicy(password, context);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('password_policy');
    expect((error as ApiError).message).not.toContain(password); // never echoed
    return (error as ApiError).message;
  }
}

describe('verifyPassword', () => {
  it('accepts the password and nothing else', async () => {
    const stored = await hashPassword('correct horse battery', FAST_SCRYPT);
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false);
    expect(await verifyPassword('correct horse battery ', stored)).toBe(false);
  });

  it('the scrypt underneath ignores trailing NULs; verification does not', async () => {
    const salt = Buffer.alloc(16);
    // The fault being guarded against, shown on the bare primitive:
    expect(scryptSync('secret', salt, 32).equals(scryptSync('secret\0', salt, 32))).toBe(true);
    const stored = await hashPassword('correct horse battery', FAST_SCRYPT);
    for (const suffix of ['\0', '\0\0', '\u0001', '\u007f', '\u0085'])
      expect(await verifyPassword(`correct horse battery${suffix}`, stored), JSON.stringify(suffix)).toBe(false);
  });

  it('a password holding a NUL never verifies, even against its own hash', async () => {
    const stored = await hashPassword('eleven char\0', FAST_SCRYPT);
    expect(await verifyPassword('eleven char\0', stored)).toBe(false);
  });

  it('a lone surrogate never verifies (it has no UTF-8 encoding: it would hash as U+FFFD)', async () => {
    const stored = await hashPassword('correct horse \ufffd', FAST_SCRYPT);
    expect(await verifyPassword('correct horse \ufffd', stored)).toBe(true);
    expect(await verifyPassword('correct horse \ud800', stored)).toBe(false);
  });
});

describe('checkPasswordPolicy', () => {
  it('accepts a long, uncommon password', () => {
    expect(policyError('correct horse battery')).toBeUndefined();
    expect(policyError('passwordless future')).toBeUndefined(); // contains a common word, is not one
    expect(policyError('x'.repeat(256))).toBeUndefined();
  });

  it.each([
    ['11 characters', 'eleven char', /at least 12/],
    ['11 characters and a NUL (12 code units)', 'eleven char\0', /control characters/],
    ['a NUL inside', 'correct\0horse battery', /control characters/],
    ['a line feed', 'correct horse\nbattery', /control characters/],
    ['a C1 control', 'correct horse\u0085battery', /control characters/],
    ['a lone surrogate', 'correct horse \ud800battery', /ill-formed/],
    ['257 characters', 'x'.repeat(257), /at most 256/],
    ['the old password', 'correct horse battery', /differ from the old/, { oldPassword: 'correct horse battery' }],
    ['the customer ID', 'Alice-Smith-1', /customer ID/, { customerId: 'alice-smith-1' }],
    ['a common password', 'qwerty123456', /most common/],
    ['a common password, capitalised', 'QWERTY123456', /most common/],
    ['a common password with digits and symbols added', 'Password1234!', /most common/],
    ['a common password between digits', '123dragon123', /most common/],
  ] as Array<[string, string, RegExp, Parameters<typeof checkPasswordPolicy>[1]?]>)(
    'refuses %s',
    (_name, password, message, context) => {
      expect(policyError(password, context)).toMatch(message);
    },
  );

  it('counts characters after NFKC: a full-width password is its ASCII twin', () => {
    expect(policyError('ｑｗｅｒｔｙ１２３４５６')).toMatch(/most common/);
  });
});

describe('the common-password list', () => {
  it('is the 10,000 most frequent passwords of @zxcvbn-ts/language-common, in order', () => {
    const source = createRequire(import.meta.url)('@zxcvbn-ts/language-common/src/passwords.json') as string[];
    expect(commonPasswords).toHaveLength(10_000);
    expect(commonPasswords).toEqual(source.slice(0, 10_000));
  });

  it('is checked whole: every entry is refused', () => {
    expect(commonPasswords.filter((password) => !isCommonPassword(password))).toEqual([]);
  });
});
