/**
 * Runs `po`'s command parser in this process — the same `main` the binary runs — with its own arguments, environment
 * and standard input, capturing what it writes and the exit status it sets. A few milliseconds a run instead of a
 * process start, so that property tests can try hundreds of command lines. Runs must not overlap (they share the
 * process's streams, environment and exit code): await each one.
 */
import { Readable } from 'node:stream';
import { main } from '../../cli/main.js';
import type { PoResult } from './po.js';

/** Thrown instead of ending the test process if po calls process.exit(). */
export class ProcessExit extends Error {
  constructor(readonly code: number | string | null | undefined) {
    super(`po called process.exit(${String(code)})`);
  }
}

/**
 * Runs `po ...args`. `env` is applied over the current environment (a value `undefined` removes the variable) and
 * undone afterwards; standard input is `input` (default: empty, as a pipe at its end).
 */
export async function poInProcess(
  args: readonly string[],
  options: { env?: Record<string, string | undefined>; input?: string } = {},
): Promise<PoResult> {
  const savedEnv = { ...process.env };
  const stdinDescriptor = Object.getOwnPropertyDescriptor(process, 'stdin')!;
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  const exit = process.exit.bind(process);
  let stdout = '';
  let stderr = '';
  const capture =
    (append: (text: string) => void) =>
    (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const callback = rest.find((value): value is () => void => typeof value === 'function');
      callback?.();
      return true;
    };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  Object.defineProperty(process, 'stdin', {
    value: Readable.from([Buffer.from(options.input ?? '')]),
    configurable: true,
    enumerable: true,
  });
  process.stdout.write = capture((text) => (stdout += text));
  process.stderr.write = capture((text) => (stderr += text));
  process.exit = (code?: number | string | null) => {
    throw new ProcessExit(code);
  };
  process.exitCode = undefined;
  try {
    await main(['node', 'po', ...args]);
    const code = process.exitCode ?? 0;
    return { code: typeof code === 'number' ? code : Number(code), stdout, stderr };
  } finally {
    process.exitCode = undefined;
    process.exit = exit;
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    Object.defineProperty(process, 'stdin', stdinDescriptor);
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
  }
}
