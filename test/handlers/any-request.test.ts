/**
 * Every route, any request: arbitrary path parameters (any text, hostile or not), query strings, content types,
 * bodies and sessions, against the handlers with mocked AWS clients. Whatever comes in, the answer is a success or a
 * 4xx whose `code` is documented and whose status is the one the error mapping gives it: never a 5xx, never an
 * undocumented code.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { ROUTE_LIST, pathParameters } from '../../contract/routes.js';
import { HTTP_STATUS } from '../../shared/http.js';
import {
  addCustomer,
  apiEvent,
  ddb,
  GetCommand,
  installWorld,
  lambdaContext,
  PutCommand,
  QueryCommand,
  ScanCommand,
} from '../helpers/aws.js';
import { customerKeys } from '../helpers/keys.js';

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;
let handlers: Record<string, Handler>;

beforeAll(async () => {
  const world = installWorld();
  // Whatever the world does not hold is absent, as in an empty table.
  ddb.on(GetCommand, { TableName: 'orders' }).resolves({});
  ddb.on(QueryCommand, { TableName: 'orders' }).resolves({ Items: [] });
  ddb.on(QueryCommand, { TableName: 'ledger' }).resolves({ Items: [] });
  ddb.on(QueryCommand, { TableName: 'audit' }).resolves({ Items: [] });
  ddb.on(ScanCommand, { TableName: 'customers' }).resolves({ Items: [] });
  ddb.on(GetCommand, { TableName: 'staff' }).resolves({});
  ddb.on(ScanCommand, { TableName: 'staff' }).resolves({ Items: [] });
  ddb.on(GetCommand, { TableName: 'inventory' }).resolves({});
  for (const table of ['customers', 'inventory', 'ledger']) ddb.on(PutCommand, { TableName: table }).resolves({});
  const keys = await customerKeys();
  await addCustomer(world, 'alice', 'correct horse battery', [
    { kid: keys.ed25519.signer.kid, alg: 'EdDSA', publicKey: keys.ed25519.verifier.publicKey },
  ]);
  await addCustomer(world, 'root', 'correct horse battery', [], { role: 'admin' });
  world.products.set('WIDGET-1', { sku: 'WIDGET-1', name: 'Widget', priceCents: 1250, stock: 10 });
  handlers = {
    login: (await import('../../functions/login/index.js')).handler as unknown as Handler,
    password: (await import('../../functions/password/index.js')).handler as unknown as Handler,
    order: (await import('../../functions/order/index.js')).handler as unknown as Handler,
    read: (await import('../../functions/read/index.js')).handler as unknown as Handler,
    admin: (await import('../../functions/admin/index.js')).handler as unknown as Handler,
  };
}, 120_000);

/** Text of every kind, often a value the route accepts (so requests get past validation to the services). */
const text = fc.oneof(
  { weight: 2, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.string({ unit: 'binary' }) }, // lone surrogates included
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 5 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', '%', '%ZZ', '\u0000', '\u202e', '\ud800', 'x'.repeat(10_000), '1e3', '-1', '0'),
  },
  {
    weight: 5,
    arbitrary: fc.constantFrom(
      'alice',
      'root',
      'ghost',
      'AAAAAAAAAAAAAAAAAAAAAA',
      'WIDGET-1',
      'NOPE-9',
      'accepted',
      'failed',
      'owed',
      '10',
      'a reason',
      'correct horse battery',
      'a much better passphrase',
    ),
  },
);

const routes = ROUTE_LIST.filter((route) => route.handler in { login: 1, password: 1, order: 1, read: 1, admin: 1 });

const request = fc.record({
  route: fc.constantFrom(...routes),
  parameters: fc.array(text, { minLength: 3, maxLength: 3 }),
  query: fc.option(fc.dictionary(fc.constantFrom('limit', 'cursor', 'status', 'customer', 'x'), text), {
    nil: undefined,
  }),
  session: fc.constantFrom(
    undefined,
    { customerId: 'alice', role: 'customer' as const },
    { customerId: 'root', role: 'admin' as const },
    { customerId: 'ghost', role: 'customer' as const }, // deleted after its token was issued
  ),
  contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'x'),
  body: fc.oneof(
    fc.constant(undefined),
    text,
    fc.jsonValue().map((value) => JSON.stringify(value)),
    fc
      .record(
        {
          customerId: text,
          password: text,
          oldPassword: text,
          newPassword: text,
          envelope: text,
          cancellation: text,
          reason: text,
          reference: text,
          amountCents: fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.integer(), fc.double(), text),
          sku: text,
          name: text,
          priceCents: fc.oneof(fc.nat({ max: 10_000 }), fc.integer(), fc.double()),
          quantity: fc.oneof(fc.nat({ max: 100 }), fc.integer(), fc.double()),
        },
        { requiredKeys: [] },
      )
      .map((value) => JSON.stringify(value)),
  ),
});

type Request = typeof request extends fc.Arbitrary<infer T> ? T : never;

describe('any request to any route', () => {
  const seen = new Set<string>();
  it('is answered with a success or a documented 4xx, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(request, async ({ route, parameters, query, session, contentType, body }) => {
        const names = pathParameters(route.path);
        const event = apiEvent({
          method: route.method,
          resource: route.path,
          ...(body === undefined ? {} : { rawBody: body }),
          headers: { 'content-type': contentType },
          ...(route.auth === 'session' && session ? { session } : {}),
          ...(names.length > 0
            ? { pathParameters: Object.fromEntries(names.map((name, i) => [name, parameters[i]!])) }
            : {}),
          ...(query ? { query } : {}),
        });
        const response = await handlers[route.handler]!(event, lambdaContext);
        const answer = JSON.parse(response.body) as { error?: { code: keyof typeof HTTP_STATUS; message: string } };
        seen.add(`${response.statusCode} ${answer.error?.code ?? ''}`);
        const where = `${route.method} ${route.path} → ${response.statusCode} ${response.body.slice(0, 200)}`;
        expect(response.statusCode, where).toBeLessThan(500);
        if (response.statusCode >= 400) {
          expect(HTTP_STATUS[answer.error!.code], where).toBe(response.statusCode);
          // A route of the table is always served: a 404 is about what was asked for, never about the route.
          expect(answer.error!.message, where).not.toMatch(/^no route /);
        }
      }),
      {
        numRuns: 400,
        // Always among the cases, whatever the random draw: requests that reach the services and find nothing.
        examples: (
          [
            ['GET', '/orders/{id}', 'AAAAAAAAAAAAAAAAAAAAAA', { customerId: 'alice', role: 'customer' }],
            ['GET', '/admin/customers/{customerId}', 'ghost', { customerId: 'root', role: 'admin' }],
            ['POST', '/admin/emails/{id}/retry', 'AAAAAAAAAAAAAAAAAAAAAA', { customerId: 'root', role: 'admin' }],
          ] as const
        ).map(([method, path, id, session]): [Request] => [
          {
            route: routes.find((route) => route.method === method && route.path === path)!,
            parameters: [id, 'x', 'x'],
            query: undefined,
            session,
            contentType: 'application/json' as const,
            body: undefined,
          },
        ]),
      },
    );
    // The generator reaches past validation: successes, and refusals from the services themselves.
    expect([...seen]).toEqual(expect.arrayContaining(['200 ', '404 not_found', '400 invalid_request']));
  }, 300_000);
});
