/**
 * The in-memory world behind the mocked clients: customers, products, keys and the audit records committed, answered
 * as the real tables would (conditions applied, copies returned), so tests can assert what was written and how.
 */
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AuditRecord } from '../../../shared/audit.js';
import { resetClients } from '../../../shared/aws/clients.js';
import type { Customer } from '../../../shared/aws/customers.js';
import type { StoredKey } from '../../../shared/aws/keystore.js';
import { resetConfig } from '../../../shared/config.js';
import { exportPublicKeyPem, spkiFingerprint } from '../../../shared/keys.js';
import type { Product } from '../../../shared/orders.js';
import { hashPassword } from '../../../shared/passwords.js';
import { FAST_SCRYPT, answerKms, awsError, ddb, kms, ses, transactionCancelled, wrap } from './mocks.js';

export interface World {
  readonly customers: Map<string, Customer>;
  readonly products: Map<string, Product>;
  readonly keys: StoredKey[];
  readonly server: { kid: string; privateKey: KeyObject; publicKey: KeyObject };
  /** The OPD's receipt signing key (Ed25519), stored KMS-wrapped like the server key. */
  readonly receipt: { kid: string; privateKey: KeyObject; publicKey: KeyObject };
  readonly sessionSecret: Uint8Array;
  readonly sessionKid: string;
  /** The audit records committed transactions put (shared/audit.ts), in order. */
  readonly audit: AuditRecord[];
}

/** One action of a transaction, as far as the world reads it. */
interface TransactAction {
  readonly Put?: { readonly TableName: string; readonly Item: Record<string, unknown> };
  readonly Update?: {
    readonly TableName: string;
    readonly Key: { purpose: string; kid: string };
    readonly ExpressionAttributeValues: Record<string, unknown>;
  };
}

/**
 * A DynamoDB projection of document paths (`#a.#b, #c`), as GetItem applies it: only the named paths come back, so a
 * test can tell what a handler was able to read.
 */
function project(
  item: Record<string, unknown>,
  expression: string,
  names: Record<string, string>,
): Record<string, unknown> {
  const projected: Record<string, unknown> = {};
  for (const path of expression.split(',').map((part) =>
    part
      .trim()
      .split('.')
      .map((name) => names[name] ?? name),
  )) {
    let source: unknown = item;
    let target = projected;
    path.forEach((name, index) => {
      source = (source as Record<string, unknown> | undefined)?.[name];
      if (source === undefined) return;
      if (index === path.length - 1) target[name] = source;
      else target = (target[name] ??= {}) as Record<string, unknown>;
    });
  }
  return projected;
}

/** Resets every mock and installs a world answering like the real tables would (state kept in memory). */
export function installWorld(): World {
  resetConfig();
  resetClients();
  ddb.reset();
  kms.reset();
  ses.reset();

  const server = generateKeyPairSync('x25519');
  const serverKid = spkiFingerprint(server.publicKey);
  const receipt = generateKeyPairSync('ed25519');
  const receiptKid = spkiFingerprint(receipt.publicKey);
  const sessionSecret = randomBytes(32);
  const sessionKid = 'session-1';
  const world: World = {
    customers: new Map(),
    products: new Map(),
    keys: [
      {
        purpose: 'server-key',
        kid: serverKid,
        wrapped: wrap(server.privateKey.export({ type: 'pkcs8', format: 'der' }), {
          'po:purpose': 'server-key',
          'po:kid': serverKid,
        }),
        status: 'active',
        createdAt: '2026-11-01T00:00:00.000Z',
        publicKeyPem: exportPublicKeyPem(server.publicKey),
      },
      {
        purpose: 'receipt-key',
        kid: receiptKid,
        wrapped: wrap(receipt.privateKey.export({ type: 'pkcs8', format: 'der' }), {
          'po:purpose': 'receipt-key',
          'po:kid': receiptKid,
        }),
        status: 'active',
        createdAt: '2026-11-01T00:00:00.000Z',
        publicKeyPem: exportPublicKeyPem(receipt.publicKey),
      },
      {
        purpose: 'session-key',
        kid: sessionKid,
        wrapped: wrap(sessionSecret, { 'po:purpose': 'session-key', 'po:kid': sessionKid }),
        status: 'active',
        createdAt: '2026-11-01T00:00:00.000Z',
      },
    ],
    server: { kid: serverKid, privateKey: server.privateKey, publicKey: createPublicKey(server.privateKey) },
    receipt: { kid: receiptKid, privateKey: receipt.privateKey, publicKey: receipt.publicKey },
    sessionSecret,
    sessionKid,
    audit: [],
  };

  answerKms();

  ddb
    .on(GetCommand, { TableName: 'customers' })
    .callsFake(
      (input: {
        Key: { customerId: string };
        ProjectionExpression?: string;
        ExpressionAttributeNames?: Record<string, string>;
      }) => {
        const customer = structuredClone(world.customers.get(input.Key.customerId));
        if (!customer || input.ProjectionExpression === undefined) return { Item: customer };
        return { Item: project({ ...customer }, input.ProjectionExpression, input.ExpressionAttributeNames ?? {}) };
      },
    );
  ddb
    .on(QueryCommand, { TableName: 'keys' })
    .callsFake((input: { ExpressionAttributeValues: { ':purpose': string } }) => ({
      // Copies, as DynamoDB answers: a caller holding an item must not see later writes through it.
      Items: structuredClone(world.keys.filter((key) => key.purpose === input.ExpressionAttributeValues[':purpose'])),
    }));
  ddb.on(PutCommand, { TableName: 'keys' }).callsFake((input: { Item: StoredKey }) => {
    world.keys.push(input.Item);
    return {};
  });
  ddb.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, { Keys: Array<{ sku: string }> }> }) => ({
    Responses: {
      inventory: (input.RequestItems.inventory?.Keys ?? []).flatMap((key) => {
        const product = world.products.get(key.sku);
        return product ? [structuredClone(product)] : [];
      }),
    },
  }));
  ddb.on(ScanCommand, { TableName: 'inventory' }).callsFake(() => ({ Items: [...world.products.values()] }));
  ddb
    .on(GetCommand, { TableName: 'inventory' })
    .callsFake((input: { Key: { sku: string } }) => ({ Item: structuredClone(world.products.get(input.Key.sku)) }));
  // Transactions succeed unless a test says otherwise. Their actions on the keys table (a key put, a key's status
  // updated) and on the audit table (a record put) are checked and applied, all or nothing, as DynamoDB would; the
  // others are taken as written (tests read them from the calls).
  ddb.on(TransactWriteCommand).callsFake((input: { TransactItems: TransactAction[] }) => {
    const reasons = input.TransactItems.map((action) => (admits(action) ? 'None' : 'ConditionalCheckFailed'));
    if (reasons.some((code) => code !== 'None')) throw transactionCancelled(reasons.map((Code) => ({ Code })));
    for (const action of input.TransactItems) {
      if (action.Put?.TableName === 'keys') world.keys.push(action.Put.Item as unknown as StoredKey);
      if (action.Update?.TableName === 'keys') applyKeyUpdate(action.Update, true);
      if (action.Put?.TableName === 'audit') world.audit.push(action.Put.Item as unknown as AuditRecord);
    }
    return {};
  });
  /** Whether a transaction's action on the keys or the audit table meets its condition (others always do). */
  function admits({ Put: put, Update: update }: TransactAction): boolean {
    if (put?.TableName === 'keys') {
      const item = put.Item as unknown as StoredKey;
      return !world.keys.some((k) => k.purpose === item.purpose && k.kid === item.kid);
    }
    if (put?.TableName === 'audit')
      return !world.audit.some((r) => r.target === put.Item.target && r.recordedAt === put.Item.recordedAt);
    if (update?.TableName === 'keys') return applyKeyUpdate(update, false);
    return true;
  }
  ddb.on(GetCommand, { TableName: 'idempotency' }).resolves({}); // no key seen before, unless a test says so
  ddb.on(QueryCommand, { TableName: 'notices' }).resolves({ Items: [] }); // no account notice owed, unless one is
  ddb.on(UpdateCommand).resolves({});
  // Ending a customer's sessions (logout) applies its condition and its change, as DynamoDB would.
  ddb
    .on(UpdateCommand, { TableName: 'customers', UpdateExpression: 'SET tokenVersion = tokenVersion + :one' })
    .callsFake((input: { Key: { customerId: string }; ExpressionAttributeValues: Record<string, number> }) => {
      const customer = world.customers.get(input.Key.customerId);
      if (!customer || customer.tokenVersion !== input.ExpressionAttributeValues[':expected'])
        throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
      world.customers.set(customer.customerId, { ...customer, tokenVersion: customer.tokenVersion + 1 });
      return {};
    });
  // Retiring a key, or revoking a receipt key (the updates of the keys table), applies its condition and its change,
  // as DynamoDB would.
  ddb
    .on(UpdateCommand, { TableName: 'keys' })
    .callsFake(
      (input: { Key: { purpose: string; kid: string }; ExpressionAttributeValues: Record<string, unknown> }) => {
        if (!applyKeyUpdate(input, true)) throw awsError('ConditionalCheckFailedException');
        return {};
      },
    );
  /** Checks (and with `apply`, makes) an update of the keys table: a key retired, or a receipt key revoked. */
  function applyKeyUpdate(
    input: { Key: { purpose: string; kid: string }; ExpressionAttributeValues: Record<string, unknown> },
    apply: boolean,
  ): boolean {
    const values = input.ExpressionAttributeValues;
    const key = world.keys.find((k) => k.purpose === input.Key.purpose && k.kid === input.Key.kid);
    if (values[':revoked'] !== undefined) {
      if (!key || key.status !== values[':seen']) return false;
      if (apply) Object.assign(key, { status: values[':revoked'], revokedAt: values[':at'] });
      return true;
    }
    if (!key || key.status !== values[':active']) return false;
    if (apply) Object.assign(key, { status: values[':retiring'], retireAt: values[':retireAt'] });
    return true;
  }
  return world;
}

/** Adds a customer with a (cheaply) hashed password and the given public keys. */
export async function addCustomer(
  world: World,
  customerId: string,
  password: string,
  keys: Array<{
    kid: string;
    alg: Customer['keys'][string]['alg'];
    publicKey: KeyObject;
    status?: 'active' | 'revoked';
  }> = [],
  extra: Partial<Customer> = {},
): Promise<Customer> {
  const customer: Customer = {
    customerId,
    email: `${customerId}@customer.example`,
    passwordHash: await hashPassword(password, FAST_SCRYPT),
    failedLogins: 0,
    tokenVersion: 1,
    keys: Object.fromEntries(
      keys.map((key) => [
        key.kid,
        {
          alg: key.alg,
          publicKeyPem: exportPublicKeyPem(key.publicKey),
          status: key.status ?? 'active',
          addedAt: '2026-11-01T00:00:00.000Z',
        },
      ]),
    ),
    createdAt: '2026-11-01T00:00:00.000Z',
    balanceCents: 100_000_000,
    ledgerSeq: 1,
    ...extra,
  };
  world.customers.set(customerId, customer);
  return customer;
}
