/**
 * The wrapper every API handler uses: logs and metrics (shared/observability.ts) for the invocation, the session the
 * authorizer established, and the one error→HTTP mapping. Deliberate errors are logged by code at info level;
 * anything unexpected is logged as an error and answered with a bare 500.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { sessionInvalid } from './errors.js';
import { HTTP_STATUS, errorResponse, isDeliberate } from './http.js';
import { endInvocation, logger, metrics, startInvocation } from './observability.js';
import { isStaffRole } from './permissions.js';
import type { StaffRole } from './permissions.js';
import { isAccountKind } from './tokens.js';

export type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** A customer's session, as the authorizer established it. */
export interface CustomerSession {
  readonly kind: 'customer';
  readonly customerId: string;
  readonly tokenVersion: number;
  readonly authTime?: number;
  /** Logged in with a one-time password: only a password change (and logout) is allowed until it is changed. */
  readonly mustChangePassword: boolean;
}

/** A staff member's session, with their roles as the authorizer read them on this call. */
export interface StaffSession {
  readonly kind: 'staff';
  readonly staffId: string;
  readonly roles: readonly StaffRole[];
  readonly tokenVersion: number;
  readonly authTime?: number;
  readonly mustChangePassword: boolean;
}

/** The caller of a route that needs a session. */
export type CallerSession = CustomerSession | StaffSession;

/** The ID of the account a session is for, whichever its kind. */
export function subjectOf(session: CallerSession): string {
  return session.kind === 'customer' ? session.customerId : session.staffId;
}

/**
 * The caller as the authorizer established it: the account's kind and ID, a staff member's roles, the session's token
 * version (checked there, and again at commit by the order transaction), and whether it must change its password.
 * Anything missing or malformed is a 401. API Gateway passes the authorizer's context values on as strings; the local
 * adapter passes them as they were.
 */
export function sessionOf(event: APIGatewayProxyEvent): CallerSession {
  const authorizer: Record<string, unknown> | null | undefined = event.requestContext?.authorizer;
  const kind: unknown = authorizer?.kind;
  const subject: unknown = authorizer?.subject;
  const tokenVersion = Number(authorizer?.tokenVersion);
  if (typeof subject !== 'string' || !isAccountKind(kind) || !Number.isSafeInteger(tokenVersion))
    throw sessionInvalid();
  const authTime = Number(authorizer?.authTime);
  const common = {
    tokenVersion,
    ...(Number.isSafeInteger(authTime) ? { authTime } : {}),
    mustChangePassword: String(authorizer?.mustChangePassword) === 'true',
  };
  if (kind === 'customer') return { kind, customerId: subject, ...common };
  const listed: unknown = authorizer?.roles;
  const roles = (typeof listed === 'string' ? listed : '').split(',').filter((role) => role !== '');
  if (!roles.every(isStaffRole)) throw sessionInvalid();
  return { kind, staffId: subject, roles, ...common };
}

/** Logs an error the way the mapping will answer it, and returns the response. */
export function respondToError(error: unknown): APIGatewayProxyResult {
  if (isDeliberate(error)) {
    const status = HTTP_STATUS[error.code];
    const log = status >= 500 ? logger.warn.bind(logger) : logger.info.bind(logger);
    log('request refused', { code: error.code, status });
    metrics.addMetric(`Error_${error.code}`, 'Count', 1);
  } else {
    logger.error('unexpected error', error);
    metrics.addMetric('Error_internal', 'Count', 1);
  }
  return errorResponse(error);
}

/**
 * How long before Lambda's own timeout a request is given up (as middy's `timeoutEarlyInMillis` did): the metrics
 * are still published and the error is Lambda's, not a silent timeout.
 */
const TIMEOUT_EARLY_MS = 5;

/**
 * Wraps an API handler body: the invocation's logs and metrics (with the cold-start metric), the early timeout, and
 * the one error→HTTP mapping. Not middy: its module loads `node:stream/web` for response streaming, which these
 * functions never use: loading it took 4–12 ms of a cold start's module init here.
 */
export function apiHandler(body: ApiHandler): ApiHandler {
  return async (event, context) => {
    try {
      startInvocation(context, true);
      return await beforeTimeout(context, async () => {
        metrics.addMetric('Requests', 'Count', 1);
        try {
          return await body(event, context);
        } catch (error) {
          return respondToError(error);
        }
      });
    } finally {
      endInvocation();
    }
  };
}

/** Runs `request`, or throws a `TimeoutError` {@link TIMEOUT_EARLY_MS} before Lambda would stop the function. */
async function beforeTimeout<T>(context: Context, request: () => Promise<T>): Promise<T> {
  // The context of tests and of some local runners has no clock.
  if (typeof context.getRemainingTimeInMillis !== 'function') return request();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error('[AbortError]: The operation was aborted.');
      error.name = 'TimeoutError';
      reject(error);
    }, context.getRemainingTimeInMillis() - TIMEOUT_EARLY_MS);
  });
  try {
    return await Promise.race([request(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
