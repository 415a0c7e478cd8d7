/** What Lambda hands a handler in tests: an API Gateway proxy event, a context, and the body of the answer. */
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { Role } from '../../../shared/tokens.js';

/** An API Gateway proxy event, with the authorizer's context when `session` is given. */
export function apiEvent(options: {
  method: string;
  resource: string;
  path?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  session?: { customerId: string; role: Role; tokenVersion?: number; authTime?: number };
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
      authorizer: options.session
        ? { tokenVersion: 1, ...options.session, principalId: options.session.customerId }
        : null,
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

/** A Lambda context good enough for Powertools. */
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
