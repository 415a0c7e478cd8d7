/**
 * What the logs-and-metrics tests share (test/observability.test.ts, test/metrics.test.ts): every line written to
 * stdout and stderr captured, and shared/observability.ts loaded afresh with the settings a test gives (it reads them
 * once, when loaded).
 */
import { afterEach, beforeEach, expect, vi } from 'vitest';
import type * as ObservabilityModule from '../../shared/observability.js';
import { lambdaContext } from './aws.js';

type Observability = typeof ObservabilityModule;

/** A captured write: which stream, what text. */
export interface WrittenLine {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

/** Captures stdout and stderr around each test of the calling file; returns what was written, and the loaders. */
export function captureObservability() {
  const lines: WrittenLine[] = [];
  beforeEach(() => {
    lines.length = 0;
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

  return {
    lines,
    /** The module, loaded with these settings (over the test setup's: no logs, metrics disabled — here enabled). */
    load: async (settings: Record<string, string | undefined>): Promise<Observability> => {
      for (const [name, value] of Object.entries({ METRICS_DISABLED: 'false', ...settings })) vi.stubEnv(name, value);
      return import('../../shared/observability.js');
    },
    /** Every line written, parsed: each must be one JSON document ending in a newline. */
    documents: (): Record<string, unknown>[] =>
      lines.map(({ text }) => {
        expect(text.endsWith('\n') && !text.slice(0, -1).includes('\n')).toBe(true);
        return JSON.parse(text) as Record<string, unknown>;
      }),
  };
}

/** A Lambda context for request `requestId`. */
export const invocationContext = (requestId: string) => ({ ...lambdaContext, awsRequestId: requestId });
