/**
 * The handlers' logs and metrics (shared/observability.ts): what each line holds and where it goes, the levels, the
 * EMF documents CloudWatch turns into metrics (their limits included), the cold-start metric once per process, and a
 * hostile value that must stay inside its own line. Each test loads the module afresh: it reads its settings once.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as ObservabilityModule from '../shared/observability.js';
import { apiEvent, lambdaContext } from './helpers/aws.js';

type Observability = typeof ObservabilityModule;

let lines: { stream: 'stdout' | 'stderr'; text: string }[];

beforeEach(() => {
  lines = [];
  vi.resetModules();
  for (const [name, stream] of [
    ['stdout', process.stdout],
    ['stderr', process.stderr],
  ] as const)
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push({ stream: name, text: typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString() });
      return true;
    });
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

/** The module, loaded with these settings (over the test setup's: no logs, metrics disabled — here enabled). */
async function load(settings: Record<string, string | undefined>): Promise<Observability> {
  for (const [name, value] of Object.entries({ METRICS_DISABLED: 'false', ...settings })) vi.stubEnv(name, value);
  return import('../shared/observability.js');
}

/** Every line written, parsed: each must be one JSON document ending in a newline. */
function documents(): Record<string, unknown>[] {
  return lines.map(({ text }) => {
    expect(text.endsWith('\n') && !text.slice(0, -1).includes('\n')).toBe(true);
    return JSON.parse(text) as Record<string, unknown>;
  });
}

const context = (requestId: string) => ({ ...lambdaContext, awsRequestId: requestId });

describe('log lines', () => {
  it('name the service, the function and the request, and say which invocation was the cold start', async () => {
    const { logger, startInvocation, endInvocation } = await load({ LOG_LEVEL: 'INFO', SERVICE_NAME: 'svc' });
    logger.info('before any request');
    startInvocation(context('r-1'), false);
    logger.info('order accepted', { orderId: 'o-1' });
    endInvocation();
    startInvocation(context('r-2'), false);
    logger.info('order accepted', { orderId: 'o-2' });
    endInvocation();

    const [outside, first, second] = documents();
    expect(outside).toMatchObject({ level: 'INFO', message: 'before any request', service: 'svc' });
    expect(outside).not.toHaveProperty('function_request_id');
    expect(first).toMatchObject({
      level: 'INFO',
      message: 'order accepted',
      service: 'svc',
      cold_start: true,
      function_name: lambdaContext.functionName,
      function_request_id: 'r-1',
      orderId: 'o-1',
    });
    expect(second).toMatchObject({ cold_start: false, function_request_id: 'r-2', orderId: 'o-2' });
    expect(Date.parse(String(first!.timestamp))).not.toBeNaN();
  });

  it('keep below-threshold levels out; warnings and errors go to stderr', async () => {
    const { logger } = await load({ LOG_LEVEL: 'warn' });
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(lines.map(({ stream }) => stream)).toEqual(['stderr', 'stderr']);
    expect(documents().map((line) => line.level)).toEqual(['WARN', 'ERROR']);
  });

  it('SILENT writes nothing; TRACE is DEBUG and CRITICAL is ERROR; an unknown level is INFO, and says so', async () => {
    const silent = await load({ LOG_LEVEL: 'SILENT' });
    silent.logger.error('e');
    expect(lines).toEqual([]);
    vi.resetModules();
    const critical = await load({ LOG_LEVEL: 'critical' });
    critical.logger.warn('w');
    critical.logger.error('e');
    vi.resetModules();
    const trace = await load({ LOG_LEVEL: 'TRACE' });
    trace.logger.debug('d');
    vi.resetModules();
    const unknown = await load({ LOG_LEVEL: 'LOUD' });
    unknown.logger.debug('d');
    unknown.logger.info('i');
    expect(documents().map((line) => [line.level, line.message])).toEqual([
      ['ERROR', 'e'],
      ['DEBUG', 'd'],
      ['WARN', 'LOG_LEVEL is not a level (DEBUG, INFO, WARN, ERROR, SILENT): logging at INFO'],
      ['INFO', 'i'],
    ]);
  });

  it('keep their own keys: an attribute cannot forge the level, message, service or request', async () => {
    const { logger, startInvocation } = await load({ LOG_LEVEL: 'INFO', SERVICE_NAME: 'svc' });
    startInvocation(context('r-1'), false);
    logger.info('real', {
      message: 'forged',
      level: 'ERROR',
      service: 'other',
      function_request_id: 'r-forged',
      cold_start: false,
      orderId: 'o-1',
    });
    expect(documents()[0]).toEqual(
      expect.objectContaining({
        level: 'INFO',
        message: 'real',
        service: 'svc',
        function_request_id: 'r-1',
        cold_start: true,
        function_arn: lambdaContext.invokedFunctionArn,
        function_memory_size: Number(lambdaContext.memoryLimitInMB),
        orderId: 'o-1',
      }),
    );
  });

  it('write whatever they are given as one line of valid JSON: bigints, cycles, nested errors, thrown non-errors', async () => {
    const { logger } = await load({ LOG_LEVEL: 'INFO' });
    const cycle: Record<string, unknown> = { name: 'loop' };
    cycle.self = cycle;
    logger.info('odd values', { count: 10n ** 30n, cycle, cause: new RangeError('inner') });
    logger.error('thrown string', 'oops');
    logger.error('thrown number', 42);
    logger.error('thrown null', null);
    logger.error('thrown function', () => 1);
    logger.info('throwing getter', {
      get boom(): string {
        throw new Error('no');
      },
    });
    logger.info('huge', { blob: 'x'.repeat(200_000) });
    const [odd, text, number, nothing, fn, getter, huge] = documents();
    expect(odd).toMatchObject({
      count: '1000000000000000000000000000000',
      cycle: { name: 'loop', self: '[Circular]' },
      cause: { name: 'RangeError', message: 'inner' },
    });
    expect(text).toMatchObject({ message: 'thrown string', error: { type: 'string', message: 'oops' } });
    expect(number).toMatchObject({ error: { type: 'number', message: '42' } });
    expect(nothing).toMatchObject({ error: { type: 'object', value: null } });
    expect(fn).toMatchObject({ error: { type: 'function' } });
    expect(getter).toMatchObject({ message: 'throwing getter', unserializable: true });
    expect(huge).toMatchObject({ level: 'INFO', message: 'huge', truncated: true });
    expect(huge).not.toHaveProperty('blob');
    expect(Math.max(...lines.map(({ text: line }) => line.length))).toBeLessThanOrEqual(64 * 1024 + 1);
  });

  it('carry an error by name, message and stack, and the X-Ray trace when Lambda gives one', async () => {
    const { logger } = await load({ LOG_LEVEL: 'INFO', _X_AMZN_TRACE_ID: 'Root=1-abc-def;Parent=12;Sampled=1' });
    const error = new TypeError('no such thing');
    logger.error('unexpected error', error);
    expect(documents()[0]).toMatchObject({
      xray_trace_id: '1-abc-def',
      error: { name: 'TypeError', message: 'no such thing', stack: error.stack },
    });
  });

  it('keep a hostile value inside its own line (no forged line, no broken JSON)', async () => {
    const { logger } = await load({ LOG_LEVEL: 'INFO' });
    const hostile = 'x"}\n{"level":"ERROR","message":"forged"}\u0000\ud800\u202e';
    logger.info('refused', { customerId: hostile });
    const [line, ...more] = documents();
    expect(more).toEqual([]);
    expect(line!.customerId).toBe(hostile);
    expect(lines[0]!.text).toContain('\\ud800'); // the lone surrogate escaped, as well-formed JSON.stringify does
  });
});

describe('metrics (EMF)', () => {
  it('an invocation publishes one document with every metric it counted, under the service dimension', async () => {
    const { metrics, startInvocation, endInvocation } = await load({ SERVICE_NAME: 'svc', METRICS_NAMESPACE: 'NS' });
    startInvocation(context('r-1'), false);
    metrics.addMetric('Requests', 'Count', 1);
    metrics.addMetric('OldestOwedMailAge', 'Seconds', 42);
    metrics.addMetric('Requests', 'Count', 1);
    endInvocation();

    const [document, ...more] = documents();
    expect(more).toEqual([]);
    expect(document).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'NS',
            Dimensions: [['service']],
            Metrics: [
              { Name: 'Requests', Unit: 'Count' },
              { Name: 'OldestOwedMailAge', Unit: 'Seconds' },
            ],
          },
        ],
      },
      service: 'svc',
      Requests: [1, 1],
      OldestOwedMailAge: 42,
    });
    expect(typeof (document!._aws as { Timestamp: unknown }).Timestamp).toBe('number');
  });

  it('nothing counted, nothing written; the next invocation starts empty', async () => {
    const { metrics, endInvocation } = await load({});
    endInvocation();
    expect(lines).toEqual([]);
    metrics.addMetric('A', 'Count', 1);
    endInvocation();
    metrics.addMetric('B', 'Count', 1);
    endInvocation();
    expect(documents().map((document) => Object.keys(document).filter((key) => /^[AB]$/.test(key)))).toEqual([
      ['A'],
      ['B'],
    ]);
  });

  it('ColdStart once per process, with the function name as a dimension', async () => {
    const { metrics, startInvocation, endInvocation } = await load({});
    for (const id of ['r-1', 'r-2']) {
      startInvocation(context(id), true);
      endInvocation();
    }
    metrics.captureColdStartMetric('again');
    const written = documents();
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Dimensions: [['service', 'function_name']], Metrics: [{ Name: 'ColdStart' }] }] },
      function_name: lambdaContext.functionName,
      ColdStart: 1,
    });
  });

  it('no document holds more than 100 metrics or 100 values of one, and none is lost', async () => {
    const { metrics, endInvocation } = await load({});
    for (let i = 0; i < 150; i++) metrics.addMetric(`M${i}`, 'Count', 1);
    for (let i = 0; i < 250; i++) metrics.addMetric('Many', 'Count', i);
    endInvocation();
    const written = documents();
    const names = written.map(
      (document) => (document._aws as { CloudWatchMetrics: { Metrics: unknown[] }[] }).CloudWatchMetrics[0]!.Metrics,
    );
    expect(names.every((list) => list.length <= 100)).toBe(true);
    const many = written.flatMap((document) => (document.Many === undefined ? [] : [document.Many].flat()));
    expect(written.every((document) => [document.Many ?? []].flat().length <= 100)).toBe(true);
    expect(many).toEqual(Array.from({ length: 250 }, (_, i) => i));
    const singles = written.flatMap((document) => Object.keys(document).filter((key) => /^M\d+$/.test(key)));
    expect(singles.sort()).toEqual(Array.from({ length: 150 }, (_, i) => `M${i}`).sort());
  });

  it('a value CloudWatch would refuse, or a reserved name, is dropped with a warning; the rest still count', async () => {
    const { metrics, endInvocation } = await load({ LOG_LEVEL: 'WARN' });
    metrics.addMetric('Requests', 'Count', 1);
    metrics.addMetric('OldestOwedMailAge', 'Seconds', Number.NaN);
    metrics.addMetric('Spike', 'Count', Number.POSITIVE_INFINITY);
    metrics.addMetric('service', 'Count', 5);
    metrics.addMetric('_aws', 'Count', 5);
    endInvocation();
    const written = documents();
    const warnings = written.filter((line) => line.message === 'metric dropped').map((line) => line.metric);
    expect(warnings).toEqual(['OldestOwedMailAge', 'Spike', 'service', '_aws']);
    const [emf, ...more] = written.filter((line) => '_aws' in line);
    expect(more).toEqual([]);
    expect(emf).toMatchObject({ Requests: 1, service: 'purchase-orders-test' });
    expect(JSON.stringify(emf)).not.toMatch(/OldestOwedMailAge|Spike|null/);
  });

  it('METRICS_DISABLED=true writes no metric (the logs still go out)', async () => {
    const { logger, metrics, startInvocation, endInvocation } = await load({
      METRICS_DISABLED: 'true',
      LOG_LEVEL: 'INFO',
    });
    startInvocation(context('r-1'), true);
    metrics.addMetric('Requests', 'Count', 1);
    logger.info('still logged');
    endInvocation();
    expect(documents().map((line) => line.message)).toEqual(['still logged']);
  });

  it('the middy middleware publishes after a handler that throws, as after one that returns', async () => {
    const { default: middy } = await import('@middy/core');
    const { metrics, observed } = await load({});
    const failing = middy((): Promise<never> => {
      metrics.addMetric('Tried', 'Count', 1);
      return Promise.reject(new Error('boom'));
    }).use(observed());
    const succeeding = middy((): Promise<string> => {
      metrics.addMetric('Done', 'Count', 1);
      return Promise.resolve('ok');
    }).use(observed());
    await expect(failing({}, context('r-1'))).rejects.toThrow('boom');
    await expect(succeeding({}, context('r-2'))).resolves.toBe('ok');
    const [afterFailure, afterSuccess, ...more] = documents();
    expect(more).toEqual([]);
    expect(afterFailure).toMatchObject({ Tried: 1 });
    expect(afterFailure).not.toHaveProperty('Done');
    expect(afterSuccess).toMatchObject({ Done: 1 });
  });
});

describe('the API wrapper (shared/handler.ts)', () => {
  it('answers a bare 500 and counts it whatever was thrown, even a value JSON cannot hold', async () => {
    const { endInvocation } = await load({ LOG_LEVEL: 'ERROR' });
    const { apiHandler } = await import('../shared/handler.js');
    for (const thrown of [{ amountCents: 10n }, 'a string', Symbol('s')]) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what a dependency might throw
      const handler = apiHandler(() => Promise.reject(thrown));
      const response = await handler(apiEvent({ method: 'GET', resource: '/health' }), context('r-1'));
      expect(response.statusCode).toBe(500);
      expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'internal' } });
    }
    endInvocation();
    const written = documents();
    const [object, text, symbol] = written.filter((line) => line.message === 'unexpected error');
    expect(object).toMatchObject({ level: 'ERROR', amountCents: '10' });
    expect(text).toMatchObject({ error: { type: 'string', message: 'a string' } });
    expect(symbol).toMatchObject({ error: { type: 'symbol', message: 'Symbol(s)' } });
    const counted = written.filter((line) => '_aws' in line).flatMap((line) => [line.Error_internal ?? []].flat());
    expect(counted).toEqual([1, 1, 1]);
  });
});
