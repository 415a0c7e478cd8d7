/** Runs the real `po` binary (bin/po.mjs → dist/po.mjs, built by the global setup) as a child process. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PO = fileURLToPath(new URL('../../bin/po.mjs', import.meta.url));

export interface PoResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function po(
  args: readonly string[],
  options: { input?: string; cwd?: string; env?: Record<string, string> } = {},
): Promise<PoResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PO, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}
