/**
 * The handlers' metrics (shared/observability.ts): the EMF documents CloudWatch turns into metrics, their limits, the
 * cold-start metric once per process, what is dropped rather than lose a whole document, and the publishing after a
 * handler that throws — middy's and the API wrapper's. Log lines: test/observability.test.ts.
 */
import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { apiEvent, lambdaContext } from './helpers/aws.js';
import { captureObservability, invocationContext as context } from './helpers/observability.js';

const { lines, load, documents } = captureObservability();

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
