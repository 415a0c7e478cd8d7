/**
 * Nothing secret reaches a log: with the logger at DEBUG, run login (good and bad), a password change and orders
 * (accepted and rejected) and capture everything written to stdout/stderr. No password, token, private key or
 * plaintext order content may appear. The capture must also see the expected log lines, so the test cannot pass by
 * capturing nothing.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { sealOrder } from '../shared/envelope/index.js';
import {
  addCustomer,
  apiEvent,
  bodyOf,
  ddb,
  installWorld,
  lambdaContext,
  TransactWriteCommand,
  transactionCancelled,
} from './helpers/aws.js';
import type { World } from './helpers/aws.js';
import { customerKey } from './helpers/keys.js';
import { exportPrivateKeyPem } from '../shared/keygen.js';

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;
const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'an even better passphrase';
const NOTE = 'leave at the blue door, code 4417';

let captured: string[];
let world: World;

beforeEach(() => {
  captured = [];
  world = installWorld();
  vi.stubEnv('LOG_LEVEL', 'DEBUG');
  vi.resetModules();
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      return original(chunk, ...(rest as []));
    });
  }
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('logs', () => {
  it('never contain passwords, tokens, private keys or order content', async () => {
    const key = await customerKey('ed25519');
    await addCustomer(world, 'alice', PASSWORD, [
      { kid: key.verifier.kid, alg: 'EdDSA', publicKey: key.verifier.publicKey },
    ]);
    world.products.set('SECRET-SKU-77', { sku: 'SECRET-SKU-77', name: 'Widget', priceCents: 100, stock: 1 });
    const login = (await import('../functions/login/index.js')).handler as unknown as Handler;
    const password = (await import('../functions/password/index.js')).handler as unknown as Handler;
    const order = (await import('../functions/order/index.js')).handler as unknown as Handler;
    const session = { customerId: 'alice', role: 'customer' as const };

    const bad = await login(
      apiEvent({ method: 'POST', resource: '/login', body: { customerId: 'alice', password: 'wrong ' + PASSWORD } }),
      lambdaContext,
    );
    expect(bad.statusCode).toBe(401);
    const good = await login(
      apiEvent({ method: 'POST', resource: '/login', body: { customerId: 'alice', password: PASSWORD } }),
      lambdaContext,
    );
    const token = bodyOf(good).token as string;
    const changed = await password(
      apiEvent({
        method: 'POST',
        resource: '/password',
        session,
        body: { oldPassword: PASSWORD, newPassword: NEW_PASSWORD },
      }),
      lambdaContext,
    );
    expect(changed.statusCode).toBe(200);
    const newToken = bodyOf(changed).token as string;

    const server = { kid: world.server.kid, publicKey: world.server.publicKey };
    const envelope = sealOrder({
      customerId: 'alice',
      items: [{ sku: 'SECRET-SKU-77', qty: 1, unitPriceCents: 100 }],
      currency: 'USD',
      note: NOTE,
      signer: key.signer,
      server,
    });
    expect(
      (await order(apiEvent({ method: 'POST', resource: '/orders', session, body: { envelope } }), lambdaContext))
        .statusCode,
    ).toBe(201);
    const tampered = envelope.slice(0, -4) + 'AAAA';
    expect(
      (
        await order(
          apiEvent({ method: 'POST', resource: '/orders', session, body: { envelope: tampered } }),
          lambdaContext,
        )
      ).statusCode,
    ).toBe(400);
    const tooMany = sealOrder({
      customerId: 'alice',
      items: [{ sku: 'SECRET-SKU-77', qty: 5, unitPriceCents: 100 }],
      currency: 'USD',
      note: NOTE,
      signer: key.signer,
      server,
    });
    world.products.set('SECRET-SKU-77', { sku: 'SECRET-SKU-77', name: 'Widget', priceCents: 100, stock: 0 });
    ddb
      .on(TransactWriteCommand)
      .rejects(
        transactionCancelled([
          { Code: 'None' },
          { Code: 'ConditionalCheckFailed', Item: { sku: 'SECRET-SKU-77', priceCents: 100, stock: 0 } },
        ]),
      );
    expect(
      (
        await order(
          apiEvent({ method: 'POST', resource: '/orders', session, body: { envelope: tooMany } }),
          lambdaContext,
        )
      ).statusCode,
    ).toBe(409);

    const logs = captured.join('');
    // The capture worked: the expected events were logged.
    expect(logs).toContain('order accepted');
    expect(logs).toContain('request refused');
    expect(logs).toContain('"code":"invalid_credentials"');

    const forbidden = [
      PASSWORD,
      NEW_PASSWORD,
      token,
      token.split('.')[2]!, // the token's signature alone
      newToken,
      envelope,
      envelope.split('.')[3]!.slice(0, 40), // ciphertext
      NOTE,
      'SECRET-SKU-77',
      exportPrivateKeyPem(key.signer.privateKey).split('\n')[1]!,
      Buffer.from(world.sessionSecret).toString('base64'),
      world.server.privateKey.export({ format: 'jwk' }).d!,
      world.receipt.privateKey.export({ format: 'jwk' }).d!,
    ];
    for (const secret of forbidden) expect(logs, `a log line contains ${secret.slice(0, 12)}…`).not.toContain(secret);
    expect(logs).not.toMatch(/PRIVATE KEY|scrypt\$/);
  });
});
