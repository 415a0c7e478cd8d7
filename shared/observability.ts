/**
 * Powertools logger and metrics, one of each per process. Tracing is Lambda's and API Gateway's own (active tracing,
 * infra/constructs/functions.ts and api.ts): the X-Ray SDK, which would add a subsegment per AWS call, cost the order function ~25 ms of every
 * cold start and 120 KiB, and its async hooks ~2 % of the CPU of every request (measured: docs/operations.md). The logger never receives request bodies, tokens,
 * passwords, keys or order lines: handlers log identifiers and outcomes only (test/logging.test.ts checks it).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, METRICS_SERVICE } from './metrics.js';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? METRICS_SERVICE;

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
});
