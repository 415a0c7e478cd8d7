/** POST /password, POST /logout and /refresh, and the authorizer, against mocked DynamoDB and KMS. */
import { jwtVerify, SignJWT } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import {
  addCustomer,
  apiEvent,
  awsError,
  bodyOf,
  ddb,
  DecryptCommand,
  kms,
  lambdaContext,
  TransactWriteCommand,
  transactionCancelled,
} from '../helpers/aws.js';
import {
  METHOD_ARN,
  PASSWORD,
  authorize,
  coldStartBeforeEach,
  loginHandler,
  passwordHandler,
  tokenFor,
  updatesTo,
  world,
} from '../helpers/handlers/sessions.js';

coldStartBeforeEach();

describe('POST /password', () => {
  const change = (
    body: unknown,
    session: { customerId: string; role: 'customer' } | null = { customerId: 'alice', role: 'customer' },
  ) =>
    passwordHandler(
      apiEvent({ method: 'POST', resource: '/password', body, ...(session ? { session } : {}) }),
      lambdaContext,
    );

  it('re-hashes, bumps the token version conditionally with its audit record, and returns a fresh token', async () => {
    const response = await change({ oldPassword: PASSWORD, newPassword: 'a much better passphrase' });
    expect(response.statusCode).toBe(200);
    const [transaction] = ddb.commandCalls(TransactWriteCommand);
    const [account, audit] = transaction!.args[0].input.TransactItems!;
    const input = account!.Update!;
    expect(audit!.Put).toMatchObject({
      TableName: 'audit',
      Item: { action: 'customer.password-change', target: 'alice', actor: 'alice', actorKind: 'customer' },
      ConditionExpression: 'attribute_not_exists(recordedAt)',
    });
    expect(input.ConditionExpression).toBe('tokenVersion = :expected');
    expect(input.ExpressionAttributeValues).toMatchObject({ ':expected': 1 });
    expect(input.ExpressionAttributeValues?.[':hash']).toMatch(/^scrypt\$17\$8\$1\$/); // full-strength parameters
    expect(JSON.stringify(input)).not.toContain('a much better passphrase');
    const { payload } = await jwtVerify(bodyOf(response).token as string, world.sessionSecret);
    expect(payload.tv).toBe(2);
  });

  it.each([
    ['shorter than 12 characters', 'short pw', 'at least 12'],
    ['the old password', PASSWORD, 'differ from the old'],
    ['the customer ID', 'ALICE', 'at least 12'],
    ['longer than 256 characters', 'x'.repeat(257), 'at most 256'],
  ])('refuses a new password that is %s', async (_name, newPassword, message) => {
    const response = await change({ oldPassword: PASSWORD, newPassword });
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({
      error: { code: 'password_policy', message: expect.stringContaining(message) as unknown },
    });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0); // nothing stored, nothing audited
  });

  it('needs the old password, and counts a wrong one towards the lockout', async () => {
    const response = await change({ oldPassword: 'guessing wrong', newPassword: 'a much better passphrase' });
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response)).toMatchObject({ error: { code: 'invalid_credentials' } });
    expect(updatesTo(/^SET failedLogins = if_not_exists/)).toHaveLength(1);
    expect(updatesTo(/^SET failedLogins = :zero$/)).toHaveLength(0);
  });

  it('needs a session', async () => {
    const response = await change({ oldPassword: PASSWORD, newPassword: 'a much better passphrase' }, null);
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response)).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('refuses when another password change won the race', async () => {
    ddb.on(TransactWriteCommand).rejects(transactionCancelled([{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }]));
    const response = await change({ oldPassword: PASSWORD, newPassword: 'a much better passphrase' });
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response)).toMatchObject({ error: { code: 'unauthorized' } });
  });
});

describe('POST /logout and POST /refresh', () => {
  const METHOD = 'arn:aws:execute-api:eu-west-1:123456789012:api123/prod/POST/logout';
  const authorized = async (token: string) =>
    (await authorize({ type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn: METHOD })).context as {
      kind: string;
      subject: string;
      tokenVersion: number;
      authTime: number;
    };
  const post = (resource: string, authorizer: Awaited<ReturnType<typeof authorized>>) =>
    loginHandler(apiEvent({ method: 'POST', resource, authorizer }), lambdaContext);

  it('logout ends every session of the customer: the authorizer refuses the token afterwards; twice is fine', async () => {
    const token = await tokenFor();
    const other = await tokenFor(); // another device
    const session = await authorized(token);
    const response = await post('/logout', session);
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ loggedOut: true });
    const [update] = updatesTo(/^SET tokenVersion = tokenVersion \+ :one$/);
    expect(update!.args[0].input).toMatchObject({
      ConditionExpression: 'tokenVersion = :expected',
      ExpressionAttributeValues: { ':one': 1, ':expected': 1 },
    });
    await expect(authorized(token)).rejects.toThrow(/^Unauthorized$/);
    await expect(authorized(other)).rejects.toThrow(/^Unauthorized$/);
    expect((await post('/logout', session)).statusCode).toBe(200); // already ended: nothing more to do
    expect(updatesTo(/^SET tokenVersion/)).toHaveLength(2);
    expect(world.customers.get('alice')?.tokenVersion).toBe(2); // the second one did not bump it again
    const fresh = await tokenFor();
    expect((await authorized(fresh)).tokenVersion).toBe(2); // a new login works
  });

  it('refresh issues a new token for the same session, keeping its login time', async () => {
    const session = await authorized(await tokenFor());
    const loggedIn = session.authTime;
    const response = await post('/refresh', { ...session, authTime: loggedIn - 3600 });
    expect(response.statusCode).toBe(200);
    const { payload } = await jwtVerify(bodyOf(response).token as string, world.sessionSecret);
    expect(payload).toMatchObject({ sub: 'alice', kind: 'customer', tv: 1, auth_time: loggedIn - 3600 });
    expect(payload.exp! - payload.iat!).toBe(15 * 60);
    expect(await authorized(bodyOf(response).token as string)).toMatchObject({ authTime: loggedIn - 3600 });
  });

  it('never past 12 hours from the login: the last token is cut short, then refresh is refused', async () => {
    const session = await authorized(await tokenFor());
    const now = Math.floor(Date.now() / 1000);
    const nearLimit = await post('/refresh', { ...session, authTime: now - 12 * 3600 + 300 });
    expect(nearLimit.statusCode).toBe(200);
    const { payload } = await jwtVerify(bodyOf(nearLimit).token as string, world.sessionSecret);
    expect(payload.exp).toBe(now - 12 * 3600 + 300 + 12 * 3600);
    const atLimit = await post('/refresh', { ...session, authTime: now - 12 * 3600 + 30 });
    expect(atLimit.statusCode).toBe(401);
    expect(bodyOf(atLimit)).toMatchObject({
      error: { code: 'unauthorized', message: expect.stringContaining('12 hours') as unknown },
    });
  });

  it('both need a session', async () => {
    for (const resource of ['/logout', '/refresh']) {
      const response = await loginHandler(apiEvent({ method: 'POST', resource }), lambdaContext);
      expect(response.statusCode).toBe(401);
    }
  });
});

describe('authorizer', () => {
  const event = (token: string, methodArn = METHOD_ARN) => ({
    type: 'TOKEN' as const,
    authorizationToken: `Bearer ${token}`,
    methodArn,
  });

  it('allows a customer session everywhere but /admin/*, and passes the account and its state on', async () => {
    const result = await authorize(event(await tokenFor()));
    expect(result.principalId).toBe('customer:alice');
    expect(result.context).toEqual({
      kind: 'customer',
      subject: 'alice',
      tokenVersion: 1,
      roles: '',
      mustChangePassword: 'false',
      authTime: expect.any(Number) as unknown,
    });
    expect(result.policyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'execute-api:Invoke',
        Resource: 'arn:aws:execute-api:eu-west-1:123456789012:api123/prod/*',
      },
      {
        Effect: 'Deny',
        Action: 'execute-api:Invoke',
        Resource: 'arn:aws:execute-api:eu-west-1:123456789012:api123/prod/*/admin/*',
      },
    ]);
  });

  it('a customer item that says role admin (stored before staff were their own accounts) gets no admin route', async () => {
    await addCustomer(world, 'root', PASSWORD, [], { role: 'admin' });
    const result = await authorize(event(await tokenFor('root')));
    expect(result.policyDocument.Statement).toHaveLength(2);
    expect(result.policyDocument.Statement[1]).toMatchObject({ Effect: 'Deny' });
    expect(result.context).toMatchObject({ kind: 'customer', subject: 'root', roles: '' });
  });

  it('refuses tokens issued before a password change (token version moved on)', async () => {
    const token = await tokenFor();
    world.customers.set('alice', { ...world.customers.get('alice')!, tokenVersion: 2 });
    await expect(authorize(event(token))).rejects.toThrow(/^Unauthorized$/);
  });

  it('refuses the session of a disabled customer, even at the same token version', async () => {
    const token = await tokenFor();
    world.customers.set('alice', { ...world.customers.get('alice')!, disabledAt: '2026-12-07T00:00:00.000Z' });
    await expect(authorize(event(token))).rejects.toThrow(/^Unauthorized$/);
  });

  it.each([
    [
      'no Bearer prefix',
      (token: string) => ({ type: 'TOKEN' as const, authorizationToken: token, methodArn: METHOD_ARN }),
    ],
    ['garbage', () => event('not.a.token')],
    ['a changed signature', (token: string) => event(token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA'))],
  ])('refuses %s with Unauthorized', async (_name, make) => {
    await expect(authorize(make(await tokenFor()))).rejects.toThrow(/^Unauthorized$/);
  });

  it('refuses expired tokens, alg none, and tokens of another type', async () => {
    const now = Math.floor(Date.now() / 1000);
    const sign = (header: Record<string, unknown>, claims: Record<string, unknown>) =>
      new SignJWT({ kind: 'customer', tv: 1, ...claims })
        .setProtectedHeader({ alg: 'HS256', kid: world.sessionKid, typ: 'po-session+jwt', ...header })
        .setSubject('alice')
        .setIssuer('po-opd')
        .setAudience('po-api')
        .setIssuedAt(now - 1000)
        .sign(world.sessionSecret);
    await expect(authorize(event(await sign({}, { exp: now - 10 })))).rejects.toThrow(/^Unauthorized$/);
    await expect(authorize(event(await sign({ typ: 'JWT' }, { exp: now + 600 })))).rejects.toThrow(/^Unauthorized$/);
    const none = `${Buffer.from('{"alg":"none","typ":"po-session+jwt"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'alice', kind: 'staff', tv: 1, exp: now + 600 })).toString('base64url')}.`;
    await expect(authorize(event(none))).rejects.toThrow(/^Unauthorized$/);
    expect(await authorize(event(await sign({}, { exp: now + 600 })))).toMatchObject({ principalId: 'customer:alice' });
    // A token of the former shape (a role, no kind) is not a session any more: log in again.
    const former = await new SignJWT({ role: 'customer', tv: 1 })
      .setProtectedHeader({ alg: 'HS256', kid: world.sessionKid, typ: 'po-session+jwt' })
      .setSubject('alice')
      .setIssuer('po-opd')
      .setAudience('po-api')
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(world.sessionSecret);
    await expect(authorize(event(former))).rejects.toThrow(/^Unauthorized$/);
  });

  it('fails (→ the 503 gateway response) rather than deny when KMS is down', async () => {
    const token = await tokenFor();
    vi.resetModules();
    const fresh = (await import('../../functions/authorizer/index.js')).authorize;
    kms.on(DecryptCommand).rejects(awsError('KMSInternalException'));
    await expect(fresh(event(token))).rejects.toMatchObject({ code: 'service_unavailable' });
  });
});
