/**
 * The handlers' structured logs and CloudWatch metrics: one logger and one metrics buffer per process, each line a JSON
 * document on stdout (warnings and errors on stderr), metrics in CloudWatch's embedded metric format (EMF), which
 * CloudWatch Logs turns into metrics with no API call. The log lines carry the keys Powertools for AWS Lambda's logger
 * writes (`level`, `message`, `timestamp`, `service`, `cold_start`, `function_name`, `function_request_id`,
 * `xray_trace_id`), so queries written for it read these.
 *
 * Written here rather than with Powertools: its logger and metrics (33 KiB with their shared runtime) cost about 7 ms
 * of every cold start's module init — a third of the order function's overhead over its bare SDK clients — for the
 * five calls these handlers make (docs/operations.md, "Cold start"). Tracing is Lambda's and API Gateway's own (active
 * tracing, infra/constructs/functions.ts and api.ts): the X-Ray SDK, which would add a subsegment per AWS call, cost
 * the order function ~25 ms of every cold start and 120 KiB, and its async hooks ~2 % of the CPU of every request.
 *
 * The logger never receives request bodies, tokens, passwords, keys or order lines: handlers log identifiers and
 * outcomes only (test/logging.test.ts checks it). Settings, read once when this module loads: `LOG_LEVEL` (DEBUG,
 * INFO — the default —, WARN, ERROR or SILENT; TRACE and CRITICAL count as DEBUG and ERROR), `METRICS_DISABLED`
 * (`true`: no metric is written), `SERVICE_NAME` and `METRICS_NAMESPACE`.
 */
import type { Context } from 'aws-lambda';
import type { MiddlewareObj } from '@middy/core';
import { METRICS_NAMESPACE, METRICS_SERVICE } from './metrics.js';

const LEVELS = { DEBUG: 8, INFO: 12, WARN: 16, ERROR: 20, SILENT: 28 } as const;
type Level = Exclude<keyof typeof LEVELS, 'SILENT'>;

/**
 * Attributes of a log line: identifiers and outcomes, or the error being reported (anything thrown: a value that is
 * not an `Error` is logged by its type and text).
 */
export type LogAttributes = Readonly<Record<string, unknown>> | Error;

/** CloudWatch units of the metrics these handlers publish. */
export type MetricUnit = 'Count' | 'Seconds' | 'Milliseconds';

/** CloudWatch takes at most 100 metrics in one EMF document, and 100 values of one metric. */
const EMF_MAX = 100;

/** The keys every line sets itself: an attribute of the same name is dropped, so no caller can forge them. */
const RESERVED_KEYS = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'cold_start',
  'function_name',
  'function_arn',
  'function_memory_size',
  'function_request_id',
  'xray_trace_id',
]);

/** A line longer than this is cut to its standard keys (CloudWatch Logs takes at most 256 KiB per event). */
const MAX_LINE_CHARS = 64 * 1024;

/** Names a metric may not take: the EMF document's own members. */
const RESERVED_METRIC_NAMES = new Set(['_aws', 'service', 'function_name']);

const env = process.env;
const service = env.SERVICE_NAME ?? METRICS_SERVICE;
const namespace = env.METRICS_NAMESPACE ?? METRICS_NAMESPACE;
const LEVEL_ALIASES: Readonly<Record<string, keyof typeof LEVELS>> = { TRACE: 'DEBUG', CRITICAL: 'ERROR' };
const levelSetting = env.LOG_LEVEL?.toUpperCase() ?? 'INFO';
const levelName = Object.hasOwn(LEVELS, levelSetting)
  ? (levelSetting as keyof typeof LEVELS)
  : LEVEL_ALIASES[levelSetting];
const threshold: number = LEVELS[levelName ?? 'INFO'];
const metricsDisabled = env.METRICS_DISABLED?.toLowerCase() === 'true';

/** JSON for a log line's values: bigints as text, an error by its fields, an object met again not twice. */
function serializable() {
  const seen = new WeakSet<object>();
  return (_key: string, value: unknown): unknown => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Error) return errorFields(value).error;
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) return '[Circular]';
      seen.add(value);
    }
    return value;
  };
}

/** Writes one JSON document as a line: errors and warnings on stderr, the rest on stdout. */
function writeLine(document: Readonly<Record<string, unknown>>, toStderr: boolean, fallback?: object) {
  let line: string;
  try {
    line = JSON.stringify(document, serializable());
  } catch {
    line = JSON.stringify({ ...fallback, unserializable: true });
  }
  if (line.length > MAX_LINE_CHARS) line = JSON.stringify({ ...fallback, truncated: true, length: line.length });
  (toStderr ? process.stderr : process.stdout).write(`${line}\n`);
}

/** What a warning logs of a caught error: its name only (a message may carry an item's contents). */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'unknown';
}

/** An error as a log line carries it: name, message and where it was thrown (no cause, no attached data). */
const errorFields = (error: Error) => ({ error: { name: error.name, message: error.message, stack: error.stack } });

/** A log line's own attributes: an error's fields, a thrown non-error's type and text, the rest minus reserved keys. */
function attributeFields(attributes: unknown): Record<string, unknown> {
  if (attributes === undefined) return {};
  if (attributes instanceof Error) return errorFields(attributes);
  switch (typeof attributes) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'symbol':
      return { error: { type: typeof attributes, message: String(attributes).slice(0, 1000) } };
    case 'object':
      if (attributes !== null && !Array.isArray(attributes))
        return Object.fromEntries(Object.entries(attributes).filter(([key]) => !RESERVED_KEYS.has(key)));
      return { error: { type: 'object', value: attributes } };
    default:
      return { error: { type: typeof attributes } };
  }
}

/** The invocation a log line belongs to, set by {@link startInvocation}. */
let invocation: Readonly<Record<string, unknown>> = {};
let coldStart = true;

/** Writes log lines at or above the process's `LOG_LEVEL`, with the current invocation's keys. */
export class Logger {
  debug(message: string, attributes?: LogAttributes) {
    this.log('DEBUG', message, attributes);
  }
  info(message: string, attributes?: LogAttributes) {
    this.log('INFO', message, attributes);
  }
  warn(message: string, attributes?: LogAttributes) {
    this.log('WARN', message, attributes);
  }
  /** With attributes, an `Error`, or anything a `catch` caught. */
  error(message: string, attributes?: unknown) {
    this.log('ERROR', message, attributes);
  }

  private log(level: Level, message: string, attributes: unknown) {
    if (LEVELS[level] < threshold) return;
    const trace = /Root=([^;]+)/.exec(env._X_AMZN_TRACE_ID ?? '')?.[1];
    const standard = {
      level,
      message,
      timestamp: new Date().toISOString(),
      service,
      ...invocation,
      ...(trace ? { xray_trace_id: trace } : {}),
    };
    let fields: Record<string, unknown>;
    try {
      fields = attributeFields(attributes);
    } catch {
      fields = { unserializable: true }; // a getter that throws, a proxy that refuses…
    }
    writeLine({ ...standard, ...fields }, LEVELS[level] >= LEVELS.WARN, standard);
  }
}

/** Stores an invocation's metrics and writes them as one EMF document when it ends. */
export class Metrics {
  private stored = new Map<string, { unit: MetricUnit; values: number[] }>();
  private coldStartCounted = false;

  /** Counts `value` under `name`; a name added twice in one invocation keeps both values, as EMF allows. */
  addMetric(name: string, unit: MetricUnit, value: number) {
    // CloudWatch refuses a whole document with a value that is not a finite number; a reserved name would overwrite
    // a dimension. Either is dropped, with a warning, so the invocation's other metrics still count.
    if (!Number.isFinite(value) || RESERVED_METRIC_NAMES.has(name)) {
      logger.warn('metric dropped', { metric: name.slice(0, 256), value: String(value).slice(0, 64) });
      return;
    }
    const metric = this.stored.get(name);
    if (metric && metric.unit === unit && metric.values.length < EMF_MAX) metric.values.push(value);
    else {
      if (metric || this.stored.size >= EMF_MAX) this.publishStoredMetrics();
      this.stored.set(name, { unit, values: [value] });
    }
  }

  /** Publishes `ColdStart` (dimensions: service and function name) on this process's first invocation only. */
  captureColdStartMetric(functionName: string) {
    if (this.coldStartCounted) return;
    this.coldStartCounted = true;
    this.emit({ function_name: functionName }, new Map([['ColdStart', { unit: 'Count', values: [1] }]]));
  }

  /** Writes the metrics stored since the last call as one EMF document (none when nothing was stored). */
  publishStoredMetrics() {
    const stored = this.stored;
    this.stored = new Map();
    if (stored.size > 0) this.emit({}, stored);
  }

  private emit(dimensions: Record<string, string>, metrics: Map<string, { unit: MetricUnit; values: number[] }>) {
    if (metricsDisabled) return;
    const values: Record<string, number | number[]> = {};
    for (const [name, { values: list }] of metrics) values[name] = list.length === 1 ? list[0]! : list;
    writeLine(
      {
        _aws: {
          Timestamp: Date.now(),
          CloudWatchMetrics: [
            {
              Namespace: namespace,
              Dimensions: [['service', ...Object.keys(dimensions)]],
              Metrics: [...metrics].map(([name, { unit }]) => ({ Name: name, Unit: unit })),
            },
          ],
        },
        service,
        ...dimensions,
        ...values,
      },
      false,
    );
  }
}

/** The process's logger. */
export const logger = new Logger();
/** The process's metrics. */
export const metrics = new Metrics();

if (levelName === undefined)
  logger.warn('LOG_LEVEL is not a level (DEBUG, INFO, WARN, ERROR, SILENT): logging at INFO', {
    setting: levelSetting.slice(0, 32),
  });

/**
 * Starts an invocation: its log lines name the function and request (and say whether this is the process's first),
 * and, with `countColdStart`, the process's first invocation publishes the `ColdStart` metric.
 */
export function startInvocation(context: Context, countColdStart: boolean) {
  invocation = {
    cold_start: coldStart,
    function_name: context.functionName,
    function_arn: context.invokedFunctionArn,
    function_memory_size: Number(context.memoryLimitInMB),
    function_request_id: context.awsRequestId,
  };
  coldStart = false;
  if (countColdStart) metrics.captureColdStartMetric(context.functionName);
}

/** Ends an invocation: publishes its metrics; later log lines belong to no request. */
export function endInvocation() {
  metrics.publishStoredMetrics();
  invocation = {};
}

/**
 * {@link startInvocation} and {@link endInvocation} as a middy middleware, for the handlers middy wraps (stream,
 * schedule and authorizer functions: no cold-start metric, as API functions publish).
 */
export function observed(): MiddlewareObj {
  return {
    before: ({ context }) => startInvocation(context, false),
    after: endInvocation,
    onError: endInvocation,
  };
}
