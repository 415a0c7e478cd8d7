/**
 * Powertools logger, metrics and tracer, one of each per process. The logger never receives request bodies, tokens,
 * passwords, keys or order lines: handlers log identifiers and outcomes only (test/logging.test.ts checks it).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'purchase-orders';

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'PurchaseOrders',
});
export const tracer = new Tracer({ serviceName });
