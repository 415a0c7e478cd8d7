/**
 * The mail sweeper, run on a schedule (EventBridge, every few minutes; a timer in the local stack): sends the
 * confirmations and notices the stream did not get out — unsent past the grace period, or claimed by a sender that
 * died between sending and recording. It queries the sparse owed-mail indexes; it never scans.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { ALARMED_METRICS } from '../../shared/metrics.js';
import { logger, metrics } from '../../shared/observability.js';
import { sweepOwedMail } from '../../shared/services/notify.js';
import type { SweepResult } from '../../shared/services/notify.js';

export async function sweep(): Promise<SweepResult> {
  const result = await sweepOwedMail();
  metrics.addMetric('SweptEmailsSent', 'Count', result.sent);
  // Published on every run, 0 included, so the alarm on mail owed too long always has a value to judge.
  metrics.addMetric(ALARMED_METRICS.oldestOwedMailAge, 'Seconds', result.oldestOwedSeconds);
  if (result.sent + result.failed + result.errors > 0) logger.info('sweep', { ...result });
  return result;
}

export const handler = middy(sweep)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
