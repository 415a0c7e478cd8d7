/**
 * The capacity model's mix of orders: who orders what (spread SKUs and one hot SKU, ordinary customers and one large
 * one, 1 to N lines), and what becomes of each accepted order — cancelled by its customer with a signed request,
 * fulfilled by one of the clerks through the admin API, or left accepted. Planned from a seeded generator, so that a
 * run can be repeated; driven through the local API by concurrent clients.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { signCancellation } from '../../shared/cancellations.js';
import { sealOrder } from '../../shared/envelope/index.js';
import type { ServerPublicKey } from '../../shared/envelope/index.js';
import { PRICE } from '../customers.js';
import { call } from './population.js';
import type { MixCustomer, MixStaff } from './population.js';

/** The mix's sizes and shares (`npm run capacity -- --help` lists them with their defaults). */
export interface MixParameters {
  readonly orders: number;
  readonly skus: number;
  readonly customers: number;
  readonly staff: number;
  /** Share of all order lines that are the hot SKU's. */
  readonly hotShare: number;
  /** The large customer's orders, as a multiple of an ordinary customer's. */
  readonly largeFactor: number;
  readonly maxLines: number;
  readonly cancelShare: number;
  readonly fulfilShare: number;
  /** Stock shards asked for the hot SKU. */
  readonly stockShards: number;
  /** Concurrent clients posting orders. */
  readonly clients: number;
  readonly seed: number;
}

/** One planned order: the customer (index) and its SKUs; and its fate once accepted. */
export interface PlannedOrder {
  readonly customer: number;
  readonly skus: readonly string[];
  readonly fate: 'cancel' | 'fulfil' | 'keep';
}

/**
 * How long after its acceptance an order is cancelled or fulfilled (ms): long enough for its confirmation to be sent
 * first, as it would be when people, not a script, cancel and ship.
 */
const FATE_DELAY_MS = 3000;

/** The hot SKU's name. */
export const HOT_SKU = 'CAP-HOT';
/** The spread SKUs' names. */
export const spreadSkus = (count: number) => Array.from({ length: count }, (_, i) => `CAP-${i}`);
/** The customers' IDs: `cap-c-0`… and, last, the large customer. */
export const customerIds = (count: number) => [...Array.from({ length: count }, (_, i) => `cap-c-${i}`), 'cap-large'];

/** A seeded generator of numbers in [0, 1) (mulberry32): the same seed plans the same mix. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Plans the mix: customers weighted (the large one `largeFactor` times an ordinary one), lines and fates drawn. */
export function planMix(parameters: MixParameters): PlannedOrder[] {
  const random = generator(parameters.seed);
  const spread = spreadSkus(parameters.skus);
  const weight = parameters.customers + parameters.largeFactor;
  return Array.from({ length: parameters.orders }, () => {
    const drawn = random() * weight;
    const customer = drawn < parameters.customers ? Math.floor(drawn) : parameters.customers;
    const lines = 1 + Math.floor(random() * parameters.maxLines);
    const skus = new Set<string>();
    while (skus.size < lines)
      skus.add(random() < parameters.hotShare ? HOT_SKU : spread[Math.floor(random() * spread.length)]!);
    const fateDraw = random();
    const fate =
      fateDraw < parameters.cancelShare
        ? 'cancel'
        : fateDraw < parameters.cancelShare + parameters.fulfilShare
          ? 'fulfil'
          : 'keep';
    return { customer, skus: [...skus], fate };
  });
}

/** What the driven mix did, as the API answered it. */
export interface MixOutcome {
  readonly accepted: number;
  /** Orders, cancellations and fulfilments the API did not accept, by `route status code`. */
  readonly refusals: Record<string, number>;
  readonly cancelled: number;
  readonly fulfilled: number;
  /** Accepted orders per customer ID. */
  readonly ordersByCustomer: Record<string, number>;
  /** Accepted orders with a line of the hot SKU. */
  readonly hotOrders: number;
  /** Fulfilments per staff ID. */
  readonly fulfilmentsByStaff: Record<string, number>;
  /** Requests per route, and their latencies (ms, as the client saw them through the local API and the recorder). */
  readonly requests: Record<string, number[]>;
  readonly seconds: number;
}

/** What the driver needs: the API, the population, and the server key envelopes are sealed to. */
export interface MixWorld {
  readonly apiUrl: string;
  readonly customers: readonly MixCustomer[];
  readonly clerks: readonly MixStaff[];
  readonly server: ServerPublicKey;
  readonly opdId: string;
  readonly log: (line: string) => void;
}

/** Drives the planned orders through the API with `clients` concurrent clients. */
export async function driveMix(world: MixWorld, plan: readonly PlannedOrder[], clients: number): Promise<MixOutcome> {
  const outcome = {
    accepted: 0,
    refusals: {} as Record<string, number>,
    cancelled: 0,
    fulfilled: 0,
    ordersByCustomer: {} as Record<string, number>,
    hotOrders: 0,
    fulfilmentsByStaff: {} as Record<string, number>,
    requests: {} as Record<string, number[]>,
  };
  const timed = async (route: string, request: () => Promise<{ status: number; json: Record<string, unknown> }>) => {
    const started = performance.now();
    const answer = await request();
    (outcome.requests[route] ??= []).push(performance.now() - started);
    if (answer.status >= 300) {
      const code = (answer.json.error as { code?: string } | undefined)?.code ?? '';
      const key = `${route} ${answer.status} ${code}`;
      outcome.refusals[key] = (outcome.refusals[key] ?? 0) + 1;
    }
    return answer;
  };
  let next = 0;
  let fulfilments = 0;
  /** Accepted orders waiting for their fate, oldest first. */
  const waiting: Array<{ planned: PlannedOrder; orderId: string; due: number }> = [];
  const started = performance.now();
  const progress = Math.max(1, Math.floor(plan.length / 10));

  const place = async (planned: PlannedOrder) => {
    const customer = world.customers[planned.customer]!;
    const envelope = sealOrder({
      customerId: customer.id,
      items: planned.skus.map((sku) => ({ sku, qty: 1, unitPriceCents: PRICE })),
      currency: 'USD',
      signer: customer.signer,
      server: world.server,
    });
    const placed = await timed('POST /orders', () =>
      call(`${world.apiUrl}/orders`, 'POST', customer.token, { envelope }),
    );
    if (placed.status !== 201) return;
    outcome.accepted++;
    outcome.ordersByCustomer[customer.id] = (outcome.ordersByCustomer[customer.id] ?? 0) + 1;
    if (planned.skus.includes(HOT_SKU)) outcome.hotOrders++;
    if (planned.fate !== 'keep')
      waiting.push({ planned, orderId: placed.json.orderId as string, due: performance.now() + FATE_DELAY_MS });
  };

  const decide = async ({ planned, orderId }: { planned: PlannedOrder; orderId: string }) => {
    const customer = world.customers[planned.customer]!;
    if (planned.fate === 'cancel') {
      const cancellation = signCancellation({
        customerId: customer.id,
        opdId: world.opdId,
        orderId,
        signer: customer.signer,
      });
      const answer = await timed('POST /orders/{id}/cancel', () =>
        call(`${world.apiUrl}/orders/${orderId}/cancel`, 'POST', customer.token, { cancellation }),
      );
      if (answer.status === 200) outcome.cancelled++;
      return;
    }
    const clerk = world.clerks[fulfilments++ % world.clerks.length]!;
    const answer = await timed('POST /admin/orders/{id}/fulfil', () =>
      call(`${world.apiUrl}/admin/orders/${orderId}/fulfil`, 'POST', clerk.token, undefined),
    );
    if (answer.status === 200) {
      outcome.fulfilled++;
      outcome.fulfilmentsByStaff[clerk.id] = (outcome.fulfilmentsByStaff[clerk.id] ?? 0) + 1;
    }
  };

  // Each client places the next order unless an accepted one is due for its fate; once every order is placed, it
  // waits for the fates still to come.
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (;;) {
        const now = performance.now();
        if (waiting[0] && waiting[0].due <= now) await decide(waiting.shift()!);
        else if (next < plan.length) {
          const planned = plan[next++]!;
          if (next % progress === 0) world.log(`  ${next} of ${plan.length} orders sent…`);
          await place(planned);
        } else if (waiting[0]) await sleep(waiting[0].due - now);
        else break;
      }
    }),
  );
  return { ...outcome, seconds: (performance.now() - started) / 1000 };
}
