/**
 * The login lockout: after {@link LOCKOUT}.maxFailures password checks without a success, logins are refused for
 * {@link LOCKOUT}.seconds from the last one (an administrator can lift the lock sooner). Pure: the customers adapter
 * counts the attempts in conditional updates that hold to these limits (shared/aws/credentials.ts), and the login
 * service states the rule in its refusal.
 */

/** Failed logins before a lock, and the lock's length. */
export const LOCKOUT = { maxFailures: 5, seconds: 15 * 60 } as const;

/** The rule as the login's refusal states it ("after 5 failed attempts the account is locked for 15 minutes"). */
export const LOCKOUT_RULE = `after ${LOCKOUT.maxFailures} failed attempts the account is locked for ${LOCKOUT.seconds / 60} minutes`;

/** What a customer item records of its login attempts. */
export interface LoginAttempts {
  /** Password checks counted since the last success, those still in flight included. */
  readonly failedLogins: number;
  /** Epoch seconds of the last counted attempt: the lock runs {@link LOCKOUT}.seconds from it. */
  readonly lastLoginAttemptAt?: number | undefined;
}

/** Whether logins are refused, and until when (epoch seconds): after maxFailures counted attempts, for `seconds`. */
export function lockState(attempts: LoginAttempts, now = Date.now()): { locked: boolean; until?: number } {
  const until = (attempts.lastLoginAttemptAt ?? 0) + LOCKOUT.seconds;
  return attempts.failedLogins >= LOCKOUT.maxFailures && until > Math.floor(now / 1000)
    ? { locked: true, until }
    : { locked: false };
}
