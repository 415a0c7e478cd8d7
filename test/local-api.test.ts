/**
 * The local API's emulation of API Gateway's authorizer cache: kept per token for the TTL on `cached-session` routes
 * (placing an order) only; every other session route asks the authorizer each time; refusals are never kept. And its
 * answers when the authorizer throws: "Unauthorized" is a 401, anything else API Gateway's configuration error (503).
 */
import { request } from 'node:http';
import type { Server } from 'node:http';
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { GATEWAY_RESPONSES } from '../contract/gateway.js';
import { startLocalApi } from '../local/api.js';
import type { ProxyHandler } from '../local/api.js';

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A local API whose authorizer records each token it is asked about, and whose handlers echo the context. */
async function api(options: { ttlSeconds?: number; refuseFirst?: boolean; failFirst?: boolean } = {}) {
  const asked: string[] = [];
  let refusals = options.refuseFirst ? 1 : 0;
  let failures = options.failFirst ? 1 : 0;
  const authorizer = (event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    asked.push(event.authorizationToken);
    if (refusals-- > 0) return Promise.reject(new Error('Unauthorized'));
    // What the authorizer throws when DynamoDB or KMS cannot answer.
    if (failures-- > 0) return Promise.reject(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    return Promise.resolve({
      principalId: 'alice',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: `${event.methodArn.split('/')[0]}/*` }],
      },
      context: { customerId: 'alice', role: 'customer', tokenVersion: asked.length },
    });
  };
  const echo: ProxyHandler = (event) =>
    Promise.resolve({ statusCode: 200, body: JSON.stringify(event.requestContext.authorizer) });
  const { server, url } = await startLocalApi(
    {
      handlers: { order: echo, read: echo, admin: echo },
      authorizer,
      ...(options.ttlSeconds === undefined ? {} : { authorizerCacheSeconds: options.ttlSeconds }),
    },
    0,
  );
  servers.push(server);
  const call = async (method: string, path: string, token: string) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(method === 'POST' ? { body: '{}' } : {}),
    });
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      body: (await response.json()) as Record<string, unknown>,
    };
  };
  /** A request with its target exactly as given (fetch would normalise `.`, `..` and absolute targets). */
  const raw = (method: string, target: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: Record<string, unknown>; handled: boolean }>((resolve, reject) => {
      const { hostname, port } = new URL(url);
      const sent = request(
        { hostname, port, method, path: target, headers: { authorization: `Bearer ${TOKEN_A}`, ...headers } },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => {
            const body = JSON.parse(text) as Record<string, unknown>;
            // The echo handler answers with the authorizer's context: an answer with `customerId` reached a handler.
            resolve({ status: response.statusCode ?? 0, body, handled: 'customerId' in body });
          });
        },
      );
      sent.on('error', reject);
      sent.end(method === 'POST' ? '{}' : undefined);
    });
  return { asked, call, raw };
}

const TOKEN_A = 'a'.repeat(40);
const TOKEN_B = 'b'.repeat(40);

describe('local API: the authorizer cache of POST /orders', () => {
  it('keeps an answer per token for POST /orders; asks every time on other session routes', async () => {
    const { asked, call } = await api();
    const orders = await Promise.all([1, 2, 3].map(() => call('POST', '/orders', TOKEN_A)));
    expect(orders.map((reply) => reply.status)).toEqual([200, 200, 200]);
    // One answer, given to all three (the context as the authorizer gave it the first time).
    expect(orders.map((reply) => reply.body.tokenVersion)).toEqual([1, 1, 1]);
    expect(asked).toEqual([`Bearer ${TOKEN_A}`]);
    await call('POST', '/orders', TOKEN_B);
    expect(asked).toHaveLength(2); // keyed by the token
    await call('GET', '/orders', TOKEN_A);
    await call('GET', '/orders', TOKEN_A);
    expect(asked).toHaveLength(4); // never cached
  });

  it('asks again once the TTL has passed', async () => {
    const { asked, call } = await api({ ttlSeconds: 0.05 });
    await call('POST', '/orders', TOKEN_A);
    await call('POST', '/orders', TOKEN_A);
    expect(asked).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 80));
    const later = await call('POST', '/orders', TOKEN_A);
    expect(asked).toHaveLength(2);
    expect(later.body.tokenVersion).toBe(2);
  });

  it('does not keep a refusal: the next request asks again', async () => {
    const { asked, call } = await api({ refuseFirst: true });
    expect((await call('POST', '/orders', TOKEN_A)).status).toBe(401);
    expect((await call('POST', '/orders', TOKEN_A)).status).toBe(200);
    expect(asked).toHaveLength(2);
  });
});

describe('local API: paths as API Gateway reads them', () => {
  it.each([
    '//admin/orders',
    '//orders',
    '/orders/',
    '/admin//orders',
    '/./orders',
    '/admin/../orders',
    '/admin/%2e%2e/orders',
    '/admin/%2E./orders',
    '/orders/.',
    'http://127.0.0.1/orders',
    '*',
  ])('%s names no route: 404 not_found from the gateway, no handler reached', async (target) => {
    const { raw } = await api();
    const reply = await raw('GET', target);
    expect(reply).toEqual({
      status: 404,
      handled: false,
      body: { error: { code: 'not_found', message: GATEWAY_RESPONSES.MISSING_AUTHENTICATION_TOKEN.message } },
    });
  });

  it('a known path with a method it lacks is refused the same way; the plain paths still work, query and all', async () => {
    const { raw } = await api();
    expect((await raw('DELETE', '/orders')).status).toBe(404);
    expect(await raw('GET', '/orders?limit=5')).toMatchObject({ status: 200, handled: true });
    expect(await raw('GET', '/admin/orders')).toMatchObject({ status: 200, handled: true });
  });

  it('a required request header is checked at the gateway: a credit without an Idempotency-Key is 400', async () => {
    const { raw } = await api();
    const credit = '/admin/customers/alice/credit';
    expect(await raw('POST', credit)).toEqual({
      status: 400,
      handled: false,
      body: { error: { code: 'invalid_request', message: GATEWAY_RESPONSES.BAD_REQUEST_PARAMETERS.message } },
    });
    expect(await raw('POST', credit, { 'idempotency-key': 'k'.repeat(22) })).toMatchObject({ handled: true });
  });
});

describe('local API: when the authorizer throws', () => {
  it('"Unauthorized" is a refusal: 401, no Retry-After', async () => {
    const { call } = await api({ refuseFirst: true });
    const refused = await call('GET', '/orders', TOKEN_A);
    expect(refused).toMatchObject({ status: 401, retryAfter: null, body: { error: { code: 'unauthorized' } } });
  });

  it('anything else is a configuration error, answered as API Gateway answers it: 503 with Retry-After, not kept', async () => {
    const { asked, call } = await api({ failFirst: true });
    const { status, message, retryAfter } = GATEWAY_RESPONSES.AUTHORIZER_CONFIGURATION_ERROR;
    const failed = await call('POST', '/orders', TOKEN_A);
    expect(failed).toEqual({
      status,
      retryAfter: String(retryAfter),
      body: { error: { code: 'service_unavailable', message } },
    });
    expect(status).toBe(503);
    expect((await call('POST', '/orders', TOKEN_A)).status).toBe(200); // the failure was not cached
    expect(asked).toHaveLength(2);
  });
});
