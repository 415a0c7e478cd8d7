/**
 * The profile's session, for commands that need one: refused when there is none or it has expired, and refreshed in
 * its last minutes, so that no command starts with a token about to expire.
 */
import { InputError } from '../shared/errors.js';
import { ApiCallError, NetworkError } from './api.js';
import { opdClient } from './client.js';
import { SESSION_REFRESH_WITHIN_MS } from '../shared/rules.js';
import { readProfile, readSession, writeSession } from './profile.js';
import type { Session } from './profile.js';

/** Who a session is for, as people read it: `alice (customer)`, `dana (staff: clerk, finance)`. */
export function sessionSubject(session: Session): string {
  return session.kind === 'customer'
    ? `${session.customerId} (customer)`
    : `${session.staffId} (staff: ${session.roles.join(', ')})`;
}

/**
 * The profile's session for a command a customer runs (ordering, the account).
 * @throws InputError `not_logged_in` as {@link sessionFor}; `usage` when the profile is a staff member's
 */
export async function customerSessionFor(profile: string): Promise<Extract<Session, { kind: 'customer' }>> {
  const session = await sessionFor(profile);
  if (session.kind !== 'customer')
    throw new InputError(
      'usage',
      `profile ${profile} is staff member ${session.staffId}'s: this command is a customer's (staff use po admin …)`,
    );
  return session;
}

/**
 * The profile's session for a command. One within its last minutes is refreshed first (`POST /refresh`), so a command
 * never starts with a token about to expire; a session at its limit from the login is not, and ends as usual.
 * @throws InputError `not_logged_in` when there is no session or it has expired
 */
export async function sessionFor(profile: string): Promise<Session> {
  const session = readSession(profile);
  if (!session) throw new InputError('not_logged_in', `not logged in (profile ${profile}); run \`po login\``);
  const left = Date.parse(session.expiresAt) - Date.now();
  if (left <= 0) throw new InputError('not_logged_in', 'the session has expired; run `po login` again');
  if (left > SESSION_REFRESH_WITHIN_MS) return session;
  try {
    const fresh = await opdClient(readProfile(profile).apiUrl).refresh(session.token);
    writeSession(profile, fresh);
    return fresh;
  } catch (error) {
    // Refused (the session reached its limit) or unreachable: the token still works until it expires.
    if (error instanceof ApiCallError || error instanceof NetworkError) return session;
    throw error;
  }
}
