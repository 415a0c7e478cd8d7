/**
 * The route table is the one entry of a route: every function serves exactly its routes, the permissions agree with
 * what the authorizer denies, and API Gateway's models agree with the body schemas they stand in front of.
 */
import { PERMISSIONS } from '../shared/permissions.js';
import { describe, expect, it } from 'vitest';
import type * as z from 'zod/mini';
import { GATEWAY_MODELS, ROUTE_LIST, pathParameters } from '../contract/routes.js';
import { jsonResponse } from '../shared/http.js';
import { serveRoutes } from '../shared/router.js';
import { apiEvent, installWorld, lambdaContext } from './helpers/aws.js';

const ok = () => Promise.resolve(jsonResponse(200, { ok: true }));

describe('a function serves exactly the routes the table gives it', () => {
  it('refuses to load with a route of the table left out', () => {
    // @ts-expect-error — the compiler refuses it too: POST /logout is the login function's.
    expect(() => serveRoutes('login', { 'POST /login': ok, 'POST /staff/login': ok, 'POST /refresh': ok })).toThrow(
      'the login function and the route table disagree: no implementation of POST /logout',
    );
  });

  it('refuses to load with a route the table does not give it', () => {
    expect(() =>
      serveRoutes('password', {
        'POST /password': ok,
        'GET /account/keys': ok,
        'POST /account/keys': ok,
        'DELETE /account/keys/{kid}': ok,
        // @ts-expect-error — the compiler refuses it too: GET /orders is the read function's.
        'GET /orders': ok,
      }),
    ).toThrow('the password function and the route table disagree: GET /orders is not a route of password');
  });

  it('every function module loads: each serves every route the table gives it', async () => {
    installWorld();
    for (const name of ['login', 'password', 'order', 'read', 'admin'] as const) {
      const module = (await import(`../functions/${name}/index.ts`)) as { handler: unknown };
      expect(typeof module.handler, name).toBe('function');
    }
    expect(new Set(ROUTE_LIST.map((route) => route.handler))).toEqual(
      new Set(['login', 'password', 'order', 'read', 'admin']),
    );
  });

  it('checks the session, then the path, then the Idempotency-Key, then the body: the first fault is the answer', async () => {
    const served = serveRoutes('admin', Object.fromEntries(adminRoutes().map((key) => [key, ok])) as never);
    const credit = (faults: { role?: 'customer'; id?: string; key?: string; body?: string }) =>
      served(
        apiEvent({
          method: 'POST',
          resource: '/admin/customers/{customerId}/credit',
          pathParameters: { customerId: faults.id ?? 'alice' },
          headers: { 'Idempotency-Key': faults.key ?? 'a-key-of-sixteen-chars' },
          rawBody: faults.body ?? JSON.stringify({ amountCents: 100, reference: 'refund' }),
          session: { customerId: 'root', role: faults.role ?? 'admin' },
        }),
        lambdaContext,
      ).catch((error: unknown) => error);
    const all = { role: 'customer', id: 'no such/id', key: 'short', body: '{}' } as const;
    expect(await credit(all)).toMatchObject({ code: 'forbidden' });
    expect(await credit({ ...all, role: undefined })).toMatchObject({
      message: 'the customer ID in the URL is not a valid one',
    });
    expect(await credit({ ...all, role: undefined, id: undefined })).toMatchObject({
      message: expect.stringMatching(/^the Idempotency-Key header must be 16–128 characters/) as unknown,
    });
    expect(await credit({ body: '{}' })).toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(/^amountCents/) as unknown,
    });
    expect(await credit({})).toMatchObject({ statusCode: 200 });
  });

  it('answers an administrators’ route to an administrator only, before it reads the body', async () => {
    const served = serveRoutes('admin', Object.fromEntries(adminRoutes().map((key) => [key, ok])) as never);
    const event = (role: 'customer' | 'admin') =>
      apiEvent({
        method: 'POST',
        resource: '/admin/products',
        rawBody: 'not json',
        session: { customerId: 'someone', role },
      });
    const refused = await served(event('customer'), lambdaContext).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'forbidden' });
    const parsed = await served(event('admin'), lambdaContext).catch((error: unknown) => error);
    expect(parsed).toMatchObject({ code: 'invalid_request', message: 'the body is not valid JSON' });
  });
});

function adminRoutes(): string[] {
  return ROUTE_LIST.filter((route) => route.handler === 'admin').map((route) => route.key);
}

describe('the route table', () => {
  it('is public exactly where no session is checked, and names a staff permission exactly under /admin/', () => {
    for (const route of ROUTE_LIST) {
      expect(route.auth === 'none', route.key).toBe(route.permission === 'public');
      // The authorizer denies `/admin/*` to customers (functions/authorizer); the router checks the permission.
      expect(route.path.startsWith('/admin/'), route.key).toBe(Object.hasOwn(PERMISSIONS, route.permission));
    }
  });

  it('checks every path parameter of a route, and no other', () => {
    for (const route of ROUTE_LIST)
      expect(Object.keys(route.params ?? {}).sort(), route.key).toEqual(pathParameters(route.path).sort());
  });

  it('has an API Gateway model only in front of a body schema of exactly its members', () => {
    for (const route of ROUTE_LIST) {
      if (!route.model) continue;
      // Each body schema is built on first use (shared/lazy.ts).
      const schema = route.body?.() as z.ZodMiniObject | undefined;
      expect(schema, route.key).toBeDefined();
      expect(Object.keys(schema!.def.shape).sort(), route.key).toEqual(Object.keys(GATEWAY_MODELS[route.model]).sort());
    }
  });

  it('has models that agree with the schemas on every member’s longest value', () => {
    for (const route of ROUTE_LIST) {
      if (!route.model) continue;
      const members = GATEWAY_MODELS[route.model] as Readonly<Record<string, number>>;
      const body = (member: string, length: number) =>
        Object.fromEntries(Object.keys(members).map((name) => [name, 'a'.repeat(name === member ? length : 1)]));
      for (const [member, most] of Object.entries(members)) {
        // What the model lets through at its longest, the schema accepts…
        expect(route.body!().safeParse(body(member, most)).success, `${route.key} ${member}`).toBe(true);
        // …and one character more, which the model refuses, the schema refuses too (the envelope's own bound is
        // the function's, with its own code, below the body limit the model stands for).
        if (member !== 'envelope')
          expect(route.body!().safeParse(body(member, most + 1)).success, `${route.key} ${member}`).toBe(false);
      }
    }
  });
});
