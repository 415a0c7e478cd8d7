/**
 * The ceilings the mix meets outside DynamoDB: API Gateway's throttle (the stack's per-method parameter, its default
 * and its allowed maximum, infra/parameters.ts), Lambda's concurrency, and SES's sending rate. A limit the stack sets
 * is a design ceiling; an account quota that AWS raises on request is reported as a quota, with the rate it allows at
 * its default.
 */
import { drainSeconds } from '../../shared/pacing.js';
import { SWEEP_SCHEDULE } from '../../shared/services/deliver.js';

/** The stack's API throttle parameter (infra/parameters.ts `ApiRateLimit`): default and allowed maximum, per method. */
export const API_RATE_PARAMETER = { default: 50, max: 10_000 } as const;
/** API Gateway's regional account quota (requests a second, every method together); raised on request. */
export const API_ACCOUNT_QUOTA = 10_000;
/** Lambda's regional account quota of concurrent executions; raised on request. No function reserves any. */
export const LAMBDA_CONCURRENCY_QUOTA = 1_000;

/** One API route's share of the mix and the orders a second its method's throttle allows. */
export interface RouteCeiling {
  readonly route: string;
  readonly requestsPerOrder: number;
  /** Median latency the client saw locally (ms): handler, local API, DynamoDB Local and the recorder. */
  readonly medianMs: number;
  /** Orders a second at the throttle's default and at its allowed maximum. */
  readonly atDefault: number;
  readonly atMax: number;
}

/** The services' ceilings of a run. */
export interface ServiceCeilings {
  readonly routes: readonly RouteCeiling[];
  /** API Gateway's account quota over every request of the mix. */
  readonly apiAccountQuota: { readonly requestsPerOrder: number; readonly orders: number };
  /**
   * Lambda: concurrent executions per order a second (requests per order × their median duration, the locally seen
   * one: an estimate), and the orders a second the default account quota allows.
   */
  readonly lambda: { readonly concurrencyPerOrderPerSecond: number; readonly orders: number };
  /** SES: emails per order (counted in the emulator's inbox), the rate assumed, the orders a second it allows. */
  readonly ses: {
    readonly emailsPerOrder: number;
    readonly sendRate: number;
    readonly orders: number;
    readonly backlog: number;
    readonly drainSeconds: number;
  };
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** The services' ceilings from the mix's requests (latencies per route), its accepted orders and its emails. */
export function serviceCeilings(
  requests: Readonly<Record<string, readonly number[]>>,
  orders: number,
  emails: number,
  ses: { sendRate: number; backlog: number },
): ServiceCeilings {
  const routes = Object.entries(requests).map(([route, latencies]): RouteCeiling => {
    const perOrder = latencies.length / orders;
    return {
      route,
      requestsPerOrder: perOrder,
      medianMs: median(latencies),
      atDefault: API_RATE_PARAMETER.default / perOrder,
      atMax: API_RATE_PARAMETER.max / perOrder,
    };
  });
  const requestsPerOrder = routes.reduce((sum, route) => sum + route.requestsPerOrder, 0);
  const concurrency = routes.reduce((sum, route) => sum + (route.requestsPerOrder * route.medianMs) / 1000, 0);
  const emailsPerOrder = emails / orders;
  return {
    routes,
    apiAccountQuota: { requestsPerOrder, orders: API_ACCOUNT_QUOTA / requestsPerOrder },
    lambda: { concurrencyPerOrderPerSecond: concurrency, orders: LAMBDA_CONCURRENCY_QUOTA / concurrency },
    ses: {
      emailsPerOrder,
      sendRate: ses.sendRate,
      orders: ses.sendRate / emailsPerOrder,
      backlog: ses.backlog,
      // The sweeper sends at the rate for most of each scheduled run (shared/pacing.ts, shared/services/deliver.ts).
      drainSeconds: drainSeconds(ses.backlog, ses.sendRate, SWEEP_SCHEDULE),
    },
  };
}
