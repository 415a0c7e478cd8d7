/**
 * The API benchmark's customers, as a client sees the OPD: registered (Ed25519 keys) with money enough for every
 * order, logged in through the local API, sealing their orders to the server key it publishes and posting them.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Actor } from '../shared/audit.js';
import { sealOrder } from '../shared/envelope/index.js';
import type { ServerPublicKey } from '../shared/envelope/index.js';
import { exportPublicKeyPem, parsePublicKeyPem, signingKey } from '../shared/keys.js';
import type { SigningKey } from '../shared/keys.js';

/** A logged-in benchmark customer. */
export interface BenchCustomer {
  readonly id: string;
  readonly signer: SigningKey;
  readonly token: string;
}

/** Who the audit trail says set the benchmark up (its products, customers and credits). */
export const BENCH_OPERATOR: Actor = { kind: 'operator', id: 'bench', roles: [], requestId: 'bench' };

/** Every order line's unit price (US cents) in the API benchmark: its products are all created at this price. */
export const PRICE = 100;

/**
 * Registers `count` customers (`bench-0`, `bench-1`, …) through the admin service, credits each one, and logs each in
 * through the API at `apiUrl`. Call it once the local stack has started (the service reads the stack's environment).
 */
export async function registerCustomers(
  apiUrl: string,
  count: number,
  log: (line: string) => void,
): Promise<BenchCustomer[]> {
  const { registerCustomer } = await import('../shared/services/admin.js');
  const { postLedgerEntry } = await import('../shared/aws/accounts.js');
  const password = `bench ${randomBytes(8).toString('hex')}`;
  const customers: BenchCustomer[] = [];
  log(`  registering ${count} customers (Ed25519) and logging them in…`);
  for (let i = 0; i < count; i++) {
    const id = `bench-${i}`;
    const pair = generateKeyPairSync('ed25519');
    await registerCustomer(
      {
        customerId: id,
        email: `${id}@bench.local`,
        password,
        keys: [{ publicKeyPem: exportPublicKeyPem(pair.publicKey) }],
      },
      BENCH_OPERATOR,
    );
    // Enough that money never refuses an order: the bench measures acceptance.
    await postLedgerEntry(id, { type: 'credit', amountCents: 1e14, reference: 'bench' }, BENCH_OPERATOR);
    const login = (await (
      await fetch(`${apiUrl}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ customerId: id, password }),
      })
    ).json()) as { token: string };
    customers.push({ id, signer: signingKey(pair.privateKey), token: login.token });
  }
  return customers;
}

/** The server key the API at `apiUrl` publishes (`GET /server-key`), as envelopes are sealed to it. */
export async function publishedServerKey(apiUrl: string): Promise<ServerPublicKey> {
  const serverKey = (await (await fetch(`${apiUrl}/server-key`)).json()) as { kid: string; publicKeyPem: string };
  return { kid: serverKey.kid, publicKey: parsePublicKeyPem(serverKey.publicKeyPem) };
}

/** An envelope for one unit of `sku` at {@link PRICE}, signed by `customer` and sealed to `server`. */
export function sealOne(customer: BenchCustomer, sku: string, server: ServerPublicKey): string {
  return sealOrder({
    customerId: customer.id,
    items: [{ sku, qty: 1, unitPriceCents: PRICE }],
    currency: 'USD',
    signer: customer.signer,
    server,
  });
}

/** Posts `envelope` as `customer` (`POST /orders`), reads the whole answer, and returns its status. */
export async function postOrder(apiUrl: string, customer: BenchCustomer, envelope: string): Promise<number> {
  const response = await fetch(`${apiUrl}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${customer.token}` },
    body: JSON.stringify({ envelope }),
  });
  await response.arrayBuffer();
  return response.status;
}
