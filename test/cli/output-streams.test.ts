/** A reader of po's output that goes away (`po … | head -1`, a closed standard error) is not a crash. */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/openssl.js';
import { spawnPo } from '../helpers/po.js';

describe('a reader that goes away is not a crash: po stops quietly, like git and gh', () => {
  /** Runs po; `reader` decides when to stop reading its output and close the pipe. */
  const closedEarly = (
    args: string[],
    env: Record<string, string>,
    reader: (child: ChildProcessWithoutNullStreams) => void,
  ): Promise<{ code: number | null; signal: string | null; stderr: string }> =>
    new Promise((resolve) => {
      const child = spawnPo(args, { env });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.stdin.end();
      reader(child);
      child.on('close', (code, signal) => resolve({ code, signal, stderr }));
    });
  /** Reads standard output up to its first line break, then closes it, as `head -1` does. */
  const headOne = (child: ChildProcessWithoutNullStreams) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (!seen.includes('\n')) return;
      child.stdout.off('data', onData);
      child.stdout.destroy();
    };
    child.stdout.on('data', onData);
  };

  it('po profiles (a 300 KB table) | head -1: exit 0, nothing on standard error', async () => {
    const dir = tempDir('po-cli-pipe-');
    const profiles = Object.fromEntries(
      Array.from({ length: 3000 }, (_, i) => [`profile-${i}`, { apiUrl: 'http://127.0.0.1:9', customerId: `c-${i}` }]),
    );
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ profiles }), { mode: 0o600 });
    const result = await closedEarly(['profiles'], { PO_CONFIG_DIR: dir }, headOne);
    expect(result).toEqual({ code: 0, signal: null, stderr: '' });
  });

  it('po admin orders --help, its reader gone before it writes: exit 0, nothing on standard error', async () => {
    const result = await closedEarly(['admin', 'orders', '--help'], {}, (child) => child.stdout.destroy());
    expect(result).toEqual({ code: 0, signal: null, stderr: '' });
  });

  it('a usage error with standard error closed: still exit 2, no crash', async () => {
    const result = await closedEarly(['no-such-command'], {}, (child) => {
      child.stderr.destroy();
      child.stdout.resume();
    });
    expect(result.code).toBe(2);
  });
});
