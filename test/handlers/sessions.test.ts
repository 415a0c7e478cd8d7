/** POST /login, POST /password and the authorizer, against mocked DynamoDB and KMS. */
import { marshall } from '@aws-sdk/util-dynamodb';
import { jwtVerify, SignJWT } from 'jose';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { APIGatewayAuthorizerResult, APIGatewayProxyResult } from 'aws-lambda';
import {
  addCustomer,
  apiEvent,
  awsError,
  bodyOf,
  ddb,
  DecryptCommand,
  GetCommand,
  kms,
  lambdaContext,
  UpdateCommand,
} from '../helpers/aws.js';
import { installWorld } from '../helpers/aws.js';
import type { World } from '../helpers/aws.js';

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;
let world: World;
let loginHandler: Handler;
let passwordHandler: Handler;
let authorize: (event: {
  authorizationToken: string;
  methodArn: string;
  type: 'TOKEN';
}) => Promise<APIGatewayAuthorizerResult>;

const PASSWORD = 'correct horse battery';
const COUNT_CONDITION = 'attribute_exists(customerId) AND (attribute_not_exists(failedLogins) OR failedLogins < :max)';
const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:api123/prod/GET/orders';

beforeEach(async () => {
  world = installWorld();
  vi.resetModules(); // every test is a cold start: key rings load again
  loginHandler = (await import('../../functions/login/index.js')).handler as unknown as Handler;
  passwordHandler = (await import('../../functions/password/index.js')).handler as unknown as Handler;
  authorize = (await import('../../functions/authorizer/index.js')).authorize;
  await addCustomer(world, 'alice', PASSWORD);
});

const login = (body: unknown, headers?: Record<string, string>) =>
  loginHandler(apiEvent({ method: 'POST', resource: '/login', body, ...(headers ? { headers } : {}) }), lambdaContext);

async function tokenFor(customerId = 'alice', password = PASSWORD): Promise<string> {
  const response = await login({ customerId, password });
  expect(response.statusCode).toBe(200);
  return bodyOf(response).token as string;
}

const updatesTo = (expression: RegExp) =>
  ddb.commandCalls(UpdateCommand).filter((call) => expression.test(call.args[0].input.UpdateExpression ?? ''));

describe('POST /login', () => {
  it('issues a short-lived, typed session token with customer, role and token version', async () => {
    const response = await login({ customerId: 'alice', password: PASSWORD });
    expect(response.statusCode).toBe(200);
    const body = bodyOf(response);
    expect(body).toMatchObject({ customerId: 'alice', role: 'customer' });
    const { payload, protectedHeader } = await jwtVerify(body.token as string, world.sessionSecret, {
      typ: 'po-session+jwt',
    });
    expect(protectedHeader).toMatchObject({ alg: 'HS256', kid: world.sessionKid });
    expect(payload).toMatchObject({ sub: 'alice', role: 'customer', tv: 1, iss: 'po-opd', aud: 'po-api' });
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(response.headers).toMatchObject({ 'Cache-Control': 'no-store' });
  });

  /** The count's condition fails, DynamoDB returning the item as it was (as ReturnValuesOnConditionCheckFailure does). */
  const countRefused = (item?: Record<string, unknown>) =>
    ddb
      .on(UpdateCommand, { ConditionExpression: COUNT_CONDITION })
      .rejects(awsError('ConditionalCheckFailedException', item ? { Item: marshall(item) } : {}));

  it('answers unknown customer, wrong password and locked account identically', async () => {
    const unknown = await login({ customerId: 'mallory', password: PASSWORD });
    const wrong = await login({ customerId: 'alice', password: 'not the password' });
    countRefused({
      ...world.customers.get('alice')!,
      failedLogins: 5,
      lastLoginAttemptAt: Math.floor(Date.now() / 1000),
    });
    const locked = await login({ customerId: 'alice', password: PASSWORD });
    for (const response of [unknown, wrong, locked]) {
      expect(response.statusCode).toBe(401);
      expect(response.body).toBe(unknown.body);
    }
    expect(bodyOf(unknown)).toEqual({ error: { code: 'invalid_credentials', message: expect.any(String) as unknown } });
    // The remedy, the same for every failure: waiting or an admin helps a locked account.
    expect((bodyOf(unknown).error as { message: string }).message).toContain(
      'after 5 failed attempts the account is locked for 15 minutes; an OPD admin can unlock it',
    );
    // Unknown customers are not counted; the other two were counted before their password was checked.
    expect(updatesTo(/^SET failedLogins = if_not_exists/)).toHaveLength(2);
    expect(updatesTo(/^SET failedLogins = :zero$/)).toHaveLength(0); // the right password, but locked: not a success
  });

  it('refuses the password with a NUL or another control character appended (scrypt alone would accept it)', async () => {
    for (const suffix of ['\u0000', '\u0000\u0000', '\u0007'])
      expect((await login({ customerId: 'alice', password: PASSWORD + suffix })).statusCode).toBe(401);
    expect((await login({ customerId: 'alice', password: PASSWORD })).statusCode).toBe(200);
  });

  it('counts each attempt before hashing, only while below the limit, in one conditional update', async () => {
    await login({ customerId: 'alice', password: 'wrong password!' });
    const [count] = updatesTo(/^SET failedLogins = if_not_exists/);
    expect(count?.args[0].input).toMatchObject({
      Key: { customerId: 'alice' },
      UpdateExpression: 'SET failedLogins = if_not_exists(failedLogins, :zero) + :one, lastLoginAttemptAt = :now',
      ConditionExpression: COUNT_CONDITION,
      ExpressionAttributeValues: { ':max': 5, ':one': 1, ':zero': 0 },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('restarts the count once a lock has run its 15 minutes, and clears it on success', async () => {
    const expired = Math.floor(Date.now() / 1000) - 15 * 60;
    countRefused({ ...world.customers.get('alice')!, failedLogins: 5, lastLoginAttemptAt: expired });
    expect((await login({ customerId: 'alice', password: PASSWORD })).statusCode).toBe(200);
    const [restart] = updatesTo(/^SET failedLogins = :one/);
    expect(restart?.args[0].input).toMatchObject({
      ConditionExpression: 'failedLogins = :seen AND lastLoginAttemptAt = :seenAt',
      ExpressionAttributeValues: { ':seen': 5, ':seenAt': expired, ':one': 1 },
    });
    expect(updatesTo(/^SET failedLogins = :zero$/)).toHaveLength(1);
  });

  it('an item with a full count but no attempt time (counted by older code) restarts on its absence', async () => {
    const legacy: Record<string, unknown> = { ...world.customers.get('alice')!, failedLogins: 5 };
    delete legacy.lastLoginAttemptAt;
    countRefused(legacy);
    expect((await login({ customerId: 'alice', password: PASSWORD })).statusCode).toBe(200);
    const [restart] = updatesTo(/^SET failedLogins = :one/);
    expect(restart?.args[0].input.ConditionExpression).toBe(
      'failedLogins = :seen AND attribute_not_exists(lastLoginAttemptAt)',
    );
    expect(restart?.args[0].input.ExpressionAttributeValues).not.toHaveProperty(':seenAt');
  });

  it('a lock one second from its end still refuses, without checking the password', async () => {
    const almost = Math.floor(Date.now() / 1000) - 15 * 60 + 2;
    countRefused({ ...world.customers.get('alice')!, failedLogins: 5, lastLoginAttemptAt: almost });
    expect((await login({ customerId: 'alice', password: PASSWORD })).statusCode).toBe(401);
    expect(updatesTo(/^SET failedLogins = :one/)).toHaveLength(0);
  });

  it.each([
    ['a missing password', { customerId: 'alice' }, undefined, 400, 'invalid_request'],
    ['an extra member', { customerId: 'alice', password: PASSWORD, admin: true }, undefined, 400, 'invalid_request'],
    ['a non-string ID', { customerId: 7, password: PASSWORD }, undefined, 400, 'invalid_request'],
    [
      'form encoding',
      { customerId: 'alice', password: PASSWORD },
      { 'content-type': 'application/x-www-form-urlencoded' },
      415,
      'unsupported_media_type',
    ],
  ])('refuses %s with a 4xx and a stable code', async (_name, body, headers, status, code) => {
    const response = await login(body, headers);
    expect(response.statusCode).toBe(status);
    expect(bodyOf(response)).toMatchObject({ error: { code } });
  });

  it('refuses a body that is not JSON, or too large', async () => {
    const notJson = await loginHandler(
      apiEvent({ method: 'POST', resource: '/login', rawBody: '{"customerId":' }),
      lambdaContext,
    );
    expect(bodyOf(notJson)).toMatchObject({
      error: { code: 'invalid_request', message: 'the body is not valid JSON' },
    });
    const huge = await loginHandler(
      apiEvent({
        method: 'POST',
        resource: '/login',
        rawBody: JSON.stringify({ customerId: 'a', password: 'x'.repeat(40_000) }),
      }),
      lambdaContext,
    );
    expect(huge.statusCode).toBe(413);
  });

  it('answers 503 with Retry-After when DynamoDB is throttling, without a stack trace', async () => {
    ddb.on(GetCommand, { TableName: 'customers' }).rejects(awsError('ProvisionedThroughputExceededException'));
    const response = await login({ customerId: 'alice', password: PASSWORD });
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['Retry-After']).toBe('2');
    expect(bodyOf(response)).toMatchObject({ error: { code: 'service_unavailable' } });
    expect(response.body).not.toMatch(/Throughput|at \w+ \(/);
  });

  it('answers 503 when KMS fails at cold start, and recovers once KMS is back', async () => {
    kms.on(DecryptCommand).rejectsOnce(awsError('KMSInternalException'));
    const first = await login({ customerId: 'alice', password: PASSWORD });
    expect(first.statusCode).toBe(503);
    expect(bodyOf(first)).toMatchObject({ error: { code: 'service_unavailable' } });
    kms.on(DecryptCommand).resolves({ Plaintext: world.sessionSecret });
    expect((await login({ customerId: 'alice', password: PASSWORD })).statusCode).toBe(200);
  });

  it('unwraps the session key once per cold start, with its encryption context', async () => {
    await tokenFor();
    await tokenFor();
    const decrypts = kms.commandCalls(DecryptCommand);
    expect(decrypts).toHaveLength(1);
    expect(decrypts[0]?.args[0].input.EncryptionContext).toEqual({
      'po:purpose': 'session-key',
      'po:kid': world.sessionKid,
    });
  });
});

describe('POST /password', () => {
  const change = (
    body: unknown,
    session: { customerId: string; role: 'customer' } | null = { customerId: 'alice', role: 'customer' },
  ) =>
    passwordHandler(
      apiEvent({ method: 'POST', resource: '/password', body, ...(session ? { session } : {}) }),
      lambdaContext,
    );

  it('re-hashes, bumps the token version conditionally, and returns a fresh token', async () => {
    const response = await change({ oldPassword: PASSWORD, newPassword: 'a much better passphrase' });
    expect(response.statusCode).toBe(200);
    const [update] = updatesTo(/passwordHash/);
    const input = update!.args[0].input;
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
    expect(updatesTo(/passwordHash/)).toHaveLength(0);
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
    ddb.on(UpdateCommand).rejects(awsError('ConditionalCheckFailedException'));
    const response = await change({ oldPassword: PASSWORD, newPassword: 'a much better passphrase' });
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response)).toMatchObject({ error: { code: 'unauthorized' } });
  });
});

describe('POST /logout and POST /refresh', () => {
  const METHOD = 'arn:aws:execute-api:eu-west-1:123456789012:api123/prod/POST/logout';
  const authorized = async (token: string) =>
    (await authorize({ type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn: METHOD })).context as {
      customerId: string;
      role: 'customer';
      tokenVersion: number;
      authTime: number;
    };
  const post = (resource: string, session: Awaited<ReturnType<typeof authorized>>) =>
    loginHandler(apiEvent({ method: 'POST', resource, session }), lambdaContext);

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
    expect(payload).toMatchObject({ sub: 'alice', role: 'customer', tv: 1, auth_time: loggedIn - 3600 });
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

  it('allows a valid session everywhere but /admin/*, and passes customer and role on', async () => {
    const result = await authorize(event(await tokenFor()));
    expect(result.principalId).toBe('alice');
    expect(result.context).toEqual({
      customerId: 'alice',
      role: 'customer',
      tokenVersion: 1,
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

  it('gives admins the admin routes too', async () => {
    await addCustomer(world, 'root', PASSWORD, [], { role: 'admin' });
    const result = await authorize(event(await tokenFor('root')));
    expect(result.policyDocument.Statement).toHaveLength(1);
    expect(result.context).toMatchObject({ customerId: 'root', role: 'admin', tokenVersion: 1 });
  });

  it('refuses tokens issued before a password change (token version moved on)', async () => {
    const token = await tokenFor();
    world.customers.set('alice', { ...world.customers.get('alice')!, tokenVersion: 2 });
    await expect(authorize(event(token))).rejects.toThrow(/^Unauthorized$/);
  });

  it('takes the role from the database, not from the token', async () => {
    const token = await tokenFor();
    world.customers.set('alice', { ...world.customers.get('alice')!, role: 'admin' });
    expect((await authorize(event(token))).context).toMatchObject({
      customerId: 'alice',
      role: 'admin',
      tokenVersion: 1,
    });
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
      new SignJWT({ role: 'customer', tv: 1, ...claims })
        .setProtectedHeader({ alg: 'HS256', kid: world.sessionKid, typ: 'po-session+jwt', ...header })
        .setSubject('alice')
        .setIssuer('po-opd')
        .setAudience('po-api')
        .setIssuedAt(now - 1000)
        .sign(world.sessionSecret);
    await expect(authorize(event(await sign({}, { exp: now - 10 })))).rejects.toThrow(/^Unauthorized$/);
    await expect(authorize(event(await sign({ typ: 'JWT' }, { exp: now + 600 })))).rejects.toThrow(/^Unauthorized$/);
    const none = `${Buffer.from('{"alg":"none","typ":"po-session+jwt"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'alice', role: 'admin', tv: 1, exp: now + 600 })).toString('base64url')}.`;
    await expect(authorize(event(none))).rejects.toThrow(/^Unauthorized$/);
    expect(await authorize(event(await sign({}, { exp: now + 600 })))).toMatchObject({ principalId: 'alice' });
  });

  it('fails (→ the 503 gateway response) rather than deny when KMS is down', async () => {
    const token = await tokenFor();
    vi.resetModules();
    const fresh = (await import('../../functions/authorizer/index.js')).authorize;
    kms.on(DecryptCommand).rejects(awsError('KMSInternalException'));
    await expect(fresh(event(token))).rejects.toMatchObject({ code: 'service_unavailable' });
  });
});

describe('POST /login races', () => {
  it('still answers 401 (not 500) when the customer is deleted between the read and the failure count', async () => {
    ddb
      .on(UpdateCommand, { ConditionExpression: COUNT_CONDITION })
      .rejects(awsError('ConditionalCheckFailedException')); // no item returned: the customer is gone
    const response = await login({ customerId: 'alice', password: 'not the password' });
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response)).toMatchObject({ error: { code: 'invalid_credentials' } });
  });
});
