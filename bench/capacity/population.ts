/**
 * The capacity mix's population, made before anything is counted: a catalogue of spread SKUs and one hot SKU (its
 * stock shard count set through `PATCH /admin/products/{sku}` where the route accepts it), the staff who fulfil
 * orders, and the customers, each with an Ed25519 key, money enough for every order, and a session. Customers are
 * stored through the same adapter the admin service uses, with a password hashed at scrypt's lowest accepted cost, so
 * that 300 logins take seconds, not minutes: the mix counts orders, not logins.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { exportPublicKeyPem, signingKey } from '../../shared/keys.js';
import type { SigningKey } from '../../shared/keys.js';
import { BENCH_OPERATOR, PRICE } from '../customers.js';

/** A logged-in customer of the mix. */
export interface MixCustomer {
  readonly id: string;
  readonly signer: SigningKey;
  readonly token: string;
}

/** A logged-in staff member of the mix. */
export interface MixStaff {
  readonly id: string;
  readonly token: string;
}

/** Stock enough that no order of the mix is refused for it: the model counts acceptance. */
const STOCK = 1_000_000_000;
/** How many customers are made at once. */
const AT_ONCE = 8;
/**
 * How many staff members are made at once: each hash and each login check of theirs takes scrypt at its full cost
 * (256 MiB of memory each), and more at once fail for memory.
 */
const STAFF_AT_ONCE = 2;

/** Runs `work` on every index below `count`, `atOnce` at a time. */
async function inBatches<T>(count: number, work: (i: number) => Promise<T>, atOnce = AT_ONCE): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: atOnce }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await work(i);
      }
    }),
  );
  return results;
}

/** POSTs (or PATCHes) JSON to the local API; returns the status and the parsed answer. */
export async function call(
  url: string,
  method: string,
  token: string | undefined,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function loginAs(apiUrl: string, path: '/login' | '/staff/login', body: Record<string, string>): Promise<string> {
  const { status, json } = await call(`${apiUrl}${path}`, 'POST', undefined, body);
  if (status !== 200) throw new Error(`${path} answered ${status}: ${JSON.stringify(json)}`);
  return json.token as string;
}

/** Creates `count` spread SKUs (`CAP-0`…) and the hot SKU, all at {@link PRICE}. */
export async function createCatalogue(skus: readonly string[]): Promise<void> {
  const { createProduct } = await import('../../shared/aws/catalog.js');
  await inBatches(skus.length, (i) =>
    createProduct({ sku: skus[i]!, name: skus[i]!, priceCents: PRICE, stock: STOCK }, BENCH_OPERATOR),
  );
}

/**
 * Asks for `shards` stock shards of `sku` through the catalogue manager's route, then for a rebalance of its stock
 * over them. Returns the shard count in force: `shards` if the route accepted it, else 1 (and why not).
 */
export async function setStockShards(
  apiUrl: string,
  admin: MixStaff,
  sku: string,
  shards: number,
): Promise<{ shards: number; note: string }> {
  if (shards <= 1) return { shards: 1, note: 'one stock item (as asked)' };
  const url = `${apiUrl}/admin/products/${sku}`;
  const patched = await call(url, 'PATCH', admin.token, { stockShards: shards });
  if (patched.status !== 200)
    return {
      shards: 1,
      note: `PATCH ${sku} {stockShards: ${shards}} answered ${patched.status} (${String((patched.json.error as { code?: string } | undefined)?.code)}): this code has no stock shards; counted with 1`,
    };
  const rebalanced = await call(`${url}/rebalance`, 'POST', admin.token, {});
  return { shards, note: `stockShards set to ${shards}; rebalance answered ${rebalanced.status}` };
}

/** Adds `count` clerks (`cap-clerk-0`…) and one administrator, and logs each in. */
export async function createStaff(apiUrl: string, count: number): Promise<{ clerks: MixStaff[]; admin: MixStaff }> {
  const { addStaff } = await import('../../shared/services/staff.js');
  const password = `capacity ${randomBytes(8).toString('hex')}`;
  const add = async (id: string, role: 'clerk' | 'admin'): Promise<MixStaff> => {
    await addStaff({ staffId: id, email: `${id}@opd.local`, password, roles: [role] }, BENCH_OPERATOR);
    return { id, token: await loginAs(apiUrl, '/staff/login', { staffId: id, password }) };
  };
  const clerks = await inBatches(count, (i) => add(`cap-clerk-${i}`, 'clerk'), STAFF_AT_ONCE);
  return { clerks, admin: await add('cap-admin', 'admin') };
}

/** Adds the customers named `ids`, credits each, and logs each in through the API. */
export async function createCustomers(apiUrl: string, ids: readonly string[]): Promise<MixCustomer[]> {
  const { createCustomer } = await import('../../shared/aws/customers.js');
  const { postLedgerEntry } = await import('../../shared/aws/accounts.js');
  const { auditAction } = await import('../../shared/aws/audit.js');
  const { keyForRegistration } = await import('../../shared/services/admin.js');
  const { hashPassword } = await import('../../shared/passwords.js');
  const password = `capacity ${randomBytes(8).toString('hex')}`;
  // scrypt at N = 2^10 (the lowest cost the login accepts): the stored hash has the form and length of a real one.
  const passwordHash = await hashPassword(password, { logN: 10, r: 8, p: 1 });
  return inBatches(ids.length, async (i) => {
    const id = ids[i]!;
    const pair = generateKeyPairSync('ed25519');
    const now = Date.now();
    const { kid, key } = keyForRegistration(exportPublicKeyPem(pair.publicKey), undefined, now);
    const customer = {
      customerId: id,
      email: `${id}@capacity.local`,
      passwordHash,
      failedLogins: 0,
      tokenVersion: 1,
      keys: { [kid]: key },
      createdAt: new Date(now).toISOString(),
      balanceCents: 0,
      ledgerSeq: 0,
    };
    const changes = { email: { after: customer.email }, keyIds: [kid] };
    await createCustomer(customer, auditAction(BENCH_OPERATOR, { action: 'customer.add', target: id, changes }, now));
    await postLedgerEntry(id, { type: 'credit', amountCents: 1e14, reference: 'capacity' }, BENCH_OPERATOR);
    const token = await loginAs(apiUrl, '/login', { customerId: id, password });
    return { id, signer: signingKey(pair.privateKey), token };
  });
}
