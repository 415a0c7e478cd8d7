/**
 * The OPD API as the CLI sees it: JSON over HTTPS (HTTP only to loopback), errors turned into `ApiCallError` with the
 * server's stable code, unreachable servers into `NetworkError`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PoError } from '../shared/errors.js';
import { InputError } from '../shared/errors.js';

/** The API refused the request: `status` and the server's `{error:{code,message}}`. */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The API could not be reached (or answered 5xx: try again later). */
export class NetworkError extends Error {}

/**
 * One path segment of a request, percent-encoded so that it stays one segment. `.` and `..` cannot be sent as one in
 * any encoding (fetch resolves them, `%2e%2e` included, before sending: `/admin/products/../restock` would reach
 * `/admin/restock`), and no ID the OPD accepts is either: refused before anything is sent.
 * @throws InputError `usage`
 */
export function pathSegment(value: string): string {
  if (value === '.' || value === '..' || value === '')
    throw new InputError('usage', `"${value}" is not an ID: no ID is empty, "." or ".."`);
  return encodeURIComponent(value);
}

/** Checks an API URL: https, or http only to this machine (the local stack). */
export function checkApiUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError('usage', `"${raw.slice(0, 100)}" is not a URL`);
  }
  // po signs in with its own session; a password in the URL would only be stored in the profile and shown back.
  if (url.username !== '' || url.password !== '')
    throw new InputError('usage', 'the API URL must not hold a user name or password (po logs in with po login)');
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw new InputError('usage', 'the API URL must be https:// (http:// only for a local stack on this machine)');
  return url.toString().replace(/\/+$/, '');
}

/**
 * Sends one request to the OPD and answers with its JSON body, as `T`: the caller names the route's answer type
 * (cli/client.ts and cli/admin-client.ts do, one method per route).
 */
export interface ApiClient {
  call<T = Record<string, unknown>>(method: string, path: string, options?: RequestOptions): Promise<T>;
  /** {@link call}, with the answer's headers (for `Cache-Control`). */
  callWithHeaders<T = Record<string, unknown>>(
    method: string,
    path: string,
    options?: RequestOptions,
  ): Promise<{ body: T; headers: Headers }>;
}

/** What a request carries besides its method and path. */
export interface RequestOptions {
  readonly body?: unknown;
  readonly token?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** How many times a request that is safe to resend is sent, at most, when the OPD cannot be reached or is unavailable. */
export const SEND_ATTEMPTS = 3;

/**
 * Sends a request that is safe to send again — the same signed order, or a request carrying the same
 * Idempotency-Key — and sends it again (at most {@link SEND_ATTEMPTS} in all, 1 s then 2 s apart) while the OPD cannot
 * be reached or answers 5xx: the OPD answers a repeat with what the first one did, so nothing happens twice.
 * `what` names the request in the progress line (`sending the same signed order again (attempt 2 of 3)`).
 */
export async function sendAgainOnNetworkError<T>(what: string, send: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (!(error instanceof NetworkError) || attempt >= SEND_ATTEMPTS) throw error;
      process.stderr.write(
        `po: ${error.message}; sending ${what} again (attempt ${attempt + 1} of ${SEND_ATTEMPTS})\n`,
      );
      await sleep(1000 * attempt);
    }
  }
}

/**
 * The OPD at `apiUrl`: JSON over HTTPS with a 30 s timeout; a refusal is an `ApiCallError`, an unreachable OPD or a 5xx a
 * `NetworkError`.
 * @throws InputError `usage` when no API URL is configured or it is not one po may call
 */
export function apiClient(apiUrl: string | undefined): ApiClient {
  if (!apiUrl) throw new InputError('usage', 'no API URL configured; run `po config --api <url>` first');
  const base = checkApiUrl(apiUrl);
  const exchange = async <T>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<{ body: T; headers: Headers }> => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new NetworkError(`cannot reach ${base} (${error instanceof Error ? error.message : 'network error'})`);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      throw new NetworkError(`${base} answered ${response.status} with something that is not JSON`);
    }
    if (response.ok) return { body: body as T, headers: response.headers };
    const error = (body as { error?: { code?: string; message?: string } & Record<string, unknown> }).error ?? {};
    const { code = 'unknown', message = `HTTP ${response.status}`, ...details } = error;
    if (response.status >= 500) {
      const retry = response.headers.get('retry-after');
      throw new NetworkError(`${message} [${code}]${retry ? `; retry in ${retry} s` : ''}`);
    }
    throw new ApiCallError(response.status, code, message, details);
  };
  return {
    async call<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
      return (await exchange<T>(method, path, options)).body;
    },
    callWithHeaders: exchange,
  };
}

export { PoError };
