/**
 * `po admin audit`: the query it sends, the table it prints (changes on one line: before → after, amounts and
 * entries), its "More:" line, and its options checked before anything is sent. Against a small stand-in for
 * `GET /admin/audit`.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changesText } from '../../shared/audit.js';
import { parseTimeOption } from '../../cli/input.js';
import { tempDir } from '../helpers/openssl.js';
import { po } from '../helpers/po.js';

describe('a record’s changes on one line', () => {
  it.each([
    [{ priceCents: { before: 1250, after: 1400 } }, undefined, 'priceCents 1250 → 1400'],
    [
      { amountCents: 10_000, entry: 3, reference: 'wire 2026-12-07', balanceCents: { before: 0, after: 10_000 } },
      undefined,
      "amountCents 10000 entry 3 reference 'wire 2026-12-07' balanceCents 0 → 10000",
    ],
    [{ name: { after: 'Bolt' }, stock: { after: 100 } }, undefined, 'name Bolt stock 100'],
    [{ name: { before: 'Widget', after: "Widget 'steel'" } }, undefined, "name Widget → 'Widget '\\''steel'\\'''"],
    [{ roles: { before: ['clerk'], after: ['clerk', 'finance'] } }, undefined, 'roles clerk → clerk,finance'],
    [{ kinds: ['email', 'notice'], customerId: 'alice' }, undefined, 'kinds email,notice customerId alice'],
    [{ activeKey: { after: 'kid-2' } }, undefined, 'activeKey kid-2'],
    [
      { status: { before: 'accepted', after: 'cancelled' } },
      'out of stock',
      "status accepted → cancelled reason 'out of stock'",
    ],
    [{}, undefined, ''],
  ])('%j → %s', (changes, reason, text) => {
    expect(changesText(changes, reason)).toBe(text);
  });
});

describe('--since and --until', () => {
  const now = Date.parse('2026-12-07T12:00:00.000Z');
  it.each([
    ['30m', '2026-12-07T11:30:00.000Z'],
    ['12h', '2026-12-07T00:00:00.000Z'],
    ['2d', '2026-12-05T12:00:00.000Z'],
    ['1w', '2026-11-30T12:00:00.000Z'],
    ['2026-12-01', '2026-12-01T00:00:00.000Z'],
    ['2026-12-01T10:00+01:00', '2026-12-01T09:00:00.000Z'],
  ])('%s is %s', (text, iso) => {
    expect(parseTimeOption(text, now)).toBe(iso);
  });

  it.each(['yesterday', '2d ago', '-2d', '2y', '2026-12-01T10:00', '9999999d'])('refuses %j', (text) => {
    expect(() => parseTimeOption(text, now)).toThrow(/ISO 8601 date or time with its zone/);
  });
});

describe('po admin audit', () => {
  const home = tempDir('po-cli-audit-');
  const env = { PO_CONFIG_DIR: join(home, 'config') };
  const asked: string[] = [];
  let server: Server;
  const record = {
    auditId: 'a1',
    time: '2026-12-07T10:02:11.402Z',
    actor: 'cato',
    actorKind: 'staff',
    actorRoles: ['catalog'],
    action: 'product.update',
    target: 'WIDGET-1',
    targetType: 'product',
    changes: { priceCents: { before: 1250, after: 1400 } },
    requestId: 'req-1',
  };

  beforeAll(async () => {
    server = createServer((request, response) => {
      asked.push(`${request.method} ${request.url} ${request.headers.authorization}`);
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          since: '2026-11-07T12:00:00.000Z',
          until: '2026-12-07T12:00:00.000Z',
          records: [record, { ...record, auditId: 'a2', actor: 'npm start', actorKind: 'operator', actorRoles: [] }],
          next: 'eyJuZXh0IjoxfQ',
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    expect((await po(['--profile', 'sec', 'config', '--api', url, '--staff', 'sec'], { env })).code).toBe(0);
    mkdirSync(join(home, 'config', 'sessions'), { recursive: true });
    const session = { token: 'staff-token', expiresAt: '2999-01-01T00:00:00.000Z', kind: 'staff', staffId: 'sec' };
    writeFileSync(
      join(home, 'config', 'sessions', 'sec.json'),
      JSON.stringify({ ...session, roles: ['security'], mustChangePassword: false }),
      { mode: 0o600 },
    );
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('asks with its filters and session, and prints the records as a table with how to go on', async () => {
    const result = await po(
      [
        '--profile',
        'sec',
        'admin',
        'audit',
        '--target',
        'WIDGET-1',
        '--action',
        'product.update',
        '--since',
        '2026-12-01',
      ],
      { env },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(asked.at(-1)).toBe(
      'GET /admin/audit?target=WIDGET-1&action=product.update&since=2026-12-01T00%3A00%3A00.000Z&limit=25 Bearer staff-token',
    );
    expect(result.stdout.split('\n')).toEqual([
      'audit records from 2026-11-07T12:00:00.000Z to 2026-12-07T12:00:00.000Z, newest first:',
      'TIME                      ACTOR (ROLES)         ACTION          TARGET    CHANGES',
      '2026-12-07T10:02:11.402Z  cato (catalog)        product.update  WIDGET-1  priceCents 1250 → 1400',
      '2026-12-07T10:02:11.402Z  npm start (operator)  product.update  WIDGET-1  priceCents 1250 → 1400',
      'More (older): po --profile sec admin audit --target WIDGET-1 --action product.update --limit 25 --cursor eyJuZXh0IjoxfQ',
      '',
    ]);
  });

  it('--json: the answer as it came', async () => {
    const result = await po(['--profile', 'sec', '--json', 'admin', 'audit', '--actor', 'npm start'], { env });
    expect(asked.at(-1)).toContain('?actor=npm+start&limit=25 ');
    expect(JSON.parse(result.stdout)).toMatchObject({ records: [record, { actor: 'npm start' }] });
  });

  it.each([
    [['--since', 'yesterday'], 'a time is an ISO 8601'],
    [['--action', 'product.delete'], '--action is one of: product.add'],
    [['--actor', 'fran\u0007'], '--actor is a staff or customer ID'],
    [['--target', 'W'.repeat(200)], '--target is a SKU'],
    [['--limit', '0'], '--limit is how many'],
    [['--cursor', 'eyJ4IjoxfQ', '--since', '1d'], '--cursor carries its time range'],
  ])('refuses %j before sending anything: usage, exit 2', async (args, message) => {
    const before = asked.length;
    const result = await po(['--profile', 'sec', 'admin', 'audit', ...args], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('[usage]');
    expect(asked).toHaveLength(before);
  });
});
