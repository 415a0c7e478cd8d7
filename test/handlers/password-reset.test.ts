/**
 * A password reset, for a staff member and for a customer: the one-time password is answered once and never stored
 * in clear, logged or audited; the old password stops working; a login with the one-time password opens a session
 * that must change it — every route but `POST /password` and `POST /logout` answers 403 `password_change_required`
 * (the router's doing, seen here through the authorizer and the functions) — and after the change, a normal session.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/aws.js';
import {
  admin,
  auditRecords,
  coldStartBeforeEach,
  login,
  loginHandler,
  onCustomer,
  onStaff,
  passwordHandler,
  sessionOf,
  stored,
  throughGateway,
  world,
} from '../helpers/handlers/staff.js';

coldStartBeforeEach();
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;
const NEW_PASSWORD = 'a fresh passphrase 2026';
const errorOf = (response: APIGatewayProxyResult) => (bodyOf(response).error ?? {}) as Record<string, unknown>;

/** Resets `id`'s password as `as`, expecting success; the one-time password. */
async function reset(kind: 'customer' | 'staff', as: string, id: string): Promise<string> {
  const response =
    kind === 'staff' ? await onStaff(as, 'password-reset', id) : await onCustomer(as, 'password-reset', id);
  expect(response.statusCode, response.body).toBe(200);
  const body = bodyOf(response);
  expect(body).toEqual({
    [kind === 'staff' ? 'staffId' : 'customerId']: id,
    oneTimePassword: expect.stringMatching(/^[A-Za-z0-9_-]{20}$/) as unknown,
    mustChangePassword: true,
    sessionsEnded: true,
  });
  return body.oneTimePassword as string;
}

/** The one-time session's password change, then a route that was refused before: now answered. */
async function changeAndRetry(
  token: string,
  oneTimePassword: string,
  retry: (token: string) => Promise<APIGatewayProxyResult>,
) {
  const changed = await throughGateway(passwordHandler, token, {
    method: 'POST',
    resource: '/password',
    body: { oldPassword: oneTimePassword, newPassword: NEW_PASSWORD },
  });
  expect(changed.statusCode, changed.body).toBe(200);
  expect(bodyOf(changed)).toMatchObject({ mustChangePassword: false });
  expect((await retry(bodyOf(changed).token as string)).statusCode).toBe(200);
  return bodyOf(changed).token as string;
}

describe('POST /admin/staff/{staffId}/password-reset', () => {
  it('the next login must change the one-time password before anything else; then a normal session', async () => {
    const { token: before } = await sessionOf('staff', 'clerk1');
    const oneTimePassword = await reset('staff', 'root', 'clerk1');
    expect(stored('clerk1')).toMatchObject({ mustChangePassword: true, tokenVersion: 2, failedLogins: 0 });
    expect(JSON.stringify(stored('clerk1'))).not.toContain(oneTimePassword);
    expect((await login('staff', 'clerk1')).statusCode).toBe(401); // the old password is gone
    await expect(throughGateway(admin, before, { method: 'GET', resource: '/admin/orders' })).rejects.toThrow(
      /refused/,
    );

    const session = await sessionOf('staff', 'clerk1', oneTimePassword);
    expect(session.mustChangePassword).toBe(true);
    const queue = () => throughGateway(admin, session.token, { method: 'GET', resource: '/admin/orders' });
    const refused = await queue();
    expect([refused.statusCode, errorOf(refused).code]).toEqual([403, 'password_change_required']);
    const logout = () => throughGateway(loginHandler, session.token, { method: 'POST', resource: '/logout' });

    const fresh = await changeAndRetry(session.token, oneTimePassword, (token) =>
      throughGateway(admin, token, { method: 'GET', resource: '/admin/orders' }),
    );
    expect((await sessionOf('staff', 'clerk1', NEW_PASSWORD)).mustChangePassword).toBe(false);
    expect(fresh).not.toBe(session.token);
    await expect(logout()).rejects.toThrow(/refused/); // the one-time session ended with the change

    const records = auditRecords();
    expect(records.map((record) => [record.action, record.target, record.actor])).toEqual([
      ['staff.password-reset', 'clerk1', 'root'],
      ['staff.password-change', 'clerk1', 'clerk1'],
    ]);
    expect(records[0]!.changes).toEqual({ oneTimePassword: { after: true } });
    expect(JSON.stringify(records)).not.toContain(oneTimePassword);
  });

  it('a one-time password opens no session after 24 hours; the change then clears its expiry too', async () => {
    const oneTimePassword = await reset('staff', 'root', 'clerk1');
    const expires = stored('clerk1')?.oneTimePasswordExpiresAt as number;
    expect(expires - Math.floor(Date.now() / 1000)).toBeGreaterThan(24 * 3600 - 60);
    vi.spyOn(Date, 'now').mockReturnValue((expires + 1) * 1000);
    const late = await login('staff', 'clerk1', oneTimePassword);
    expect([late.statusCode, errorOf(late).code]).toEqual([401, 'invalid_credentials']);
    expect(errorOf(late).message).toContain('expired');
    vi.restoreAllMocks();
    const { token } = await sessionOf('staff', 'clerk1', oneTimePassword);
    await changeAndRetry(token, oneTimePassword, (fresh) =>
      throughGateway(admin, fresh, { method: 'GET', resource: '/admin/orders' }),
    );
    expect(stored('clerk1')?.oneTimePasswordExpiresAt).toBeUndefined();
  });

  it('nobody resets their own password here: a stolen session cannot mint itself a password', async () => {
    const own = await onStaff('root', 'password-reset', 'root');
    expect([own.statusCode, errorOf(own).code]).toEqual([403, 'forbidden']);
    expect(stored('root')?.mustChangePassword).toBeUndefined();
    expect(auditRecords()).toEqual([]);
  });

  it('a session that must change its password may still log out', async () => {
    const oneTimePassword = await reset('staff', 'root', 'clerk1');
    const { token } = await sessionOf('staff', 'clerk1', oneTimePassword);
    const out = await throughGateway(loginHandler, token, { method: 'POST', resource: '/logout' });
    expect(out.statusCode).toBe(200);
  });

  it('the one-time password is never logged, even at DEBUG', async () => {
    vi.stubEnv('LOG_LEVEL', 'DEBUG');
    vi.resetModules();
    const debugAdmin = (await import('../../functions/admin/index.js')).handler as unknown as Handler;
    const captured: string[] = [];
    for (const stream of [process.stdout, process.stderr])
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
        return true;
      });
    const response = await debugAdmin(
      apiEvent({
        method: 'POST',
        resource: '/admin/staff/{staffId}/password-reset',
        pathParameters: { staffId: 'clerk1' },
        session: { staffId: 'root', roles: ['admin'] },
      }),
      lambdaContext,
    );
    vi.restoreAllMocks();
    const oneTimePassword = bodyOf(response).oneTimePassword as string;
    expect(oneTimePassword).toMatch(/^[A-Za-z0-9_-]{20}$/);
    const logs = captured.join('');
    expect(logs).toContain('staff action'); // the capture saw the route's log line…
    expect(logs).not.toContain(oneTimePassword); // …and not the password
  });
});

describe('POST /admin/customers/{customerId}/password-reset', () => {
  it('the customer’s next login must change it: their routes answer password_change_required until then', async () => {
    vi.resetModules();
    const read = (await import('../../functions/read/index.js')).handler as unknown as Handler;
    const oneTimePassword = await reset('customer', 'sec', 'alice');
    expect(world.customers.get('alice')).toMatchObject({ mustChangePassword: true, tokenVersion: 2 });
    const session = await sessionOf('customer', 'alice', oneTimePassword);
    expect(session.mustChangePassword).toBe(true);
    const refused = await throughGateway(read, session.token, { method: 'GET', resource: '/products' });
    expect([refused.statusCode, errorOf(refused).code]).toEqual([403, 'password_change_required']);
    await changeAndRetry(session.token, oneTimePassword, (token) =>
      throughGateway(read, token, { method: 'GET', resource: '/products' }),
    );
    expect(world.customers.get('alice')?.mustChangePassword).toBeUndefined();
    expect(auditRecords().map((record) => [record.action, record.actor, record.actorRoles])).toEqual([
      ['customer.password-reset', 'sec', ['security']],
      ['customer.password-change', 'alice', []],
    ]);
  });
});
