/**
 * Sending one owed email at least once, and once in the normal case, wherever its state is kept — an order's
 * confirmation or notice (shared/services/notify.ts), an account notice (shared/services/notices.ts): claim it with a
 * conditional update, send it, record it sent; give it up on a permanent rejection; release the claim on anything
 * else, so the stream's retry or the sweeper sends it later.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { HANDLERS, SWEEP_PERIOD_SECONDS } from '../../contract/handlers.js';
import type { RecordPattern } from '../../contract/tables.js';
import type { Email } from '../email.js';
import { ALARMED_METRICS } from '../metrics.js';
import { logger, metrics } from '../observability.js';
import { SYSTEM_CLOCK, createPacer, createSlots } from '../pacing.js';
import type { Clock, DrainRun, SweepSchedule } from '../pacing.js';
import { isPermanentMailFailure, sendEmail } from '../aws/ses.js';

/** A `sending` claim older than this was left by a sender that died; another may take it over. */
export const STALE_CLAIM_MS = 5 * 60_000;

/** Mail younger than this is left to the stream, which normally sends it within seconds. */
export const SWEEP_GRACE_MS = 60_000;
/**
 * A sweep stops starting sends this long before its Lambda timeout, so that the sends in flight finish and are recorded
 * sent (a send cut off between SES and the record is sent again once its claim is stale: at least once).
 */
export const SWEEP_TAIL_MS = 10_000;
/**
 * The sweeper's schedule on AWS: a run every {@link SWEEP_PERIOD_SECONDS} (300 s) that starts sends for its timeout
 * (295 s) less {@link SWEEP_TAIL_MS}: 285 s, so one run sends up to 285 × the rate (95 % of rate × period).
 */
export const SWEEP_SCHEDULE: SweepSchedule = {
  periodSeconds: SWEEP_PERIOD_SECONDS,
  sendingSeconds: HANDLERS.find(({ name }) => name === 'sweeper')!.timeoutSeconds - SWEEP_TAIL_MS / 1000,
};

/** How long a sweep run by a timer rather than by Lambda (the local stack, every minute) starts sends for. */
export const SWEEP_UNTIMED_MS = 50_000;

/** Owed mail read per query of an owed index: a sweep pages through the index, a page at a time. */
export const SWEEP_PAGE = 100;

/**
 * Most sends in flight in one sweep: one second's worth at the rate, so that a send taking up to a second (a claim, a
 * read or two, SES, the sent mark: about 0.2 s on AWS) never holds the rate back; at most 50, the SDK's default
 * sockets per client.
 */
export const sweepConcurrency = (ratePerSecond: number) => Math.min(50, Math.max(1, Math.ceil(ratePerSecond)));

/** One sweep's shared limits: one pacer at the SES rate and one bound on sends in flight, for every owed index. */
export interface SweepRun extends DrainRun {
  /** When the sweep began (epoch milliseconds): mail owed since before its grace period is the sweep's to send. */
  readonly startedAt: number;
}

/**
 * A sweep's run: sends paced at `ratePerSecond` (the SES rate the sweeper may use), none started at or after
 * `deadline`.
 */
export function sweepRun(ratePerSecond: number, deadline: number, clock: Clock = SYSTEM_CLOCK): SweepRun {
  return {
    pacer: createPacer(ratePerSecond, clock),
    slots: createSlots(sweepConcurrency(ratePerSecond)),
    deadline,
    clock,
    startedAt: clock.now(),
  };
}

/** What a sweep did: emails sent, given up, skipped (sent or claimed elsewhere), and errors left for the next. */
export interface SweepCounts {
  readonly sent: number;
  readonly failed: number;
  readonly skipped: number;
  readonly errors: number;
}

/** What became of one email: sent now, already sent or being sent elsewhere, or given up (permanently rejected). */
export type MailOutcome = 'sent' | 'skipped' | 'failed';

/** One owed email: how its state moves (each a conditional update of where it is kept) and what it says. */
export interface OwedEmail {
  /** Whom it is to. */
  readonly customerId: string;
  /** What it is, for the logs: `confirmation`, `notice`, `key-added notice`. */
  readonly label: string;
  /** What the logs name it by (IDs, never its content). */
  readonly logFields: Readonly<Record<string, string>>;
  /** Claims it (pending → sending, or a `sending` claim older than `staleBefore`); false if sent or claimed elsewhere. */
  claim(now: number, staleBefore: number): Promise<boolean>;
  /** The email, and its address (`undefined`: there is nobody to write to). */
  compose(): Promise<{ message: Email; address: string | undefined }>;
  /** Gives the claim back (sending → pending). */
  release(now: number): Promise<unknown>;
  /** Records it sent (sending → sent, out of the owed index). */
  sent(now: number): Promise<unknown>;
  /** Records it given up, with the reason (sending → failed). */
  failed(reason: string): Promise<unknown>;
}

/**
 * Claims, sends and records one email. A permanent failure (see {@link isPermanentMailFailure}, or no address) marks
 * it `failed` with the reason, counts it (metric `EmailFailed`, alarmed) and is not retried on its own; a transient one
 * releases the claim and throws, so the stream or the sweeper tries again.
 */
export async function deliverOnce(mail: OwedEmail, now: number): Promise<MailOutcome> {
  if (!(await mail.claim(now, now - STALE_CLAIM_MS))) return 'skipped';
  try {
    const { message, address } = await mail.compose();
    if (address === undefined) throw new NoAddress(mail.customerId);
    await sendEmail(address, message);
  } catch (error) {
    if (error instanceof NoAddress || isPermanentMailFailure(error)) {
      await mail.failed(`${(error as Error).name}: ${(error as Error).message}`);
      logger.error('email given up: permanently rejected', {
        ...mail.logFields,
        errorName: (error as Error).name,
      });
      metrics.addMetric(ALARMED_METRICS.emailFailed, 'Count', 1);
      return 'failed';
    }
    // Release the claim so the retry (or a later batch, or the sweeper) can send it.
    await mail.release(now);
    throw error;
  }
  await mail.sent(now);
  logger.info(`${mail.label} sent`, { ...mail.logFields });
  return 'sent';
}

/** The customer is gone: nobody to write to. Permanent, like a rejected address. */
class NoAddress extends Error {
  override readonly name = 'NoAddress';
  constructor(customerId: string) {
    super(`no customer ${customerId} to send to`);
  }
}

/**
 * Whether a stream record matches one of `patterns` (contract/tables.ts: the records that owe an email), each member
 * of a pattern present and each leaf equal: the rule an event source mapping filters with, applied again by the
 * notifier and by the local stream poller.
 */
export function matchesAny(
  record: Pick<DynamoDBRecord, 'eventName' | 'dynamodb'>,
  patterns: readonly RecordPattern[],
): boolean {
  return patterns.some((pattern) => matches(record, pattern));
}

/** Whether `value` has every member of `pattern`, each leaf equal. */
function matches(value: unknown, pattern: RecordPattern): boolean {
  return Object.entries(pattern).every(([member, expected]) => {
    const actual: unknown = typeof value === 'object' && value !== null ? Reflect.get(value, member) : undefined;
    return typeof expected === 'string' ? actual === expected : matches(actual, expected);
  });
}
