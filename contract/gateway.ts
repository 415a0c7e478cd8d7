/**
 * What API Gateway answers by itself (before or instead of a function), in the API's error shape: the CDK stack
 * configures these gateway responses and the local API gives the same ones.
 */
import { MESSAGES } from '../shared/errors.js';

/** Answers API Gateway gives by itself, by its response type. `status: undefined` keeps API Gateway's own. */
export const GATEWAY_RESPONSES = {
  UNAUTHORIZED: { status: 401, code: 'unauthorized', message: MESSAGES.sessionInvalid },
  ACCESS_DENIED: { status: 403, code: 'forbidden', message: MESSAGES.staffOnly },
  AUTHORIZER_FAILURE: {
    status: 503,
    code: 'service_unavailable',
    message: 'sessions cannot be checked right now; retry shortly',
    retryAfter: 2,
  },
  // What API Gateway answers when the authorizer throws anything but "Unauthorized" (its dependency failures, a
  // timeout): by default a 500. The authorizer throws only when DynamoDB or KMS cannot answer, so: retry shortly.
  AUTHORIZER_CONFIGURATION_ERROR: {
    status: 503,
    code: 'service_unavailable',
    message: 'sessions cannot be checked right now; retry shortly',
    retryAfter: 2,
  },
  BAD_REQUEST_BODY: { status: 400, code: 'invalid_request', message: 'the body does not match the expected shape' },
  BAD_REQUEST_PARAMETERS: {
    status: 400,
    code: 'invalid_request',
    message: 'a required request header is missing (a credit needs an Idempotency-Key)',
  },
  // No route has this method and path (API Gateway's "Missing Authentication Token", 403 by default): not found.
  MISSING_AUTHENTICATION_TOKEN: {
    status: 404,
    code: 'not_found',
    message: 'no such route: check the method and the path',
  },
  THROTTLED: { status: 429, code: 'rate_limited', message: 'too many requests; slow down', retryAfter: 1 },
  DEFAULT_4XX: { status: undefined, code: 'invalid_request', message: 'the request was refused' },
  DEFAULT_5XX: { status: undefined, code: 'internal', message: MESSAGES.internal },
} as const satisfies Record<string, { status: number | undefined; code: string; message: string; retryAfter?: number }>;

/** The API Gateway token authorizer accepts only this header shape; anything else is 401 without calling it. */
export const AUTHORIZATION_HEADER_PATTERN = /^Bearer [A-Za-z0-9._-]{20,2048}$/;
