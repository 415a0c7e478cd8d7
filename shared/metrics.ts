/**
 * The handlers' own CloudWatch metrics (shared/observability.ts, embedded metric format): their namespace, the `service` dimension
 * each one carries, and the names of those the stack alarms on. The code that publishes them and the alarms in
 * infra/constructs/alarms.ts read these, so an alarm cannot watch a metric nobody publishes.
 */
export const METRICS_NAMESPACE = 'PurchaseOrders';

/** The `service` dimension (and log key) of every metric and log line the handlers write. */
export const METRICS_SERVICE = 'purchase-orders';

/**
 * What the authorizer logs when it refuses a token. A refusal is a Lambda error too (API Gateway answers 401 only to
 * an authorizer that throws "Unauthorized"): the stack counts these lines to tell refusals from failures.
 */
export const SESSION_REFUSED_MESSAGE = 'token refused';

/** Metrics the stack alarms on. */
export const ALARMED_METRICS = {
  /** Count: an email given up (permanently rejected), once each. */
  emailFailed: 'EmailFailed',
  /** Seconds: the age of the oldest mail still owed when the sweeper ran (0 when none is past its grace period). */
  oldestOwedMailAge: 'OldestOwedMailAge',
} as const;
