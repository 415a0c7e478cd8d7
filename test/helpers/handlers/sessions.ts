/**
 * The session suites' world (POST /login, POST /password, POST /logout and /refresh, the authorizer): mocked
 * DynamoDB and KMS with customer `alice`, and every test a cold start (the handlers imported anew, key rings loaded
 * again), set up by {@link coldStartBeforeEach}. `world` and the handlers are live bindings: read them inside tests.
 */
import { expect, beforeEach, vi } from 'vitest';
import type { APIGatewayAuthorizerResult, APIGatewayProxyResult } from 'aws-lambda';
import { addCustomer, apiEvent, bodyOf, ddb, installWorld, lambdaContext, UpdateCommand } from '../aws.js';
import type { World } from '../aws.js';

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;
export let world: World;
export let loginHandler: Handler;
export let passwordHandler: Handler;
export let authorize: (event: {
  authorizationToken: string;
  methodArn: string;
  type: 'TOKEN';
}) => Promise<APIGatewayAuthorizerResult>;

export const PASSWORD = 'correct horse battery';
export const COUNT_CONDITION =
  'attribute_exists(tokenVersion) AND (attribute_not_exists(failedLogins) OR failedLogins < :max)';
export const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:api123/prod/GET/orders';

/** A fresh world and freshly imported handlers before each of the calling file's tests (its `beforeEach`). */
export function coldStartBeforeEach(): void {
  beforeEach(async () => {
    world = installWorld();
    vi.resetModules(); // every test is a cold start: key rings load again
    loginHandler = (await import('../../../functions/login/index.js')).handler as unknown as Handler;
    passwordHandler = (await import('../../../functions/password/index.js')).handler as unknown as Handler;
    authorize = (await import('../../../functions/authorizer/index.js')).authorize;
    await addCustomer(world, 'alice', PASSWORD);
  });
}

/** POST /login with `body` (and `headers`). */
export const login = (body: unknown, headers?: Record<string, string>) =>
  loginHandler(apiEvent({ method: 'POST', resource: '/login', body, ...(headers ? { headers } : {}) }), lambdaContext);

/** Logs `customerId` in (expecting success) and returns the session token. */
export async function tokenFor(customerId = 'alice', password = PASSWORD): Promise<string> {
  const response = await login({ customerId, password });
  expect(response.statusCode).toBe(200);
  return bodyOf(response).token as string;
}

/** The UpdateItem calls so far whose update expression matches `expression`. */
export const updatesTo = (expression: RegExp) =>
  ddb.commandCalls(UpdateCommand).filter((call) => expression.test(call.args[0].input.UpdateExpression ?? ''));
