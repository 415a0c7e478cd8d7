/**
 * What `npm start` prints of the handlers: by default their warnings and errors only — no INFO line, no metric (EMF
 * JSON) — and with --verbose both, as on Lambda. The handlers' logger and metrics (shared/observability.ts) read their
 * settings from the environment once, when that module is loaded, so the local stack's settings count only if
 * nothing loads that module before the stack sets them: the handler is called here after loading the local stack
 * the way `npm start` does, with no logging settings of its own in the environment. Output is captured as in
 * test/logging.test.ts.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiEvent, installWorld, lambdaContext } from '../helpers/aws.js';

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let captured: string[];

beforeEach(() => {
  captured = [];
  installWorld();
  vi.resetModules();
  // A shell with no logging settings (the test setup silences the logs and metrics of every other test).
  for (const name of ['LOG_LEVEL', 'METRICS_DISABLED', 'SERVICE_NAME']) vi.stubEnv(name, undefined);
  for (const stream of [process.stdout, process.stderr])
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      return true;
    });
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

/**
 * Loads the local stack as `npm start` does, applies the environment it gives the handlers, and calls the login
 * handler with a request it refuses: a handler that logs at INFO ("request refused") and counts two metrics.
 * Returns everything written meanwhile.
 */
async function handlerOutput(options: { verbose?: boolean }): Promise<string> {
  const { observabilityEnvironment } = await import('../../local/stack.js');
  for (const [name, value] of Object.entries(observabilityEnvironment(options))) vi.stubEnv(name, value);
  const login = (await import('../../functions/login/index.js')).handler as unknown as Handler;
  const refused = await login(
    apiEvent({ method: 'POST', resource: '/login', body: { customerId: 'alice' } }),
    lambdaContext,
  );
  expect(refused.statusCode).toBe(400);
  return captured.join('');
}

/** An EMF document: how a metric is printed. */
const EMF = /"_aws":\{"Timestamp"/;

describe('npm start prints what its --verbose option says', () => {
  it('by default, warnings only: no INFO line and no metric', async () => {
    const output = await handlerOutput({});
    expect(output).not.toContain('"level":"INFO"');
    expect(output).not.toMatch(EMF);
  });

  it('--verbose: the INFO lines and every metric, as on Lambda', async () => {
    const output = await handlerOutput({ verbose: true });
    expect(output).toMatch(/"level":"INFO".*"message":"request refused"/);
    expect(output).toMatch(EMF);
    expect(output).toContain('"Requests":1');
  });

  it("nothing npm start imports before it starts the stack loads the handlers' logger and metrics", async () => {
    // Static imports are loaded before a module's code runs; dynamic ones (the handlers) when the stack gets to them.
    const { metafile } = await build({
      entryPoints: [`${ROOT}/local/start.ts`],
      absWorkingDir: ROOT,
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'silent',
    });
    const loaded = new Set<string>();
    const visit = (file: string) => {
      if (loaded.has(file)) return;
      loaded.add(file);
      for (const imported of metafile.inputs[file]?.imports ?? [])
        if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
    };
    visit('local/start.ts');
    expect(loaded).toContain('local/stack.ts'); // the walk sees the stack
    expect(
      [...loaded].filter((file) => file.startsWith('shared/services/') || file === 'shared/observability.ts'),
    ).toEqual([]);
  });
});
