/** POST /login against mocked DynamoDB and KMS: the token it issues, the lockout, refusals, outages, races. */
import { marshall } from '@aws-sdk/util-dynamodb';
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
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
import {
  COUNT_CONDITION,
  PASSWORD,
  coldStartBeforeEach,
  login,
  loginHandler,
  tokenFor,
  updatesTo,
  world,
} from '../helpers/handlers/sessions.js';

coldStartBeforeEach();

describe('POST /login', () => {
  it('issues a short-lived, typed session token with the customer, its kind and token version', async () => {
    const response = await login({ customerId: 'alice', password: PASSWORD });
    expect(response.statusCode).toBe(200);
    const body = bodyOf(response);
    expect(body).toMatchObject({ customerId: 'alice', kind: 'customer', mustChangePassword: false });
    const { payload, protectedHeader } = await jwtVerify(body.token as string, world.sessionSecret, {
      typ: 'po-session+jwt',
    });
    expect(protectedHeader).toMatchObject({ alg: 'HS256', kid: world.sessionKid });
    expect(payload).toMatchObject({ sub: 'alice', kind: 'customer', tv: 1, iss: 'po-opd', aud: 'po-api' });
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
