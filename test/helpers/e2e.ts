/**
 * The end-to-end suites' world: a real local stack (DynamoDB Local, the local KMS endpoint, the SES emulator, the API
 * adapter and the stream poller, all running the production handlers) on random ports, the demo admin logged in, and
 * the calls the suites make through its API, its tables and `po`. One stack per test file: {@link e2eStackForThisFile}.
 */
import { mkdtempSync } from 'node:fs';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand as DocumentScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect } from 'vitest';
import { signCancellation } from '../../shared/cancellations.js';
import { sealOrder } from '../../shared/envelope/index.js';
import type { OrderItem } from '../../shared/envelope/index.js';
import { exportPublicKeyPem, parsePublicKeyPem, signingKey } from '../../shared/keys.js';
import type { SigningKey } from '../../shared/keys.js';
import { startLocalStack } from '../../local/stack.js';
import type { LocalStack, LocalStackOptions } from '../../local/stack.js';

let stack: LocalStack;
let adminToken: string;
let server: { kid: string; publicKey: ReturnType<typeof parsePublicKeyPem> };

/**
 * Starts the local stack for this test file, logs the demo admin in and reads the server key. Returns the stack, the
 * admin's token and the server key (what tests seal envelopes to).
 */
export async function startE2eStack(options: Partial<LocalStackOptions> = {}) {
  stack = await startLocalStack({
    apiPort: 0,
    inboxPort: 0,
    demoDirectory: mkdtempSync(join(tmpdir(), 'po-e2e-demo-')),
    ...options,
  });
  const admin = stack.staff.find((member) => member.roles.includes('admin'))!;
  adminToken = await staffLogin(admin.staffId, admin.password);
  const key = (await call('GET', '/server-key')).body as { kid: string; publicKeyPem: string };
  server = { kid: key.kid, publicKey: parsePublicKeyPem(key.publicKeyPem) };
  return { stack, adminToken, server };
}

/** The stack of a test file, started in its `beforeAll` and stopped in its `afterAll`: read its parts inside tests. */
export interface E2eStack {
  readonly stack: LocalStack;
  /** The demo administrator's session token. */
  readonly adminToken: string;
  /** The server key tests seal envelopes to ({@link seal} too): set it after a rotation. */
  server: { kid: string; publicKey: ReturnType<typeof parsePublicKeyPem> };
}

/** Starts the local stack for the calling test file ({@link startE2eStack}), and stops it after its tests. */
export function e2eStackForThisFile(options: Partial<LocalStackOptions> = {}): E2eStack {
  beforeAll(async () => {
    await startE2eStack(options);
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });
  return {
    get stack() {
      return stack;
    },
    get adminToken() {
      return adminToken;
    },
    get server() {
      return server;
    },
    set server(key) {
      server = key;
    },
  };
}

export interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

export async function call(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
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

export async function login(customerId: string, password: string): Promise<string> {
  const reply = await call('POST', '/login', { body: { customerId, password } });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body.token as string;
}

/** Logs a staff member in through the API; returns the token. */
export async function staffLogin(staffId: string, password: string): Promise<string> {
  const reply = await call('POST', '/staff/login', { body: { staffId, password } });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body.token as string;
}

export const PASSWORD = 'a demo password 42';

/**
 * Registers a customer (through the admin API) with a fresh key of `type` and credits `openingCents` (none if 0);
 * returns its signer and token.
 */
export async function newCustomer(
  customerId: string,
  type: 'rsa' | 'dsa' | 'ec' | 'ed25519',
  openingCents = OPENING_BALANCE,
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
  if (openingCents > 0) await fund(customerId, openingCents);
  return { signer: signingKey(pair.privateKey), token: await login(customerId, PASSWORD) };
}

/** What test customers start with unless a test says otherwise: enough that money never decides (USD 100,000). */
export const OPENING_BALANCE = 10_000_000;

/** Credits a customer's account through the admin API; returns the ledger entry. */
export async function fund(customerId: string, amountCents = OPENING_BALANCE, reference = 'test funds') {
  const credited = await call('POST', `/admin/customers/${customerId}/credit`, {
    token: adminToken,
    body: { amountCents, reference },
    headers: { 'Idempotency-Key': randomBytes(16).toString('base64url') },
  });
  expect(credited.status, JSON.stringify(credited.body)).toBe(201);
  return credited.body;
}

/** The price products get unless a test says otherwise (and the price `seal` signs unless told otherwise). */
export const DEFAULT_PRICE = 100;

export async function newProduct(sku: string, stock: number, priceCents = DEFAULT_PRICE): Promise<void> {
  const reply = await call('POST', '/admin/products', {
    token: adminToken,
    body: { sku, name: `Product ${sku}`, priceCents, stock },
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
}

/** A product's stock, as a customer (`GET /products`) or a staff member (`GET /admin/products`) with `token` reads it. */
export async function stockOf(sku: string, token: string): Promise<number> {
  const { kind } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { kind: string };
  const { body } = await call('GET', kind === 'staff' ? '/admin/products' : '/products', { token });
  return (body.products as Array<{ sku: string; stock: number }>).find((p) => p.sku === sku)!.stock;
}

/** Seals an order in the catalogue's currency; lines without a price are signed at `DEFAULT_PRICE`. */
export function seal(
  customerId: string,
  signer: SigningKey,
  items: Array<Omit<OrderItem, 'unitPriceCents'> & { unitPriceCents?: number }>,
  extra: Partial<Parameters<typeof sealOrder>[0]> = {},
): string {
  const priced = items.map((item) => ({ unitPriceCents: DEFAULT_PRICE, ...item }));
  return sealOrder({ customerId, items: priced, currency: 'USD', signer, server, ...extra });
}

export async function emailsFor(to: string): Promise<Array<{ subject: string; text: string; html: string }>> {
  const store = (await (await fetch(`${stack.inboxUrl}/store`)).json()) as {
    emails: Array<{ subject: string; body: { text?: string; html?: string }; destination: { to: string[] } }>;
  };
  return store.emails
    .filter((email) => email.destination.to.includes(to))
    .map((email) => ({ subject: email.subject, text: email.body.text ?? '', html: email.body.html ?? '' }));
}

/** A DynamoDB client on the local stack's tables, for checking stored state directly. */
export function tablesClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: 'eu-west-1',
      endpoint: stack.dynamodbEndpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
}

/** Every item of a table (paged scan). */
export async function scanAll(table: string): Promise<Array<Record<string, unknown>>> {
  const client = tablesClient();
  const items: Array<Record<string, unknown>> = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new DocumentScanCommand({ TableName: table, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** A signed request to cancel `orderId`, addressed to the local OPD. */
export function cancellation(customerId: string, signer: SigningKey, orderId: string, extra: { now?: number } = {}) {
  return signCancellation({ customerId, opdId: 'opd', orderId, signer, ...extra });
}

export async function account(token: string, query = ''): Promise<Record<string, unknown>> {
  const reply = await call('GET', `/account${query}`, { token });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body;
}

/**
 * A `po` workspace of its own (config directory in a temp home), with the demo admin configured and logged in, a way
 * to register a customer and its public key through `po admin customers add`, and one to set a customer up whole.
 */
export async function poWorkspace(prefix: string) {
  const { po } = await import('../helpers/po.js');
  const home = mkdtempSync(join(tmpdir(), prefix));
  const env = { PO_CONFIG_DIR: join(home, 'config') };
  const run = (args: string[], input?: string) => po(args, { env, ...(input === undefined ? {} : { input }) });
  const admin = stack.staff.find((member) => member.roles.includes('admin'))!;
  expect((await run(['--profile', 'admin', 'config', '--api', stack.apiUrl, '--staff', admin.staffId])).code).toBe(0);
  expect((await run(['--profile', 'admin', 'login', '--password-stdin'], `${admin.password}\n`)).code).toBe(0);
  const registerCustomer = async (customerId: string, email: string, publicKeyFile: string) => {
    const args = [
      '--profile',
      'admin',
      '--json',
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
