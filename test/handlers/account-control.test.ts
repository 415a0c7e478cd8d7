/**
 * Accounts that end, for customers and staff alike, against in-memory tables that apply writes as DynamoDB does:
 * disable (no login with the right password, `account_disabled`; a wrong one is still `invalid_credentials`; the old
 * token refused by the authorizer; a disabled customer's order refused by the order transaction's guard), re-enable,
 * end every session. Each change writes exactly one audit record naming who did it; a refusal writes none.
 */
import { describe, expect, it, vi } from 'vitest';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { sealOrder } from '../../shared/envelope/index.js';
import { addCustomer, apiEvent, bodyOf, ddb, lambdaContext, TransactWriteCommand } from '../helpers/aws.js';
import { customerKey } from '../helpers/keys.js';
import {
  PASSWORD,
  auditRecords,
  authorizerSays,
  coldStartBeforeEach,
  login,
  onCustomer,
  onStaff,
  sessionOf,
  stored,
  tables,
  world,
} from '../helpers/handlers/staff.js';

coldStartBeforeEach();

const errorOf = (response: APIGatewayProxyResult) => (bodyOf(response).error ?? {}) as Record<string, unknown>;
const actions = () => auditRecords().map((record) => [record.action, record.target, record.actor]);

describe('a staff member’s sessions ended by a staff administrator', () => {
  it('POST /admin/staff/{staffId}/logout: the old token is refused at once, a new login works; audited once', async () => {
    const { token } = await sessionOf('staff', 'clerk1');
    const response = await onStaff('root', 'logout', 'clerk1');
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ staffId: 'clerk1', sessionsEnded: true });
    expect(await authorizerSays(token)).toBe('refused');
    expect(await authorizerSays((await sessionOf('staff', 'clerk1')).token)).toMatchObject({ subject: 'clerk1' });
    expect(auditRecords()).toHaveLength(1);
    expect(auditRecords()[0]).toMatchObject({
      action: 'staff.sessions-end',
      target: 'clerk1',
      actor: 'root',
      actorRoles: ['admin'],
      changes: { tokenVersion: { before: 1, after: 2 } },
    });
  });

  it('needs staff:write: security (staff:read) is refused, nothing changes', async () => {
    for (const what of ['logout', 'disable', 'enable', 'password-reset']) {
      const response = await onStaff('sec', what, 'clerk1');
      expect(response.statusCode, what).toBe(403);
      expect(errorOf(response)).toMatchObject({ code: 'forbidden', permission: 'staff:write' });
    }
    expect(stored('clerk1')?.tokenVersion).toBe(1);
    expect(stored('clerk1')?.mustChangePassword).toBeUndefined();
    expect(auditRecords()).toEqual([]);
  });
});

describe('a customer’s account, ended by staff with customers:write (security)', () => {
  it('disabled: the right password says account_disabled, a wrong one invalid_credentials; the old token is refused', async () => {
    const { token } = await sessionOf('customer', 'alice');
    const response = await onCustomer('sec', 'disable', 'alice');
    expect(response.statusCode, response.body).toBe(200);
    expect(bodyOf(response)).toEqual({ customerId: 'alice', disabled: true, changed: true, sessionsEnded: true });
    expect(world.customers.get('alice')).toMatchObject({ tokenVersion: 2, disabledAt: expect.any(String) as unknown });
    expect(await authorizerSays(token)).toBe('refused');
    const right = await login('customer', 'alice');
    expect([right.statusCode, errorOf(right).code]).toEqual([403, 'account_disabled']);
    const wrong = await login('customer', 'alice', `${PASSWORD}!`);
    expect([wrong.statusCode, errorOf(wrong).code]).toEqual([401, 'invalid_credentials']);
    expect(auditRecords()).toHaveLength(1);
    expect(auditRecords()[0]).toMatchObject({
      action: 'customer.disable',
      target: 'alice',
      actor: 'sec',
      actorKind: 'staff',
      actorRoles: ['security'],
      changes: { disabled: { before: false, after: true } },
    });

    const enabled = await onCustomer('sec', 'enable', 'alice');
    expect(bodyOf(enabled)).toEqual({ customerId: 'alice', disabled: false, changed: true, sessionsEnded: false });
    expect((await login('customer', 'alice')).statusCode).toBe(200);
    expect(actions()).toEqual([
      ['customer.disable', 'alice', 'sec'],
      ['customer.enable', 'alice', 'sec'],
    ]);
  });

  it('POST /admin/customers/{customerId}/logout ends every session of the customer; audited once', async () => {
    const { token } = await sessionOf('customer', 'alice');
    const response = await onCustomer('sec', 'logout', 'alice');
    expect(bodyOf(response)).toEqual({ customerId: 'alice', sessionsEnded: true });
    expect(await authorizerSays(token)).toBe('refused');
    expect(actions()).toEqual([['customer.sessions-end', 'alice', 'sec']]);
  });

  it('refused without customers:write (a clerk), and for no such customer: nothing changes, no audit record', async () => {
    const refused = await onCustomer('clerk1', 'disable', 'alice');
    expect(refused.statusCode).toBe(403);
    expect(errorOf(refused)).toMatchObject({ code: 'forbidden', permission: 'customers:write' });
    const missing = await onCustomer('sec', 'disable', 'nobody');
    expect([missing.statusCode, errorOf(missing).code]).toEqual([404, 'not_found']);
    expect(world.customers.get('alice')).toMatchObject({ tokenVersion: 1 });
    expect(world.customers.get('alice')?.disabledAt).toBeUndefined();
    expect(auditRecords()).toEqual([]);
  });

  it('a disabled customer cannot order: the order transaction’s guard refuses the session it still holds', async () => {
    const key = await customerKey('ed25519');
    await addCustomer(world, 'alice', PASSWORD, [
      { kid: key.verifier.kid, alg: 'EdDSA', publicKey: key.verifier.publicKey },
    ]);
    world.products.set('WIDGET-1', { sku: 'WIDGET-1', name: 'Widget', priceCents: 1250, stock: 10 });
    vi.resetModules();
    const order = (await import('../../functions/order/index.js')).handler as unknown as (
      event: unknown,
      context: unknown,
    ) => Promise<APIGatewayProxyResult>;
    const post = () =>
      order(
        apiEvent({
          method: 'POST',
          resource: '/orders',
          session: { customerId: 'alice', role: 'customer', tokenVersion: 1 },
          body: {
            envelope: sealOrder({
              customerId: 'alice',
              items: [{ sku: 'WIDGET-1', qty: 1, unitPriceCents: 1250 }],
              currency: 'USD',
              signer: key.signer,
              server: { kid: world.server.kid, publicKey: world.server.publicKey },
            }),
          },
        }),
        lambdaContext,
      );
    const accepted = await post();
    expect(accepted.statusCode, accepted.body).toBe(201); // the session and the key are now remembered by the warm function
    expect((await onCustomer('sec', 'disable', 'alice')).statusCode).toBe(200);
    const transactions = ddb.commandCalls(TransactWriteCommand).length;
    const refused = await post(); // as if API Gateway still held the authorizer's answer for this token
    expect([refused.statusCode, errorOf(refused).code]).toEqual([401, 'unauthorized']);
    expect(ddb.commandCalls(TransactWriteCommand).length).toBeGreaterThan(transactions); // refused at commit
    expect(tables.items('orders')).toHaveLength(1);
    expect(world.products.get('WIDGET-1')?.stock).toBe(9);
    expect(world.customers.get('alice')?.balanceCents).toBe(100_000_000 - 1250);
  });
});
