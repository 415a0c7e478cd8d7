/** The local stack's start-up checks give a clear message and a way out. */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkJava } from '../../local/dynamodb.js';
import { LocalStackError } from '../../local/errors.js';
import { startLocalStack } from '../../local/stack.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('local stack start-up checks', () => {
  it('says Java is missing and how to install it', () => {
    vi.stubEnv('PATH', mkdtempSync(join(tmpdir(), 'po-no-java-')));
    expect(() => checkJava()).toThrow(LocalStackError);
    try {
      checkJava();
    } catch (error) {
      expect((error as LocalStackError).message).toMatch(/Java was not found/);
      expect((error as LocalStackError).remedy).toMatch(/openjdk-17-jre-headless/);
    }
  });

  it('finds the Java this machine has', () => {
    expect(() => checkJava()).not.toThrow();
  });

  it('refuses a taken port before starting anything, naming the option to change', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(
        startLocalStack({ apiPort: port, inboxPort: 0, demoDirectory: mkdtempSync(join(tmpdir(), 'po-port-')) }),
      ).rejects.toMatchObject({
        message: `port ${port} is already in use`,
        remedy: expect.stringContaining('--api-port') as unknown,
      });
    } finally {
      blocker.close();
    }
  });
});
