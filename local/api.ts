/**
 * The local stand-in for API Gateway: a node:http server that matches contract/routes.ts, answers with the same gateway
 * responses, runs the same Lambda authorizer (and enforces its policy) for session routes, and invokes the same
 * handlers with API Gateway proxy events. Request-model validation is left to the handlers (they validate everything
 * again with zod); that is the one edge check API Gateway adds on AWS.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { webAppOf, webAppResponse } from './web-apps.js';
import { listenOnLoopback } from './ports.js';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayTokenAuthorizerEvent,
  Context,
} from 'aws-lambda';
import type { HandlerDefinition } from '../contract/handlers.js';
import { SECURITY_HEADERS } from '../shared/http.js';
import { AUTHORIZATION_HEADER_PATTERN, GATEWAY_RESPONSES } from '../contract/gateway.js';
import { AUTHORIZER_CACHE_SECONDS, ROUTE_LIST } from '../contract/routes.js';
import { BoundedCache } from '../shared/cache.js';
import type { RouteEntry } from '../contract/routes.js';

/** A Lambda proxy-integration handler, as the API functions export it. */
export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
/** A Lambda TOKEN authorizer, as functions/authorizer exports it. */
export type Authorizer = (event: APIGatewayTokenAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

/**
 * The most of a request the stand-in reads before it answers 413, as API Gateway bounds payloads itself. Far above the
 * API's own body limit (shared/rules.ts `MAX_BODY_BYTES`), which the functions enforce with their own code.
 */
const MAX_READ_BYTES = 1024 * 1024;
const STAGE_ARN = 'arn:aws:execute-api:local:000000000000:local/prod';

interface CompiledRoute {
  readonly route: RouteEntry;
  readonly pattern: RegExp;
  readonly names: string[];
}

const compiled: CompiledRoute[] = ROUTE_LIST.map((route) => {
  const names: string[] = [];
  const source = route.path.replace(/\{(\w+)\}/g, (_match, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}$`), names };
});

/** A Lambda context for one local invocation. */
export function localContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/local/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** IAM-style match of an execute-api resource pattern (`*` matches any run of characters). */
function resourceMatches(pattern: string, arn: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return regex.test(arn);
}

/** Allowed if some Allow statement matches and no Deny does (IAM evaluation, as API Gateway applies it). */
export function policyAllows(result: APIGatewayAuthorizerResult, methodArn: string): boolean {
  const statements = result.policyDocument.Statement as Array<{ Effect: string; Resource: string | string[] }>;
  const matching = (effect: string) =>
    statements.some(
      (statement) =>
        statement.Effect === effect &&
        [statement.Resource].flat().some((resource) => resourceMatches(resource, methodArn)),
    );
  return !matching('Deny') && matching('Allow');
}

function gatewayResponse(response: ServerResponse, kind: keyof typeof GATEWAY_RESPONSES, status?: number): void {
  const definition = GATEWAY_RESPONSES[kind];
  const headers: Record<string, string> = { ...SECURITY_HEADERS };
  if ('retryAfter' in definition) headers['Retry-After'] = String(definition.retryAfter);
  response.writeHead(definition.status ?? status ?? 500, headers);
  response.end(JSON.stringify({ error: { code: definition.code, message: definition.message } }));
}

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request) {
    length += (chunk as Buffer).length;
    if (length > MAX_READ_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The functions behind the local API and how it answers and reports. */
export interface LocalApiOptions {
  readonly handlers: Readonly<Partial<Record<HandlerDefinition['name'], ProxyHandler>>>;
  readonly authorizer: Authorizer;
  /** The authorizer cache's TTL for `cached-session` routes (default: API Gateway's, {@link AUTHORIZER_CACHE_SECONDS}). */
  readonly authorizerCacheSeconds?: number;
  /** Called for every request with its outcome (for the terminal); never given bodies or headers. */
  readonly onRequest?: (line: { method: string; path: string; status: number; ms: number }) => void;
}

/** A path parameter, percent-decoded; `undefined` when it is not valid percent-encoded UTF-8 (`%ZZ`, `%ED%A0%80`). */
function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * API Gateway's authorizer cache, as it behaves for a `cached-session` route: an answer (an Allow or Deny policy) is
 * kept per token for the TTL; a refusal ("Unauthorized") or a failure is not kept.
 */
function authorizerCache(ttlSeconds: number) {
  const answers = new BoundedCache<string, Promise<APIGatewayAuthorizerResult>>(10_000, ttlSeconds * 1000);
  return (token: string, authorize: () => Promise<APIGatewayAuthorizerResult>) => {
    const kept = answers.get(token);
    if (kept) return kept;
    const answer = authorize();
    answers.set(token, answer);
    answer.catch(() => answers.delete(token));
    return answer;
  };
}

/**
 * The request target split as API Gateway reads it: the path exactly as sent (never resolved against a base URL,
 * which would read `//admin/orders` as the host `admin` and the path `/orders`) and the query. A target that is not
 * a plain path — absolute-form (`http://host/…`), an empty segment (`//`, a trailing `/`), or a `.` or `..` segment,
 * percent-encoded or not — names no route: `undefined`.
 */
export function requestTarget(raw: string): { path: string; query: URLSearchParams } | undefined {
  const mark = raw.indexOf('?');
  const path = mark === -1 ? raw : raw.slice(0, mark);
  const query = new URLSearchParams(mark === -1 ? '' : raw.slice(mark + 1));
  if (path === '/') return { path, query };
  if (!path.startsWith('/')) return undefined;
  const segments = path.slice(1).split('/');
  const dotted = (segment: string) => /^(\.|%2e){1,2}$/i.test(segment);
  if (segments.some((segment) => segment === '' || dotted(segment))) return undefined;
  return { path, query };
}

/** Builds the request listener (exported for tests that need no socket). */
export function localApi(options: LocalApiOptions) {
  const cached = authorizerCache(options.authorizerCacheSeconds ?? AUTHORIZER_CACHE_SECONDS);
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const started = Date.now();
    const target = requestTarget(request.url ?? '/');
    const path = target?.path ?? '(not a path)';
    const method = request.method ?? 'GET';
    response.on('finish', () =>
      options.onRequest?.({ method, path, status: response.statusCode, ms: Date.now() - started }),
    );
    try {
      // The web apps' pages and assets: static files beside the API, from the same origin (`/console/` ends in a
      // slash, which no API route does: matched on the path as sent).
      const sentPath = (request.url ?? '/').split('?', 1)[0]!;
      const app = webAppOf(sentPath);
      if ((method === 'GET' || method === 'HEAD') && app) {
        const answer = webAppResponse(app, sentPath);
        response.writeHead(answer.status, answer.headers);
        response.end(method === 'HEAD' ? undefined : answer.body);
        return;
      }
      // No route has this method and path (or the target is not a plain path): API Gateway's "missing token".
      const match =
        target && compiled.find((candidate) => candidate.route.method === method && candidate.pattern.test(path));
      if (!target || !match) return gatewayResponse(response, 'MISSING_AUTHENTICATION_TOKEN');
      const values = match.pattern.exec(path)!.slice(1).map(decodePathSegment);
      // A malformed percent-escape, or bytes that are not UTF-8: the request is refused at the edge, as the gateway does.
      if (values.includes(undefined)) return gatewayResponse(response, 'DEFAULT_4XX', 400);
      const pathParameters = Object.fromEntries(match.names.map((name, index) => [name, values[index]!]));

      let authorizer: Record<string, unknown> | null = null;
      if (match.route.auth !== 'none') {
        const header = request.headers.authorization ?? '';
        if (!AUTHORIZATION_HEADER_PATTERN.test(header)) return gatewayResponse(response, 'UNAUTHORIZED');
        const methodArn = `${STAGE_ARN}/${method}${path}`;
        let result: APIGatewayAuthorizerResult;
        try {
          result =
            match.route.auth === 'cached-session'
              ? await cached(header, () => options.authorizer({ type: 'TOKEN', authorizationToken: header, methodArn }))
              : await options.authorizer({ type: 'TOKEN', authorizationToken: header, methodArn });
        } catch (error) {
          // As API Gateway does: "Unauthorized" is a refusal (401), anything else the authorizer throws a
          // configuration error (answered 503, contract/gateway.ts).
          return gatewayResponse(
            response,
            error instanceof Error && error.message === 'Unauthorized'
              ? 'UNAUTHORIZED'
              : 'AUTHORIZER_CONFIGURATION_ERROR',
          );
        }
        if (!policyAllows(result, methodArn)) return gatewayResponse(response, 'ACCESS_DENIED');
        authorizer = { ...result.context, principalId: result.principalId };
      }

      // Required request headers, checked after the authorizer as API Gateway's request validator does.
      if ((match.route.headers ?? []).some((name) => request.headers[name.toLowerCase()] === undefined))
        return gatewayResponse(response, 'BAD_REQUEST_PARAMETERS');

      const body = await readBody(request);
      if (body === undefined) return gatewayResponse(response, 'DEFAULT_4XX', 413);
      const handler = options.handlers[match.route.handler];
      if (!handler) return gatewayResponse(response, 'DEFAULT_5XX', 500);
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([name, value]) => [name, [value].flat().join(',')]),
      );
      const event = {
        httpMethod: method,
        resource: match.route.path,
        path,
        pathParameters: match.names.length > 0 ? pathParameters : null,
        queryStringParameters: target.query.size > 0 ? Object.fromEntries(target.query) : null,
        multiValueQueryStringParameters: null,
        headers,
        multiValueHeaders: {},
        body: body.length > 0 ? body : null,
        isBase64Encoded: false,
        stageVariables: null,
        requestContext: {
          authorizer,
          requestId: randomUUID(),
          stage: 'prod',
          httpMethod: method,
          resourcePath: match.route.path,
          identity: { sourceIp: request.socket.remoteAddress ?? '127.0.0.1' },
        },
      } as unknown as APIGatewayProxyEvent;
      const result = await handler(event, localContext(match.route.handler));
      response.writeHead(result.statusCode, result.headers as Record<string, string>);
      response.end(result.body);
    } catch {
      // A handler never throws (its wrapper maps every error); this is the gateway's own 5xx.
      if (!response.headersSent) gatewayResponse(response, 'DEFAULT_5XX', 502);
    }
  };
}

/** Starts the local API on 127.0.0.1:`port` (0 = any free port). */
export function startLocalApi(options: LocalApiOptions, port: number): Promise<{ server: Server; url: string }> {
  const listener = localApi(options);
  return listenOnLoopback(
    createServer((request, response) => void listener(request, response)),
    port,
    'local API',
  );
}
