/** Runs the real `po` binary (bin/po.mjs → dist/po.mjs, built by the global setup) as a child process. */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PO = fileURLToPath(new URL('../../bin/po.mjs', import.meta.url));

export interface PoResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts `po ...args` with its three streams piped; `env` is applied over this process's (`undefined` removes). */
export function spawnPo(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [PO, ...args], {
    cwd: options.cwd,
    env: Object.fromEntries(
      Object.entries({ ...process.env, ...options.env }).filter(([, value]) => value !== undefined),
    ),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Runs `po ...args` to its end; `env` is applied over this process's environment (`undefined` removes a variable). */
export function po(
  args: readonly string[],
  options: { input?: string; cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<PoResult> {
  return finished(spawnPo(args, options), options.input);
}

/** What a spawned process (its standard streams piped) wrote and how it ended, `input` given on its standard input. */
export function finished(child: ChildProcessWithoutNullStreams, input = ''): Promise<PoResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** `po` on a pseudo-terminal (util-linux `script`), so that it asks its questions as it would a person. */
export interface PoOnTerminal {
  /** Resolves with everything printed so far once `pattern` has appeared (after what was already awaited). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Types a line at the prompt. */
  type(line: string): void;
  /** The exit code and everything printed. */
  exited: Promise<{ code: number | null; output: string }>;
}

export function poOnTerminal(args: readonly string[], env: Record<string, string>): PoOnTerminal {
  const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, PO, ...args].map(quote).join(' ');
  const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
    env: { ...process.env, ...env, TERM: 'dumb' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let seen = 0;
  const waiters: Array<() => void> = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    waiters.splice(0).forEach((wake) => wake());
  });
  const exited = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, output })),
  );
  return {
    exited,
    type: (line) => child.stdin.write(`${line}\r`),
    waitFor: (pattern, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${pattern}; got: ${output}`)),
          timeoutMs,
        );
        const check = () => {
          const match = pattern.exec(output.slice(seen));
          if (match) {
            seen += match.index + match[0].length;
            clearTimeout(timer);
            resolve(output);
          } else waiters.push(check);
        };
        check();
      }),
  };
}

/**
 * A shell command line on a pseudo-terminal, run by bash as a person would type it: each time the output ends with a
 * question `answer` knows (a password prompt, a confirmation), its answer is typed. Resolves when the line has run.
 */
export function shellOnTerminal(
  line: string,
  options: { cwd: string; env: Record<string, string>; answer: (question: string) => string | undefined },
): Promise<{ code: number | null; output: string }> {
  const quoted = `'${line.replace(/'/g, `'\\''`)}'`;
  const child = spawn('script', ['--quiet', '--return', '--command', `bash -c ${quoted}`, '/dev/null'], {
    cwd: options.cwd,
    env: { ...options.env, TERM: 'dumb' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let answeredUpTo = 0;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    const pending = output.slice(answeredUpTo);
    const question = /[^\n]*[:\]] $/.exec(pending)?.[0];
    const reply = question === undefined ? undefined : options.answer(question);
    if (reply !== undefined) {
      answeredUpTo = output.length;
      child.stdin.write(`${reply}\r`);
    }
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}
