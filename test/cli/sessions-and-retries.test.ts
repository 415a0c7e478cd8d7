/**
 * What po does with a fake OPD's answers beyond receipts: a session refreshed in its last minutes, every exit status,
 * "More:" lines, and requests sent again (the same credit, the same signed order) after a lost answer.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../cli/output.js';
import { fakeOpdForThisBlock } from '../helpers/cli.js';
import { po, spawnPo } from '../helpers/po.js';

describe('po order checks every receipt (against a fake OPD that misbehaves)', () => {
  const fake = fakeOpdForThisBlock();
  const { home, env, order } = fake;

  it('a session in its last minutes is refreshed before the command uses it; one with time left is not', async () => {
    const file = join(home, 'config', 'sessions', 'fresh.json');
    const write = (minutesLeft: number) =>
      writeFileSync(
        file,
        JSON.stringify({
          token: 'about-to-expire',
          expiresAt: new Date(Date.now() + minutesLeft * 60_000).toISOString(),
          customerId: 'alice',
          kind: 'customer',
        }),
        { mode: 0o600 },
      );
    write(10);
    const before = fake.opd.refreshes;
    expect((await po(['--profile', 'fresh', 'orders'], { env })).code).toBe(0);
    expect(fake.opd.refreshes).toBe(before);
    write(2);
    expect((await po(['--profile', 'fresh', 'orders'], { env })).code).toBe(0);
    expect(fake.opd.refreshes).toBe(before + 1);
    const kept = JSON.parse(readFileSync(file, 'utf8')) as { token: string; expiresAt: string };
    expect(kept.token).toBe(`refreshed-${before + 1}`);
    expect(Date.parse(kept.expiresAt)).toBeGreaterThan(Date.now() + 14 * 60_000);
  });

  it("every exit status of the README's table, through the real binary", async () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('| exit | meaning'));
    const documented = [...table.slice(0, table.indexOf('\n\n')).matchAll(/^\| (\d+) +\|/gm)].map((m) => Number(m[1]));
    expect(documented).toEqual([0, 1, 2, 3, 70]);
    const session = (profile: string, token: string) =>
      writeFileSync(
        join(home, 'config', 'sessions', `${profile}.json`),
        JSON.stringify({ token, expiresAt: '2999-01-01T00:00:00.000Z', kind: 'customer', customerId: 'alice' }),
        { mode: 0o600 },
      );
    const ended = 'exit-ended';
    expect((await po(['--profile', ended, 'config', '--api', fake.opd.url], { env })).code).toBe(0);
    session(ended, 'ended-session');
    const expired = 'exit-expired';
    expect((await po(['--profile', expired, 'config', '--api', fake.opd.url], { env })).code).toBe(0);
    writeFileSync(
      join(home, 'config', 'sessions', `${expired}.json`),
      JSON.stringify({ token: 't', expiresAt: '2001-01-01T00:00:00.000Z', kind: 'customer', customerId: 'alice' }),
    );
    expect((await po(['--profile', 'exit-offline', 'config', '--api', 'http://127.0.0.1:9'], { env })).code).toBe(0);
    fake.opd.behaviour = {};

    const cases: Array<[number, string[]]> = [
      [0, ['--profile', 'alice', 'orders']],
      [0, ['--profile', 'alice', '--json', 'order', 'WIDGET-1:1', '--yes']],
      [1, ['--profile', 'alice', 'trust', 'server-key', 'A'.repeat(43)]], // po's key trust said no
      [1, ['--profile', 'exit-offline-test-fails', 'whoami']], // not logged in: whoami reports it and says no
      [2, ['--profile', 'alice', 'order', 'WIDGET-1:0', '--yes']],
      [2, ['--profile', 'alice', 'orders', '--limit', '0']],
      [2, ['--profile', 'alice', 'orders', '--bogus']],
      [2, ['--profile', 'alice', 'order', 'WIDGET-1:1', '--yes', '--key', join(home, 'missing.pem')]],
      [2, ['--profile', 'nobody', 'orders']], // not logged in
      [2, ['--profile', expired, 'orders']], // the session expired
      [2, ['--profile', ended, 'orders']], // the OPD ended it: the same remedy, log in
      [3, ['--profile', 'exit-offline', 'test']],
    ];
    for (const [code, args] of cases) {
      const result = await po(args, { env });
      expect([args.join(' '), result.code], result.stderr).toEqual([args.join(' '), code]);
      // An error says its code; a report that says no (po whoami, po test) says why on standard output.
      if (code !== 0) expect(result.stderr + result.stdout).toMatch(/\[[a-z_]+\]$|not logged in/m);
    }
    expect(exitCodeFor(new TypeError('a bug'))).toBe(70); // no command can reach a bug on purpose
  });

  it('po trust takes server-key or receipt-key only (usage, exit 2)', async () => {
    const bad = await po(['--profile', 'alice', 'trust', 'host-key', 'x'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('po trust takes server-key or receipt-key');
  });

  it('a credit whose progress line meets a closed standard error is still sent again and finished (exit 0)', async () => {
    fake.opd.behaviour = { loseCreditAnswers: 1 };
    const before = fake.opd.credits.length;
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawnPo(['--profile', 'alice', 'admin', 'customers', 'credit', 'bob', '1', '--reference', 'x'], {
        env,
      });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.destroy(); // nobody reads the progress line "sending the same credit again"
      child.stdin.end();
      child.on('close', (code) => resolve({ code, stdout }));
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Credited bob USD 1\.00/);
    const sent = fake.opd.credits.slice(before);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.idempotencyKey).toBe(sent[0]!.idempotencyKey);
  });

  it('the "More:" line of a page names the profile, so that it runs as printed', async () => {
    const page = await po(['--profile', 'alice', 'orders'], { env });
    expect(page.code, page.stderr).toBe(0);
    const more = /^More: (.*?) {3}\(or /m.exec(page.stdout)?.[1];
    expect(more).toBe('po --profile alice orders --cursor eyJuZXh0IjoicGFnZSJ9');
    const next = await po(more!.split(' ').slice(1), { env }); // as a person copies it
    expect(next.code, next.stderr).toBe(0);
  });

  it('po admin customers credit: one Idempotency-Key per command, sent again with the credit after a lost answer', async () => {
    fake.opd.behaviour = { loseCreditAnswers: 1 };
    const before = fake.opd.credits.length;
    const credit = () =>
      po(['--profile', 'alice', 'admin', 'customers', 'credit', 'bob', '12.50', '--reference', 'wire 7731'], { env });
    const first = await credit();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/sending the same credit \(same Idempotency-Key\) again \(attempt 2 of 3\)/);
    expect(first.stdout).toMatch(/^Credited bob USD 12\.50 \(ledger entry \d+, credit\)/);
    const second = await credit();
    expect(second.code, second.stderr).toBe(0);
    const keys = fake.opd.credits.slice(before).map((credit) => credit.idempotencyKey);
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(keys[1]).toBe(keys[0]); // the lost one, again
    expect(keys[2]).not.toBe(keys[0]); // a new command is a new credit
  });

  it.each([
    [['admin', 'products', 'restock', '..', '5']],
    [['admin', 'customers', 'unlock', '.']],
    [['admin', 'keys', 'revoke', 'bob', '..']],
  ])(
    'po %j: "." and ".." are refused before anything is sent (fetch would resolve them into another route)',
    async (args) => {
      const sent = fake.opd.credits.length;
      const result = await po(['--profile', 'alice', ...args], { env });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/is not an ID: no ID is empty, "\." or "\.\." \[usage\]\n$/);
      expect(fake.opd.credits).toHaveLength(sent);
    },
  );

  it('an OPD that fails the order once gets the same signed order again, so nothing is ordered twice', async () => {
    fake.opd.behaviour = { failOrders: 1 };
    const sentBefore = fake.opd.envelopes.length;
    const result = await order();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/sending the same signed order again \(attempt 2 of 3\)/);
    const sent = fake.opd.envelopes.slice(sentBefore);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toBe(sent[0]);
  });
});
