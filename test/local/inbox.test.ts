/** The local inbox keeps its emails across restarts (a file under the data directory), and only then. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import sesModule from 'aws-ses-v2-local';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keepInbox, releaseInbox } from '../../local/inbox.js';

const sesLocal = (sesModule as unknown as { default?: typeof sesModule }).default ?? sesModule;
let server: Server;
let url: string;

beforeAll(async () => {
  server = await sesLocal({ host: '127.0.0.1', port: 0 });
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  releaseInbox();
  await new Promise((resolve) => server.close(resolve));
});

afterEach(() => releaseInbox());

const send = (subject: string) =>
  new SESClient({ endpoint: url, region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }).send(
    new SendEmailCommand({
      Source: 'orders@opd.local',
      Destination: { ToAddresses: ['alice@customer.test'] },
      Message: { Subject: { Data: subject }, Body: { Text: { Data: `body of ${subject}` } } },
    }),
  );
const subjects = async () =>
  ((await (await fetch(`${url}/store`)).json()) as { emails: Array<{ subject: string }> }).emails.map((e) => e.subject);

describe('the local inbox', () => {
  it('keeps every email in the data directory and has them again after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'po-inbox-'));
    const file = join(dir, 'inbox.json');
    expect(keepInbox(file)).toBe(0);
    await send('first');
    await send('second');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      emails: [{ subject: 'first' }, { subject: 'second' }],
    });

    releaseInbox();
    expect(keepInbox(file)).toBe(2); // a restart: the emulator's memory is emptied, then the file read back
    expect(await subjects()).toEqual(['first', 'second']);
    await send('third');
    expect(await subjects()).toEqual(['first', 'second', 'third']);
    expect(keepInbox(file)).toBe(3);

    await fetch(`${url}/clear-store`, { method: 'POST' });
    expect(keepInbox(file)).toBe(0); // cleared in the inbox page: cleared for good
  });

  it('sets an unreadable inbox file aside instead of overwriting it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'po-inbox-'));
    const file = join(dir, 'inbox.json');
    writeFileSync(file, '{"emails": [');
    expect(keepInbox(file)).toBe(0);
    expect(readdirSync(dir).filter((name) => name.startsWith('inbox.json.unreadable-'))).toHaveLength(1);
    await send('after');
    expect(await subjects()).toEqual(['after']);
  });

  it('in memory (no data directory) writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'po-inbox-'));
    keepInbox(join(dir, 'inbox.json'));
    releaseInbox();
    await send('not kept');
    expect(existsSync(join(dir, 'inbox.json'))).toBe(false);
  });
});
