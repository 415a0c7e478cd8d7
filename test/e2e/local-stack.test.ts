/**
 * End to end against a real local stack (DynamoDB Local, the local KMS endpoint, the SES emulator, the API adapter and
 * the stream poller, all running the production handlers), started on random ports and stopped afterwards.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScanCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { compactVerify, createLocalJWKSet } from 'jose';
import type { JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealOrder } from '../../shared/envelope/index.js';
import type { OrderItem } from '../../shared/envelope/index.js';
import { exportPublicKeyPem, parsePublicKeyPem, signingKey } from '../../shared/keys.js';
import type { SigningKey } from '../../shared/keys.js';
import { startLocalStack } from '../../local/stack.js';
import type { LocalStack } from '../../local/stack.js';
import { runRecipe } from '../helpers/evidence.js';

let stack: LocalStack;
let adminToken: string;
let server: { kid: string; publicKey: ReturnType<typeof parsePublicKeyPem> };

interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function call(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<Reply> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    headers: response.headers,
  };
}

async function login(customerId: string, password: string): Promise<string> {
  const reply = await call('POST', '/login', { body: { customerId, password } });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body.token as string;
}

const PASSWORD = 'a demo password 42';

/** Registers a customer (through the admin API) with a fresh key of `type`; returns its signer and token. */
async function newCustomer(
  customerId: string,
  type: 'rsa' | 'dsa' | 'ec' | 'ed25519',
): Promise<{ signer: SigningKey; token: string }> {
  const pair =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : type === 'dsa'
        ? generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 224 })
        : type === 'ec'
          ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
          : generateKeyPairSync('ed25519');
  const created = await call('POST', '/admin/customers', {
    token: adminToken,
    body: {
      customerId,
      email: `${customerId}@customer.test`,
      password: PASSWORD,
      keys: [{ publicKeyPem: exportPublicKeyPem(pair.publicKey) }],
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await fund(customerId);
  return { signer: signingKey(pair.privateKey), token: await login(customerId, PASSWORD) };
}

/** What test customers start with unless a test says otherwise: enough that money never decides (USD 100,000). */
const OPENING_BALANCE = 10_000_000;

/** Credits a customer's account through the admin API; returns the ledger entry. */
async function fund(customerId: string, amountCents = OPENING_BALANCE, reference = 'test funds') {
  const credited = await call('POST', `/admin/customers/${customerId}/credit`, {
    token: adminToken,
    body: { amountCents, reference },
  });
  expect(credited.status, JSON.stringify(credited.body)).toBe(201);
  return credited.body;
}

/** The price products get unless a test says otherwise (and the price `seal` signs unless told otherwise). */
const DEFAULT_PRICE = 100;

async function newProduct(sku: string, stock: number, priceCents = DEFAULT_PRICE): Promise<void> {
  const reply = await call('POST', '/admin/products', {
    token: adminToken,
    body: { sku, name: `Product ${sku}`, priceCents, stock },
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
}

async function stockOf(sku: string, token: string): Promise<number> {
  const { body } = await call('GET', '/products', { token });
  return (body.products as Array<{ sku: string; stock: number }>).find((p) => p.sku === sku)!.stock;
}

/** Seals an order in the catalogue's currency; lines without a price are signed at `DEFAULT_PRICE`. */
function seal(
  customerId: string,
  signer: SigningKey,
  items: Array<Omit<OrderItem, 'unitPriceCents'> & { unitPriceCents?: number }>,
  extra: Partial<Parameters<typeof sealOrder>[0]> = {},
): string {
  const priced = items.map((item) => ({ unitPriceCents: DEFAULT_PRICE, ...item }));
  return sealOrder({ customerId, items: priced, currency: 'USD', signer, server, ...extra });
}

async function emailsFor(to: string): Promise<Array<{ subject: string; text: string }>> {
  const store = (await (await fetch(`${stack.inboxUrl}/store`)).json()) as {
    emails: Array<{ subject: string; body: { text?: string }; destination: { to: string[] } }>;
  };
  return store.emails
    .filter((email) => email.destination.to.includes(to))
    .map((email) => ({ subject: email.subject, text: email.body.text ?? '' }));
}

beforeAll(async () => {
  stack = await startLocalStack({
    apiPort: 0,
    inboxPort: 0,
    demoDirectory: mkdtempSync(join(tmpdir(), 'po-e2e-demo-')),
  });
  const admin = stack.demo.find((customer) => customer.role === 'admin')!;
  adminToken = await login(admin.customerId, admin.password);
  const key = (await call('GET', '/server-key')).body as { kid: string; publicKeyPem: string };
  server = { kid: key.kid, publicKey: parsePublicKeyPem(key.publicKeyPem) };
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the customer journey', () => {
  it.each([
    ['rsa', 'PS256'],
    ['dsa', 'DS256'],
    ['ec', 'ES256'],
    ['ed25519', 'EdDSA'],
  ] as const)('%s: register → login → order → confirmation email → listed', async (type, alg) => {
    const customerId = `journey-${type}`;
    const sku = `J-${type.toUpperCase()}`;
    await newProduct(sku, 10, 250);
    const { signer, token } = await newCustomer(customerId, type);

    const placed = await call('POST', '/orders', {
      token,
      body: { envelope: seal(customerId, signer, [{ sku, qty: 3, unitPriceCents: 250 }]) },
    });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    expect(placed.body).toMatchObject({ customerId, totalCents: 750, currency: 'USD', signature: { alg } });
    const orderId = placed.body.orderId as string;
    const jws = (placed.body.signature as { jws: string }).jws;

    // The receipt verifies with jose against the OPD's published receipt keys, and names exactly the signed order.
    const published = (await call('GET', '/receipt-keys')).body as unknown as JSONWebKeySet;
    const { payload, protectedHeader } = await compactVerify(
      placed.body.receipt as string,
      createLocalJWKSet(published),
    );
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', typ: 'po-receipt+jwt' });
    expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({
      sub: customerId,
      orderId,
      orderDigest: createHash('sha256').update(jws).digest('base64url'),
      lines: [{ sku, qty: 3, unitPriceCents: 250 }],
      currency: 'USD',
      totalCents: 750,
      status: 'accepted',
    });

    await stack.poller.drained();
    const [email] = await emailsFor(`${customerId}@customer.test`);
    expect(email?.subject).toBe(`Order ${orderId} accepted`);
    expect(email?.text).toContain(`Signed at:   ${placed.body.signedAt as string}`);
    expect(email?.text).toContain(createHash('sha256').update(jws).digest('base64url'));

    const listed = await call('GET', '/orders', { token });
    expect((listed.body.orders as Array<{ orderId: string }>).map((o) => o.orderId)).toContain(orderId);
    const shown = await call('GET', `/orders/${orderId}`, { token });
    expect(shown.body).toMatchObject({ orderId, receipt: placed.body.receipt, email: { status: 'sent' } });
    expect(await stockOf(sku, token)).toBe(7);
  });
});

describe('sessions', () => {
  it('a password change makes the old token fail', async () => {
    const { token } = await newCustomer('session-change', 'ed25519');
    const changed = await call('POST', '/password', {
      token,
      body: { oldPassword: PASSWORD, newPassword: 'a brand new passphrase' },
    });
    expect(changed.status).toBe(200);
    expect((await call('GET', '/orders', { token })).status).toBe(401);
    expect((await call('GET', '/orders', { token: changed.body.token as string })).status).toBe(200);
  });

  it('five bad passwords lock the account; the admin unlock works', async () => {
    await newCustomer('session-lock', 'ed25519');
    for (let i = 0; i < 5; i++)
      expect(
        (await call('POST', '/login', { body: { customerId: 'session-lock', password: `wrong ${i} password` } }))
          .status,
      ).toBe(401);
    const locked = await call('POST', '/login', { body: { customerId: 'session-lock', password: PASSWORD } });
    expect(locked.status).toBe(401);
    expect(locked.body).toMatchObject({ error: { code: 'invalid_credentials' } });
    expect((await call('POST', '/admin/customers/session-lock/unlock', { token: adminToken })).status).toBe(200);
    await login('session-lock', PASSWORD);
  });

  it('customers cannot call admin routes', async () => {
    const { token } = await newCustomer('session-customer', 'ed25519');
    const reply = await call('POST', '/admin/server-keys/rotate', { token });
    expect(reply.status).toBe(403);
    expect(reply.body).toMatchObject({ error: { code: 'forbidden' } });
  });
});

describe('attacks', () => {
  it('a replayed envelope creates no second order; tampered, stale and foreign-signed ones are refused', async () => {
    await newProduct('ATTACK-1', 10);
    const { signer, token } = await newCustomer('attack-alice', 'ed25519');
    const mallory = await newCustomer('attack-mallory', 'ed25519');
    const envelope = seal('attack-alice', signer, [{ sku: 'ATTACK-1', qty: 1 }]);

    const first = await call('POST', '/orders', { token, body: { envelope } });
    const replay = await call('POST', '/orders', { token, body: { envelope } });
    expect(first.status).toBe(201);
    expect(replay.status).toBe(200);
    expect(replay.body.orderId).toBe(first.body.orderId);
    expect(await stockOf('ATTACK-1', token)).toBe(9);
    expect((await call('GET', '/orders', { token })).body.orders).toHaveLength(1);

    const tampered = envelope.slice(0, -3) + (envelope.endsWith('AAA') ? 'BBB' : 'AAA');
    const refusals = [
      [tampered, 'decryption_failed'],
      [seal('attack-alice', signer, [{ sku: 'ATTACK-1', qty: 1 }], { now: Date.now() - 400_000 }), 'iat_too_old'],
      [seal('attack-alice', mallory.signer, [{ sku: 'ATTACK-1', qty: 1 }]), 'customer_key_unknown'],
    ] as const;
    for (const [bad, code] of refusals) {
      const reply = await call('POST', '/orders', { token, body: { envelope: bad } });
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ error: { code } });
    }
    expect(await stockOf('ATTACK-1', token)).toBe(9);
  });
});

describe('concurrency', () => {
  it('200 concurrent orders from 10 customers for one SKU with stock 50: exactly 50 accepted, stock 0, no 5xx', async () => {
    await newProduct('HOT-1', 50);
    const customers = await Promise.all(Array.from({ length: 10 }, (_, i) => newCustomer(`rush-${i}`, 'ed25519')));
    const attempts = Array.from({ length: 200 }, (_, i) => {
      const customer = customers[i % 10]!;
      return call('POST', '/orders', {
        token: customer.token,
        body: { envelope: seal(`rush-${i % 10}`, customer.signer, [{ sku: 'HOT-1', qty: 1 }]) },
      });
    });
    const replies = await Promise.all(attempts);
    const statuses = replies.map((reply) => reply.status);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    expect(statuses.filter((status) => status === 201)).toHaveLength(50);
    const refused = replies.filter((reply) => reply.status === 409);
    expect(refused).toHaveLength(150);
    for (const reply of refused) expect(reply.body).toMatchObject({ error: { code: 'out_of_stock', sku: 'HOT-1' } });
    expect(await stockOf('HOT-1', customers[0]!.token)).toBe(0);

    const scan = await new DynamoDBClient({
      region: 'eu-west-1',
      endpoint: stack.dynamodbEndpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }).send(
      new ScanCommand({
        TableName: stack.tables.orders,
        FilterExpression: 'begins_with(customerId, :rush)',
        ExpressionAttributeValues: { ':rush': { S: 'rush-' } },
      }),
    );
    expect(scan.Count).toBe(50);
  });

  it('a multi-line order with one line short changes no stock at all', async () => {
    await newProduct('PAIR-A', 10);
    await newProduct('PAIR-B', 1);
    const { signer, token } = await newCustomer('pair-buyer', 'ed25519');
    const reply = await call('POST', '/orders', {
      token,
      body: {
        envelope: seal('pair-buyer', signer, [
          { sku: 'PAIR-A', qty: 5 },
          { sku: 'PAIR-B', qty: 2 },
        ]),
      },
    });
    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({ error: { code: 'out_of_stock', sku: 'PAIR-B', available: 1 } });
    expect(await stockOf('PAIR-A', token)).toBe(10);
    expect(await stockOf('PAIR-B', token)).toBe(1);
  });
});

describe('no email lost', () => {
  it('orders succeed while the SES emulator is down; every confirmation arrives once it is back', async () => {
    await newProduct('MAIL-1', 100);
    const { signer, token } = await newCustomer('mail-outage', 'ed25519');
    await stack.stopInbox();
    const orderIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const reply = await call('POST', '/orders', {
        token,
        body: { envelope: seal('mail-outage', signer, [{ sku: 'MAIL-1', qty: 1 }]) },
      });
      expect(reply.status).toBe(201);
      orderIds.push(reply.body.orderId as string);
    }
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the poller tries, fails and backs off meanwhile
    await stack.startInbox();
    await stack.poller.drained();
    const subjects = (await emailsFor('mail-outage@customer.test')).map((email) => email.subject).sort();
    expect(subjects).toEqual(orderIds.map((id) => `Order ${id} accepted`).sort());
    expect(stack.poller.deadLetters).toEqual([]);
  });
});

/**
 * A `po` workspace of its own (config directory in a temp home), with the demo admin configured and logged in, a way
 * to register a customer and its public key through `po admin customers add`, and one to set a customer up whole.
 */
async function poWorkspace(prefix: string) {
  const { po } = await import('../helpers/po.js');
  const home = mkdtempSync(join(tmpdir(), prefix));
  const env = { PO_CONFIG_DIR: join(home, 'config') };
  const run = (args: string[], input?: string) => po(args, { env, ...(input === undefined ? {} : { input }) });
  const admin = stack.demo.find((customer) => customer.role === 'admin')!;
  expect(
    (await run(['--profile', 'admin', 'config', '--api', stack.apiUrl, '--customer', admin.customerId])).code,
  ).toBe(0);
  expect((await run(['--profile', 'admin', 'login', '--password-stdin'], `${admin.password}\n`)).code).toBe(0);
  const registerCustomer = async (customerId: string, email: string, publicKeyFile: string) => {
    const args = [
      '--profile',
      'admin',
      'admin',
      'customers',
      'add',
      '--customer',
      customerId,
      '--email',
      email,
      '--key',
      publicKeyFile,
      '--password-stdin',
    ];
    const added = await run(args, `${PASSWORD}\n`);
    expect(added.code, added.stderr).toBe(0);
    await fund(customerId);
    return added;
  };
  /** A customer of its own, as the README makes one: keygen, the admin registers it, then config and login. */
  const setUpCustomer = async (
    customerId: string,
    alg: 'rsa' | 'dsa' | 'ecdsa' | 'ed25519',
    profiles: readonly string[] = ['default'],
  ) => {
    const bits = alg === 'rsa' ? ['--bits', '2048'] : [];
    const keygen = await run(['keygen', '--alg', alg, ...bits, '--out', join(home, 'keys'), '--name', customerId]);
    expect(keygen.code, keygen.stderr).toBe(0);
    await registerCustomer(customerId, `${customerId}@customer.test`, join(home, 'keys', `${customerId}.pub.pem`));
    const keyFile = join(home, 'keys', `${customerId}.key.pem`);
    for (const profile of profiles) {
      const config = ['config', '--api', stack.apiUrl, '--customer', customerId, '--key', keyFile];
      expect((await run(['--profile', profile, ...config])).code).toBe(0);
      expect((await run(['--profile', profile, 'login', '--password-stdin'], `${PASSWORD}\n`)).code).toBe(0);
    }
  };
  return { home, run, registerCustomer, setUpCustomer };
}

describe('the po journey for each signature algorithm', () => {
  it.each([
    ['rsa', 'PS256'],
    ['dsa', 'DS256'],
    ['ecdsa', 'ES256'],
    ['ed25519', 'EdDSA'],
  ] as const)(
    'po keygen --alg %s → po admin registers → po login → po order → email → po orders',
    async (alg, jwsAlg) => {
      const { home, run, setUpCustomer } = await poWorkspace(`po-journey-${alg}-`);
      const customerId = `po-${alg}`;
      const sku = `POJ-${alg.toUpperCase()}`;
      await newProduct(sku, 5, 1000);
      await setUpCustomer(customerId, alg);
      const order = await run(['--json', 'order', `${sku}:2`, '--yes']);
      expect(order.code, order.stderr).toBe(0);
      expect(order.stderr).toMatch(/Quote from the OPD \(USD\):[\s\S]*2\s+10\.00\s+20\.00[\s\S]*total USD 20\.00/);
      const placed = JSON.parse(order.stdout) as {
        orderId: string;
        signedAt: string;
        signature: { alg: string };
        evidence: { file: string; verified: boolean };
      };
      expect(placed.signature.alg).toBe(jwsAlg);
      expect(placed.evidence.verified).toBe(true);
      expect(statSync(placed.evidence.file).mode & 0o777).toBe(0o600);

      await stack.poller.drained();
      const [email] = await emailsFor(`${customerId}@customer.test`);
      expect(email?.subject).toBe(`Order ${placed.orderId} accepted`);
      expect(email?.text).toContain(`Signed at:   ${placed.signedAt}`);
      const listed = await run(['orders']);
      expect(listed.stdout).toContain(placed.orderId);
      expect(listed.stdout).toContain('email sent');

      // Export the evidence; it is exactly what po kept when it checked the receipt.
      const bundleFile = join(home, 'order.evidence.json');
      const exported = await run(['orders', 'export', placed.orderId, '--out', bundleFile]);
      expect(exported.code, exported.stderr).toBe(0);
      expect(statSync(bundleFile).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(bundleFile, 'utf8'))).toEqual(
        JSON.parse(readFileSync(placed.evidence.file, 'utf8')),
      );

      // Offline: no profile, no network (any connection attempt would fail the command).
      const verified = await offlineVerify(bundleFile);
      expect(verified.code, verified.stderr).toBe(0);
      expect(verified.stdout).toMatch(new RegExp(`^VALID: order ${placed.orderId} of customer ${customerId}`));
      expect(verified.stdout).toMatch(/total USD 20\.00/);
      // And with openssl and jq only (docs/evidence.md).
      expect(runRecipe(bundleFile)).toMatchObject({ code: 0, stderr: '' });

      // A hand-edited bundle (quantity 2 → 20 in the signed order) fails both ways.
      const bundle = JSON.parse(readFileSync(bundleFile, 'utf8')) as { order: { jws: string } };
      const [header, payload, signature] = bundle.order.jws.split('.') as [string, string, string];
      const edited = Buffer.from(payload, 'base64url').toString().replace('"qty":2', '"qty":20');
      bundle.order.jws = `${header}.${Buffer.from(edited).toString('base64url')}.${signature}`;
      const editedFile = join(home, 'edited.evidence.json');
      writeFileSync(editedFile, JSON.stringify(bundle, null, 2));
      const refused = await offlineVerify(editedFile);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/\[order_signature_invalid\]/);
      expect(runRecipe(editedFile)).toMatchObject({ code: 1, stderr: expect.stringMatching(/^INVALID: /) as unknown });
    },
  );
});

/** `po verify` as a third party runs it: no profile, an empty home, and no network at all. */
async function offlineVerify(file: string) {
  const { po } = await import('../helpers/po.js');
  const nowhere = mkdtempSync(join(tmpdir(), 'po-offline-'));
  const noNetwork = fileURLToPath(new URL('../helpers/no-network.mjs', import.meta.url));
  return po(['verify', file], {
    env: { HOME: nowhere, PO_CONFIG_DIR: join(nowhere, 'none'), NODE_OPTIONS: `--import=${noNetwork}` },
  });
}

describe('signed prices', () => {
  it('a price changed between quote and commit: 409 price_changed naming each line, and nothing changes', async () => {
    await newProduct('PRICE-1', 10, 1000);
    await newProduct('PRICE-2', 10, 500);
    const { signer, token } = await newCustomer('price-buyer', 'ec');
    const quoted = [
      { sku: 'PRICE-1', qty: 2, unitPriceCents: 1000 },
      { sku: 'PRICE-2', qty: 1, unitPriceCents: 500 },
    ];
    const envelope = seal('price-buyer', signer, quoted); // signed at the quote's prices
    for (const [sku, priceCents] of [
      ['PRICE-1', 1100],
      ['PRICE-2', 450],
    ] as const)
      expect((await call('PATCH', `/admin/products/${sku}`, { token: adminToken, body: { priceCents } })).status).toBe(
        200,
      );

    const reply = await call('POST', '/orders', { token, body: { envelope } });
    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({
      error: {
        code: 'price_changed',
        currency: 'USD',
        lines: [
          { sku: 'PRICE-1', signedPriceCents: 1000, currentPriceCents: 1100 },
          { sku: 'PRICE-2', signedPriceCents: 500, currentPriceCents: 450 },
        ],
      },
    });
    expect([await stockOf('PRICE-1', token), await stockOf('PRICE-2', token)]).toEqual([10, 10]);
    expect((await call('GET', '/orders', { token })).body.orders).toEqual([]);

    // Signed again at the new prices, it is accepted at exactly those.
    const again = await call('POST', '/orders', {
      token,
      body: {
        envelope: seal('price-buyer', signer, [
          { sku: 'PRICE-1', qty: 2, unitPriceCents: 1100 },
          { sku: 'PRICE-2', qty: 1, unitPriceCents: 450 },
        ]),
      },
    });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ totalCents: 2650 });
  });

  it('nobody orders below the catalogue price or in another currency, whatever they sign', async () => {
    await newProduct('CHEAP-1', 10, 5000);
    const { signer, token } = await newCustomer('bargain-hunter', 'ed25519');
    const low = await call('POST', '/orders', {
      token,
      body: { envelope: seal('bargain-hunter', signer, [{ sku: 'CHEAP-1', qty: 1, unitPriceCents: 1 }]) },
    });
    expect(low.body).toMatchObject({ error: { code: 'price_changed' } });
    const euros = await call('POST', '/orders', {
      token,
      body: {
        envelope: seal('bargain-hunter', signer, [{ sku: 'CHEAP-1', qty: 1, unitPriceCents: 5000 }], {
          currency: 'EUR',
        }),
      },
    });
    expect(euros.status).toBe(409);
    expect(euros.body).toMatchObject({ error: { code: 'currency_mismatch', currency: 'USD' } });
    expect(await stockOf('CHEAP-1', token)).toBe(10);
  });

  it('orders in flight while the price changes are each accepted at exactly their signed price, or refused', async () => {
    await newProduct('RACE-1', 1000, 300);
    const buyers = await Promise.all(Array.from({ length: 4 }, (_, i) => newCustomer(`race-${i}`, 'ed25519')));
    const orders = Array.from({ length: 40 }, (_, i) => ({
      buyer: i % 4,
      price: i % 2 === 0 ? 300 : 350, // half signed at the old price, half at the new one
    }));
    const replies = await Promise.all([
      ...orders.map(({ buyer, price }) =>
        call('POST', '/orders', {
          token: buyers[buyer]!.token,
          body: {
            envelope: seal(`race-${buyer}`, buyers[buyer]!.signer, [{ sku: 'RACE-1', qty: 1, unitPriceCents: price }]),
          },
        }),
      ),
      call('PATCH', '/admin/products/RACE-1', { token: adminToken, body: { priceCents: 350 } }),
    ]);
    const orderReplies = replies.slice(0, orders.length);
    expect(orderReplies.filter((reply) => reply.status >= 500)).toEqual([]);
    orderReplies.forEach((reply, i) => {
      if (reply.status === 201) expect(reply.body).toMatchObject({ totalCents: orders[i]!.price });
      else expect(reply.body).toMatchObject({ error: { code: 'price_changed' } });
    });
    const accepted = orderReplies.filter((reply) => reply.status === 201).length;
    expect(accepted).toBeGreaterThan(0);
    expect(await stockOf('RACE-1', adminToken)).toBe(1000 - accepted);
  });
});

describe('po order on a terminal', () => {
  it('shows the quote and asks; a price change before the commit shows the new quote and asks again', async () => {
    const { home, setUpCustomer } = await poWorkspace('po-terminal-');
    await newProduct('TTY-1', 10, 700);
    await setUpCustomer('tty-buyer', 'ed25519');
    const { poOnTerminal } = await import('../helpers/po.js');
    const env = { PO_CONFIG_DIR: join(home, 'config') };

    // Declining sends nothing.
    const declined = poOnTerminal(['order', 'TTY-1:2'], env);
    await declined.waitFor(/Sign and send this order for USD 14\.00\? \[y\/N\]/);
    declined.type('n');
    const no = await declined.exited;
    expect(no.code).toBe(1);
    expect(no.output).toMatch(/not sent: the quote was declined \[declined\]/);
    expect(await stockOf('TTY-1', adminToken)).toBe(10);

    // The price changes while the person reads the quote: the OPD refuses, po shows the new quote and asks again.
    const session = poOnTerminal(['order', 'TTY-1:2'], env);
    await session.waitFor(/TTY-1\s+2\s+7\.00\s+14\.00[\s\S]*\[y\/N\]/);
    expect(
      (await call('PATCH', '/admin/products/TTY-1', { token: adminToken, body: { priceCents: 800 } })).status,
    ).toBe(200);
    session.type('y');
    await session.waitFor(
      /prices changed since the quote; nothing was ordered[\s\S]*TTY-1\s+2\s+8\.00\s+16\.00[\s\S]*\[y\/N\]/,
    );
    expect(await stockOf('TTY-1', adminToken)).toBe(10);
    session.type('y');
    const done = await session.exited;
    expect(done.code, done.output).toBe(0);
    expect(done.output).toMatch(/total USD 16\.00/);
    expect(done.output).toMatch(/receipt verified: signed by the OPD \(opd\) with receipt key /);
    expect(await stockOf('TTY-1', adminToken)).toBe(8);
  });
});

describe('receipt key rotation', () => {
  it('leaves old receipts verifiable: exported after the rotation from a fresh profile, by po verify and openssl', async () => {
    const { home, run, setUpCustomer } = await poWorkspace('po-rotation-');
    await newProduct('ROT-1', 10, 100);
    await setUpCustomer('rot-buyer', 'ecdsa', ['before', 'after']);
    const order = await run(['--profile', 'before', '--json', 'order', 'ROT-1:1', '--yes']);
    expect(order.code, order.stderr).toBe(0);
    const placed = JSON.parse(order.stdout) as { orderId: string; evidence: { receiptKeyId: string } };

    const rotated = await run(['--profile', 'admin', '--json', 'admin', 'rotate-receipt-key']);
    expect(rotated.code, rotated.stderr).toBe(0);
    const newKid = (JSON.parse(rotated.stdout) as { kid: string }).kid;
    expect(newKid).not.toBe(placed.evidence.receiptKeyId);
    const published = (await call('GET', '/receipt-keys')).body as { keys: Array<{ kid: string }> };
    expect(published.keys.map((key) => key.kid)).toEqual(
      expect.arrayContaining([newKid, placed.evidence.receiptKeyId]),
    );

    // A profile that never saw the old receipt key exports the old order: the key comes from /receipt-keys.
    const bundleFile = join(home, 'old.evidence.json');
    const exported = await run(['--profile', 'after', 'orders', 'export', placed.orderId, '--out', bundleFile]);
    expect(exported.code, exported.stderr).toBe(0);
    expect((await offlineVerify(bundleFile)).code).toBe(0);
    expect(runRecipe(bundleFile).code).toBe(0);

    // Orders after the rotation get receipts that verify too.
    const later = await run(['--profile', 'after', 'order', 'ROT-1:1', '--yes']);
    expect(later.code, later.stderr).toBe(0);
    expect(later.stdout).toMatch(/receipt verified/);
  });
});

describe('the po CLI against the local stack', () => {
  it('keygen → admin registers the customer → login → order → email → po orders; pin, rotation and errors', async () => {
    const { home, run, registerCustomer } = await poWorkspace('po-cli-e2e-');

    await newProduct('CLI-1', 20, 1999);

    const keygen = await run(['keygen', '--alg', 'dsa', '--out', join(home, 'keys'), '--name', 'carol']);
    expect(keygen.code).toBe(0);
    const added = await registerCustomer('cli-carol', 'cli-carol@customer.test', join(home, 'keys', 'carol.pub.pem'));
    expect(JSON.parse(added.stdout)).toMatchObject({ customerId: 'cli-carol', keyIds: [keygen.stdout.trim()] });

    expect(
      (
        await run([
          '--profile',
          'carol',
          'config',
          '--api',
          stack.apiUrl,
          '--customer',
          'cli-carol',
          '--key',
          join(home, 'keys', 'carol.key.pem'),
        ])
      ).code,
    ).toBe(0);
    const login = await run(['--profile', 'carol', 'login', '--password-stdin'], `${PASSWORD}\n`);
    expect(login.stdout).toMatch(/^logged in as cli-carol \(customer\)/);
    for (const file of ['config.json', 'sessions/carol.json'])
      expect(statSync(join(home, 'config', file)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(home, 'config', 'config.json'), 'utf8')).not.toContain(PASSWORD);

    const order = await run(['--profile', 'carol', '--json', 'order', 'CLI-1:2', '--note', 'by the CLI', '--yes']);
    expect(order.code, order.stderr).toBe(0);
    const placed = JSON.parse(order.stdout) as { orderId: string; totalCents: number; signature: { alg: string } };
    expect(placed).toMatchObject({ totalCents: 3998, signature: { alg: 'DS256' } });
    await stack.poller.drained();
    expect((await emailsFor('cli-carol@customer.test')).map((e) => e.subject)).toEqual([
      `Order ${placed.orderId} accepted`,
    ]);
    expect((await run(['--profile', 'carol', 'orders'])).stdout).toContain(placed.orderId);
    expect((await run(['--profile', 'carol', 'orders', 'show', placed.orderId])).stdout).toContain('evidence (JWS): ');
    const test = await run(['--profile', 'carol', 'test']);
    expect(test.stdout).toMatch(/session\s+valid for cli-carol/);

    // A refusal is one sentence and its code, exit 1; an unreachable API is exit 3.
    const short = await run(['--profile', 'carol', 'order', 'CLI-1:500', '--yes']);
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/note: only 18 of CLI-1 in stock now; the OPD will refuse more/);
    expect(short.stderr.trim().split('\n').at(-1)).toBe('po: not enough stock for CLI-1: 18 left [out_of_stock]');
    expect((await run(['--profile', 'nowhere', 'config', '--api', 'http://127.0.0.1:9'])).code).toBe(0);
    const offline = await run(['--profile', 'nowhere', 'test']);
    expect(offline.code).toBe(3);
    expect(offline.stderr).toMatch(/cannot reach .*\[network\]/);

    // The server key is pinned: a rotation is announced loudly, a different key under the pinned ID is refused.
    expect((await run(['--profile', 'admin', 'admin', 'rotate-server-key'])).code).toBe(0);
    const afterRotation = await run(['--profile', 'carol', 'order', 'CLI-1:1', '--yes']);
    expect(afterRotation.code, afterRotation.stderr).toBe(0);
    expect(afterRotation.stderr).toContain("WARNING: the OPD's server key changed");
    const config = JSON.parse(readFileSync(join(home, 'config', 'config.json'), 'utf8')) as {
      profiles: Record<string, { serverKey: { fingerprint: string } }>;
    };
    config.profiles.carol!.serverKey.fingerprint = 'A'.repeat(43);
    writeFileSync(join(home, 'config', 'config.json'), JSON.stringify(config), { mode: 0o600 });
    const substituted = await run(['--profile', 'carol', 'order', 'CLI-1:1', '--yes']);
    expect(substituted.code).toBe(2);
    expect(substituted.stderr).toContain('[server_key_mismatch]');
    const key = (await call('GET', '/server-key')).body as { kid: string; publicKeyPem: string };
    server = { kid: key.kid, publicKey: parsePublicKeyPem(key.publicKeyPem) }; // later tests seal to the new key
  });
});

describe('npm run first-admin', () => {
  it('creates an administrator who can log in and use the admin routes', async () => {
    const { spawnSync } = await import('node:child_process');
    const args = [
      '--import',
      'tsx',
      'scripts/first-admin.ts',
      '--table',
      stack.tables.customers!,
      '--region',
      'eu-west-1',
    ];
    const firstAdmin = () =>
      spawnSync(
        process.execPath,
        [...args, '--customer', 'first-root', '--email', 'root@opd.test', '--password-stdin'],
        {
          input: 'the first admin password\n',
          encoding: 'utf8',
          env: {
            ...process.env,
            DYNAMODB_ENDPOINT: stack.dynamodbEndpoint,
            AWS_ACCESS_KEY_ID: 'local',
            AWS_SECRET_ACCESS_KEY: 'local',
          },
        },
      );
    const result = firstAdmin();
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('created admin first-root');
    const token = await login('first-root', 'the first admin password');
    const product = { sku: 'ROOT-1', name: 'Root product', priceCents: 1, stock: 1 };
    expect((await call('POST', '/admin/products', { token, body: product })).status).toBe(201);
    const again = firstAdmin(); // a second run must not silently replace the admin
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('[already_exists]');
  });
});
