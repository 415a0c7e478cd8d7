/**
 * A web app's calls to the OPD's API, from the same origin: the API's base is the folder above the app's own
 * (`/console/console.js` → `/`, `/prod/portal/portal.js` → `/prod/`). Every answer is the API's own JSON; a refusal
 * becomes a {@link ApiFailure} with the API's stable `code` and message, shown as they are. Each app is its own
 * bundle with its own copy of this module, so each has one session: a staff member's in the console, a customer's in
 * the portal.
 *
 * The session token lives in this module's memory only — never in localStorage, sessionStorage or a cookie — so a
 * script that ran in the page later could not read a token left behind, and no other page or tab can; it is sent
 * only as an `Authorization` header, so no other site can make the browser send it (no CSRF). A reload logs out.
 */
import { IDEMPOTENCY_KEY_HEADER, SESSION_REFRESH_WITHIN_MS } from '../../shared/rules.js';

/** The API's base URL: the app's parent folder. */
export const API_BASE = new URL('../', import.meta.url);

/** A refusal from the API (or the network), with the API's stable code. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

/** What every session the API issues has (`POST /login`, `POST /staff/login`, `POST /refresh`, `POST /password`). */
export interface Session {
  readonly token: string;
  readonly expiresAt: string;
  readonly mustChangePassword: boolean;
}

let session: Session | undefined;
let refreshing: Promise<void> | undefined;
/** Told when the session ends on its own (expired, refused): the app shows the login again. */
let onSessionEnded: (reason: string) => void = () => undefined;

/** Who is logged in, if anyone. */
export function currentSession<S extends Session>(): S | undefined {
  return session as S | undefined;
}

/** Sets what happens when a session ends without a logout (expiry, a 401). */
export function whenSessionEnds(listener: (reason: string) => void): void {
  onSessionEnded = listener;
}

function endSession(reason: string): void {
  if (!session) return;
  session = undefined;
  onSessionEnded(reason);
}

async function send<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(new URL(path.replace(/^\//, ''), API_BASE), {
      method,
      headers: {
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(session ? { Authorization: `Bearer ${session.token}` } : {}),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      credentials: 'omit',
      cache: 'no-store',
      redirect: 'error',
    });
  } catch {
    throw new ApiFailure(0, 'network', 'The OPD could not be reached. Check the connection and try again.');
  }
  let text: string;
  try {
    text = await response.text();
  } catch {
    // The answer was cut off on the way: whatever the OPD did, the page does not know it.
    throw new ApiFailure(
      0,
      'network',
      'The answer of the OPD was cut off on the way. Check the connection and try again.',
    );
  }
  let value: unknown;
  try {
    value = text.length > 0 ? JSON.parse(text) : {};
  } catch {
    throw new ApiFailure(
      response.status,
      'bad_response',
      `The OPD answered ${response.status} with something not JSON.`,
    );
  }
  if (!response.ok) {
    const error = (value as { error?: { code?: unknown; message?: unknown } }).error;
    const failure = new ApiFailure(
      response.status,
      typeof error?.code === 'string' ? error.code : `http_${response.status}`,
      typeof error?.message === 'string' ? error.message : `The OPD answered ${response.status}.`,
    );
    // A 401 ends the session, unless it is a password typed wrong into a form (a key change, a password change): the
    // session itself is fine then, and the person may try again (the OPD counts it towards the lockout).
    if (response.status === 401 && failure.code !== 'invalid_credentials') endSession(failure.message);
    throw failure;
  }
  return value as T;
}

/**
 * Refreshes the session when it is within its last minutes, as po does; once at a time. A refresh the OPD refused
 * (401) ends the session; one that failed otherwise (network, 5xx) leaves the current token in use while it lasts, as
 * po does. A refresh that comes back after a logout or another login changes nothing.
 */
async function fresh(): Promise<void> {
  const before = session;
  if (!before) return;
  const left = Date.parse(before.expiresAt) - Date.now();
  if (left <= 0) return endSession('Your session has expired. Log in again.');
  if (left > SESSION_REFRESH_WITHIN_MS) return;
  refreshing ??= send<Session>('POST', '/refresh')
    .then((renewed) => {
      if (session === before) session = renewed;
    })
    .finally(() => {
      refreshing = undefined;
    });
  try {
    await refreshing;
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 401) throw error;
  }
}

/**
 * Calls the API with the session (refreshed first when it is about to expire); a session that ended meanwhile sends
 * nothing.
 */
export async function call<T>(
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
): Promise<T> {
  await fresh();
  if (!session) throw new ApiFailure(401, 'unauthorized', 'Your session has ended. Log in again.');
  return send<T>(method, path, body, headers);
}

/** Logs in at `path` (`/login`, `/staff/login`): the session is kept in memory for the calls that follow. */
export async function logInAt<S extends Session>(path: string, credentials: Record<string, string>): Promise<S> {
  session = undefined;
  const started = await send<S>('POST', path, credentials);
  session = started;
  return started;
}

/**
 * `POST /password`: changes the caller's password. The OPD answers with a new session (the old token is revoked by
 * the change): it replaces the old one here.
 */
export async function changePassword<S extends Session>(oldPassword: string, newPassword: string): Promise<S> {
  const renewed = await call<S>('POST', '/password', { oldPassword, newPassword });
  session = renewed;
  return renewed;
}

/** `POST /logout`: the OPD ends the session (its token is refused from now on), then the app forgets it. */
export async function logOut(): Promise<void> {
  try {
    if (session) await send('POST', '/logout');
  } finally {
    session = undefined;
  }
}

/**
 * A path segment, percent-encoded (IDs come from the API or a person; never trusted to be URL-safe). `.` and `..`
 * would be resolved away by the URL (`/admin/customers/..` is `/admin/`): no ID is either, so they are refused.
 */
export function segment(value: string): string {
  if (value === '.' || value === '..' || value === '')
    throw new ApiFailure(400, 'invalid_request', 'That is not an ID.');
  return encodeURIComponent(value);
}

/** A query string of the given members, leaving out the empty ones. */
export function query(members: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(members)) if (value) params.set(name, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** A fresh random idempotency key for one change (the same key is sent again only by a retry of that change). */
export function idempotencyKey(): Record<string, string> {
  return { [IDEMPOTENCY_KEY_HEADER]: crypto.randomUUID() };
}
