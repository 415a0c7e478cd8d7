/** What Lambda hands a handler in tests: an API Gateway proxy event, a context, and the body of the answer. */
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { StaffRole } from '../../../shared/permissions.js';

/**
 * A session as tests give it: a customer's (`role: 'customer'`), a staff member's with roles, or (`role: 'admin'`) a
 * staff member with the `admin` role under that ID.
 */
export type TestSession =
  | {
      customerId: string;
      role: 'customer' | 'admin';
      tokenVersion?: number;
      authTime?: number;
      mustChangePassword?: boolean;
    }
  | { staffId: string; roles: StaffRole[]; tokenVersion?: number; authTime?: number; mustChangePassword?: boolean };

/** The authorizer's context for a test session (as functions/authorizer passes it on). */
export function authorizerContext(session: TestSession): Record<string, unknown> {
  const { tokenVersion = 1, authTime, mustChangePassword = false } = session;
  const who =
    'staffId' in session
      ? { kind: 'staff', subject: session.staffId, roles: session.roles.join(',') }
      : session.role === 'admin'
        ? { kind: 'staff', subject: session.customerId, roles: 'admin' }
        : { kind: 'customer', subject: session.customerId, roles: '' };
  return {
    ...who,
    tokenVersion,
    mustChangePassword,
    ...(authTime === undefined ? {} : { authTime }),
    principalId: `${who.kind}:${who.subject}`,
  };
}

/** An API Gateway proxy event, with the authorizer's context when `session` is given. */
export function apiEvent(options: {
  method: string;
  resource: string;
  path?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  session?: TestSession;
  /** The authorizer's context as it is (what functions/authorizer returned), instead of `session`. */
  authorizer?: Record<string, unknown>;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
}): APIGatewayProxyEvent {
  return {
    httpMethod: options.method,
    resource: options.resource,
    path: options.path ?? options.resource,
    body: options.rawBody ?? (options.body === undefined ? null : JSON.stringify(options.body)),
    headers: { 'content-type': 'application/json', ...options.headers },
    multiValueHeaders: {},
    isBase64Encoded: false,
    pathParameters: options.pathParameters ?? null,
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {
      authorizer: options.authorizer ?? (options.session ? authorizerContext(options.session) : null),
      requestId: 'test-request',
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

/** A Lambda context good enough for the handlers' logs and timeout. */
export const lambdaContext = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'test-function',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:test-function',
  memoryLimitInMB: '512',
  awsRequestId: 'request-1',
  logGroupName: '/aws/lambda/test-function',
  logStreamName: 'stream',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as Context;

/** Parses a handler's JSON response body. */
export function bodyOf(response: { body: string }): Record<string, unknown> {
  return JSON.parse(response.body) as Record<string, unknown>;
}
