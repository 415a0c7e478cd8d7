/**
 * The mail sweeper, run on a schedule (EventBridge, every 5 minutes; a timer in the local stack): sends the
 * confirmations and notices the stream did not get out — unsent past the grace period, or claimed by a sender that
 * died between sending and recording — paced at the SES rate the stack gives it (`SesSendRate`), until the backlog
 * ends or its time does (its Lambda timeout less {@link SWEEP_TAIL_MS}). It queries the sparse owed-mail indexes; it
 * never scans.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { config } from '../../shared/config.js';
import { ALARMED_METRICS } from '../../shared/metrics.js';
import { logger, metrics, observed } from '../../shared/observability.js';
import { SWEEP_TAIL_MS, SWEEP_UNTIMED_MS, sweepRun } from '../../shared/services/deliver.js';
import { sweepOwedMail } from '../../shared/services/notify.js';
import type { SweepResult } from '../../shared/services/notify.js';

/** One sweep; `context` (on Lambda) tells how long it may run, otherwise it starts sends for {@link SWEEP_UNTIMED_MS}. */
export async function sweep(
  _event?: unknown,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<SweepResult> {
  const deadline = Date.now() + (context ? context.getRemainingTimeInMillis() - SWEEP_TAIL_MS : SWEEP_UNTIMED_MS);
  const result = await sweepOwedMail(sweepRun(config().sesSendRate, deadline));
  metrics.addMetric('SweptEmailsSent', 'Count', result.sent);
  // Published on every run, 0 included, so the alarm on mail owed too long always has a value to judge.
  metrics.addMetric(ALARMED_METRICS.oldestOwedMailAge, 'Seconds', result.oldestOwedSeconds);
  if (result.sent + result.failed + result.errors > 0) logger.info('sweep', { ...result });
  return result;
}

export const handler = middy(sweep).use(observed());
