/**
 * The wrapper every API handler uses: middy with Powertools (logger with Lambda context, metrics), the
 * session the authorizer established, and the one error→HTTP mapping. Deliberate errors are logged by code at info
 * level; anything unexpected is logged as an error and answered with a bare 500.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { sessionInvalid } from './errors.js';
import { HTTP_STATUS, errorResponse, isDeliberate } from './http.js';
import { logger, metrics } from './observability.js';
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
    logger.error('unexpected error', error as Error);
    metrics.addMetric('Error_internal', 'Count', 1);
  }
  return errorResponse(error);
}

/** Wraps an API handler body with the project's middleware stack. */
export function apiHandler(body: ApiHandler) {
  return middy(async (event: APIGatewayProxyEvent, context: Context) => {
    metrics.addMetric('Requests', 'Count', 1);
    try {
      return await body(event, context);
    } catch (error) {
      return respondToError(error);
    }
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}
