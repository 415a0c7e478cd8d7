/**
 * The POST /orders suites' world: mocked DynamoDB and KMS with customer `alice` (a key of each algorithm: the file's
 * shared `keys` of ../keys.ts, made by its `makeKeysBeforeAll`) and two products, the order function imported anew
 * before each test ({@link coldStartBeforeEach}), and the requests and answers the tests make and read. `world` and
 * `handler` are live bindings: read them inside tests.
 */
import { beforeEach, vi } from 'vitest';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { sealOrder } from '../../../shared/envelope/index.js';
import type { OrderItem } from '../../../shared/envelope/index.js';
import { receiptKeyFromJwk, receiptKeyJwk, verifyReceipt } from '../../../shared/receipts.js';
import { addCustomer, apiEvent, installWorld, lambdaContext, transactionCancelled } from '../aws.js';
import type { World } from '../aws.js';
import { keys } from '../keys.js';
import type { SigningAlgorithm } from '../keys.js';

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;
export let world: World;
export let handler: Handler;

/** A fresh world and a freshly imported order function before each of the calling file's tests (its `beforeEach`). */
export function coldStartBeforeEach(): void {
  beforeEach(async () => {
    world = installWorld();
    vi.resetModules();
    handler = (await import('../../../functions/order/index.js')).handler as unknown as Handler;
    await addCustomer(
      world,
      'alice',
      'correct horse battery',
      (['rsa', 'dsa', 'ecdsa', 'ed25519'] as const).map((algorithm) => ({
        kid: keys[algorithm].verifier.kid,
        alg: keys[algorithm].verifier.alg,
        publicKey: keys[algorithm].verifier.publicKey,
      })),
    );
    world.products.set('WIDGET-1', { sku: 'WIDGET-1', name: 'Widget', priceCents: 1250, stock: 10 });
    world.products.set('GADGET-2', { sku: 'GADGET-2', name: 'Gadget', priceCents: 999, stock: 3 });
  });
}

/** Signed at the catalogue's prices (the quote). */
export const ITEMS: OrderItem[] = [
  { sku: 'WIDGET-1', qty: 2, unitPriceCents: 1250 },
  { sku: 'GADGET-2', qty: 1, unitPriceCents: 999 },
];

/** An envelope from `alice` with the key of `algorithm`, sealed to the world's server key. */
export function envelope(
  algorithm: SigningAlgorithm = 'ed25519',
  overrides: Partial<Parameters<typeof sealOrder>[0]> = {},
): string {
  return sealOrder({
    customerId: 'alice',
    items: ITEMS,
    currency: 'USD',
    signer: keys[algorithm].signer,
    server: { kid: world.server.kid, publicKey: world.server.publicKey },
    ...overrides,
  });
}

/** POST /orders with `body`, in `alice`'s session unless told otherwise. */
export const post = (
  body: unknown,
  session: { customerId: string; role: 'customer' } | null = { customerId: 'alice', role: 'customer' },
) => handler(apiEvent({ method: 'POST', resource: '/orders', body, ...(session ? { session } : {}) }), lambdaContext);

/** The order's transaction (order, two lines, account, ledger entry) cancelled by the condition of action `index`. */
export function conditionFailedAt(index: number, item?: Record<string, unknown>) {
  return transactionCancelled(
    Array.from({ length: 5 }, (_, i) =>
      i === index ? { Code: 'ConditionalCheckFailed', ...(item ? { Item: item } : {}) } : { Code: 'None' },
    ),
  );
}

/** The receipt in a response, verified with the world's receipt key as a customer would (published JWK). */
export function verifiedReceipt(body: Record<string, unknown>) {
  return verifyReceipt(body.receipt as string, receiptKeyFromJwk(receiptKeyJwk(world.receipt.publicKey)));
}
