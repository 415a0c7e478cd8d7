/**
 * The handlers' log lines (shared/observability.ts): what each holds and where it goes, the levels, and hostile values
 * that must neither forge a line's own keys nor break its JSON. Metrics: test/metrics.test.ts.
 */
import { describe, expect, it, vi } from 'vitest';
import { lambdaContext } from './helpers/aws.js';
import { captureObservability, invocationContext as context } from './helpers/observability.js';

const { lines, load, documents } = captureObservability();

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
