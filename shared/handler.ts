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
import type { Session } from './tokens.js';

export type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** The caller of a route that needs a session, as the authorizer established it. */
export type CallerSession = Pick<Session, 'customerId' | 'role' | 'tokenVersion' | 'authTime'>;

/**
 * The caller as the authorizer established it: customer ID, role and the session's token version (checked there, and
 * again at commit by the order transaction). Anything missing is a 401.
 */
export function sessionOf(event: APIGatewayProxyEvent): CallerSession {
  const authorizer: Record<string, unknown> | null | undefined = event.requestContext?.authorizer;
  const customerId: unknown = authorizer?.customerId;
  const role: unknown = authorizer?.role;
  // API Gateway passes authorizer context values on as strings; the local adapter as they were.
  const tokenVersion = Number(authorizer?.tokenVersion);
  if (
    typeof customerId !== 'string' ||
    (role !== 'customer' && role !== 'admin') ||
    !Number.isSafeInteger(tokenVersion)
  )
    throw sessionInvalid();
  const authTime = Number(authorizer?.authTime);
  return { customerId, role, tokenVersion, ...(Number.isSafeInteger(authTime) ? { authTime } : {}) };
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
