/**
 * End to end against a real local stack, started on random ports and stopped afterwards, through `po`: sessions on
 * the server, the CLI's whole journey with the server key pinned and rotated, and accounts, cancellations and the
 * admin's queue.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sealOrder } from '../../shared/envelope/index.js';
import { parsePrivateKeyPem, parsePublicKeyPem, signingKey } from '../../shared/keys.js';
import {
  OPENING_BALANCE,
  PASSWORD,
  call,
  emailsFor,
  newProduct,
  poWorkspace,
  e2eStackForThisFile,
  stockOf,
} from '../helpers/e2e.js';

const e2e = e2eStackForThisFile();

describe('sessions on the server', () => {
  it('po logout ends the session everywhere (a copied token is refused, the order cache too); whoami and profiles', async () => {
    const { home, run, setUpCustomer } = await poWorkspace('po-sessions-');
    await newProduct('SES-1', 10, 100);
    await setUpCustomer('ses-erin', 'ed25519', ['laptop', 'phone']);
    const sessionOf = (profile: string) =>
      JSON.parse(readFileSync(join(home, 'config', 'sessions', `${profile}.json`), 'utf8')) as { token: string };
    const copied = sessionOf('phone').token;
    expect((await run(['--profile', 'phone', 'order', 'SES-1:1', '--yes'])).code).toBe(0); // the authorizer's answer is cached

    const whoami = await run(['--profile', 'laptop', 'whoami']);
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(whoami.stdout).toMatch(/^profile {3}laptop \(http:\/\/127\.0\.0\.1:\d+\)$/m);
    expect(whoami.stdout).toMatch(/^customer {2}ses-erin$/m);
    expect(whoami.stdout).toMatch(/^session {3}customer, valid until \d{4}-\d\d-\d\dT/m);
    const profiles = await run(['profiles']);
    expect(profiles.stdout.split('\n')[0]).toMatch(/^PROFILE\s+ACCOUNT\s+API\s+SESSION$/);
    expect(profiles.stdout).toMatch(/^phone\s+ses-erin\s+http:\S+\s+until /m);

    const logout = await run(['--profile', 'laptop', 'logout']);
    expect(logout.code, logout.stderr).toBe(0);
    expect(logout.stdout).toBe('logged out: every session of ses-erin has ended\n');
    expect((await call('GET', '/orders', { token: copied })).status).toBe(401);
    const before = await stockOf('SES-1', e2e.adminToken);
    const envelope = sealOrder({
      customerId: 'ses-erin',
      items: [{ sku: 'SES-1', qty: 1, unitPriceCents: 100 }],
      currency: 'USD',
      signer: signingKey(parsePrivateKeyPem(readFileSync(join(home, 'keys', 'ses-erin.key.pem'), 'utf8'))),
      server: e2e.server,
    });
    const cachedRoute = await call('POST', '/orders', { token: copied, body: { envelope } });
    expect(cachedRoute.status).toBe(401); // the cached authorizer answer let it through; the commit refused it
    expect(await stockOf('SES-1', e2e.adminToken)).toBe(before);

    const afterwards = await run(['--profile', 'phone', 'whoami']);
    expect(afterwards.code).toBe(0); // po cannot know yet: the session file is still there
    const refused = await run(['--profile', 'phone', 'orders']);
    expect(refused.code).toBe(2); // like an expired session: log in again
    expect(refused.stderr).toMatch(/the session has ended; run `po login` \[unauthorized\]\n$/);
    expect((await run(['--profile', 'laptop', 'whoami'])).stdout).toMatch(/^session {3}not logged in: po login$/m);
    expect((await run(['--profile', 'laptop', 'logout'])).stdout).toBe('was not logged in\n');
  });
});

describe('the po CLI against the local stack', () => {
  it('keygen → admin registers the customer → login → order → email → po orders; pin, rotation and errors', async () => {
    const { home, run, registerCustomer } = await poWorkspace('po-cli-e2e-');

    await newProduct('CLI-1', 20, 1999);

    const keygen = await run(['keygen', '--alg', 'dsa', '--out', join(home, 'keys'), '--name', 'carol']);
    expect(keygen.code).toBe(0);
    const added = await registerCustomer('cli-carol', 'cli-carol@customer.test', join(home, 'keys', 'carol.pub.pem'));
    expect(JSON.parse(added.stdout)).toMatchObject({ customerId: 'cli-carol', keyIds: [keygen.stdout.trim()] });

    expect(
      (
        await run([
          '--profile',
          'carol',
          'config',
          '--api',
          e2e.stack.apiUrl,
          '--customer',
          'cli-carol',
          '--key',
          join(home, 'keys', 'carol.key.pem'),
        ])
      ).code,
    ).toBe(0);
    const login = await run(['--profile', 'carol', 'login', '--password-stdin'], `${PASSWORD}\n`);
    expect(login.stdout).toMatch(/^logged in as cli-carol \(customer\)/);
    for (const file of ['config.json', 'sessions/carol.json'])
      expect(statSync(join(home, 'config', file)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(home, 'config', 'config.json'), 'utf8')).not.toContain(PASSWORD);

    const order = await run(['--profile', 'carol', '--json', 'order', 'CLI-1:2', '--note', 'by the CLI', '--yes']);
    expect(order.code, order.stderr).toBe(0);
    const placed = JSON.parse(order.stdout) as { orderId: string; totalCents: number; signature: { alg: string } };
    expect(placed).toMatchObject({ totalCents: 3998, signature: { alg: 'DS256' } });
    // The OPD's keys are kept for as long as its Cache-Control says (60 s and 300 s), so the next order asks only for
    // the quote and sends the order.
    const kept = JSON.parse(readFileSync(join(home, 'config', 'cache', 'carol.json'), 'utf8')) as {
      apiUrl: string;
      entries: Record<string, { storedAt: number; expiresAt: number }>;
    };
    expect(kept.apiUrl).toBe(e2e.stack.apiUrl);
    expect(
      Object.fromEntries(Object.entries(kept.entries).map(([what, entry]) => [what, entry.expiresAt - entry.storedAt])),
    ).toEqual({ serverKey: 60_000, receiptKeys: 300_000 });
    await e2e.stack.poller.drained();
    const mails = await emailsFor('cli-carol@customer.test');
    expect(mails.map((e) => e.subject)).toEqual([`Order ${placed.orderId} accepted`]);
    expect(mails[0]!.text).toContain('Your note: by the CLI');
    expect(mails[0]!.html).toContain('Your note: by the CLI');
    const listed = (await run(['--profile', 'carol', 'orders'])).stdout;
    expect(listed.split('\n')[0]).toMatch(/^ORDER\s+ACCEPTED\s+STATUS\s+TOTAL\s+LINES\s+EMAIL$/);
    expect(listed).toMatch(new RegExp(`^${placed.orderId}\\s+\\S+\\s+accepted\\s+USD 39\\.98\\s+1\\s+`, 'm'));
    const shown = (await run(['--profile', 'carol', 'orders', 'show', placed.orderId])).stdout;
    expect(shown).toContain('evidence (JWS): ');
    expect(shown).toContain('  note: by the CLI');
    const test = await run(['--profile', 'carol', 'test']);
    expect(test.stdout).toMatch(/session\s+valid for cli-carol/);

    // A refusal is one sentence and its code, exit 1; an unreachable API is exit 3.
    const short = await run(['--profile', 'carol', 'order', 'CLI-1:500', '--yes']);
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/note: only 18 of CLI-1 in stock now; the OPD will refuse more/);
    expect(short.stderr.trim().split('\n').at(-1)).toBe('po: not enough stock for CLI-1: 18 left [out_of_stock]');
    expect((await run(['--profile', 'nowhere', 'config', '--api', 'http://127.0.0.1:9'])).code).toBe(0);
    const offline = await run(['--profile', 'nowhere', 'test']);
    expect(offline.code).toBe(3);
    expect(offline.stderr).toMatch(/cannot reach .*\[network\]/);

    // The server key is trusted like an ssh host key: after a rotation po stops before sending anything until the
    // person accepts the new fingerprint, which the admin was shown when rotating.
    const rotation = await run(['--profile', 'admin', 'admin', 'rotate-server-key']);
    expect(rotation.code, rotation.stderr).toBe(0);
    const announced = /fingerprint (\S+)/.exec(rotation.stdout)![1]!;
    expect(rotation.stdout).toContain(`po trust server-key ${announced.startsWith('-') ? '-- ' : ''}${announced}`);
    const history = (await call('GET', '/server-key')).body as {
      fingerprint: string;
      history: Array<{ fingerprint: string; status: string }>;
    };
    expect(history.fingerprint).toBe(announced);
    expect(history.history.map((entry) => entry.status)).toEqual(expect.arrayContaining(['active', 'retiring']));
    const stockBefore = await stockOf('CLI-1', e2e.adminToken);
    // --no-cache: for up to 60 s po would seal to the key it kept, which the OPD still opens in its grace period.
    const afterRotation = await run(['--profile', 'carol', 'order', 'CLI-1:1', '--yes', '--no-cache']);
    expect(afterRotation.code).toBe(1);
    expect(afterRotation.stderr).toContain('[server_key_changed]');
    expect(afterRotation.stderr).toContain(`fingerprint ${announced}`);
    expect(await stockOf('CLI-1', e2e.adminToken)).toBe(stockBefore); // nothing was sent
    const tested = await run(['--profile', 'carol', 'test']);
    expect(tested.code).toBe(1);
    expect(tested.stdout).toContain('server key    CHANGED');
    const printed = afterRotation.stderr
      .split('\n')
      .find((line) => line.includes(' trust server-key '))!
      .trim();
    expect(afterRotation.stderr).toMatch(
      /^po: the OPD's server key is not the one this profile trusts; nothing was sent\. \[server_key_changed\]$/m,
    );
    const accepted = await run(
      // the line exactly as printed
      printed.split(' ').slice(1),
    );
    expect(accepted.code, accepted.stderr).toBe(0);
    const ordered = await run(['--profile', 'carol', 'order', 'CLI-1:1', '--yes']);
    expect(ordered.code, ordered.stderr).toBe(0);
    expect(await stockOf('CLI-1', e2e.adminToken)).toBe(stockBefore - 1);

    // A different key under the trusted ID is refused the same way.
    const config = JSON.parse(readFileSync(join(home, 'config', 'config.json'), 'utf8')) as {
      profiles: Record<string, { serverKey: { fingerprint: string } }>;
    };
    config.profiles.carol!.serverKey.fingerprint = 'A'.repeat(43);
    writeFileSync(join(home, 'config', 'config.json'), JSON.stringify(config), { mode: 0o600 });
    const substituted = await run(['--profile', 'carol', 'order', 'CLI-1:1', '--yes']);
    expect(substituted.code).toBe(1);
    expect(substituted.stderr).toContain('[server_key_changed]');
    const key = (await call('GET', '/server-key')).body as { kid: string; publicKeyPem: string };
    e2e.server = { kid: key.kid, publicKey: parsePublicKeyPem(key.publicKeyPem) }; // later tests seal to the new key
  });
});

describe('po: account, cancel, and the admin queue', () => {
  it('shows the balance and ledger, cancels with evidence po verify accepts, and the admin works the queue', async () => {
    const { home, run, setUpCustomer } = await poWorkspace('po-money-');
    await newProduct('CLI-M', 20, 1250);
    await setUpCustomer('cli-payer', 'ed25519');
    const json = <T>(result: { code: number | null; stdout: string; stderr: string }): T => {
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as T;
    };
    expect(json<{ balanceCents: number }>(await run(['--json', 'account'])).balanceCents).toBe(OPENING_BALANCE);

    const placed = json<{ orderId: string }>(await run(['--json', 'order', 'CLI-M:2', '--yes']));
    const shown = await run(['account', '--limit', '1']);
    expect(shown.stdout).toContain(`balance USD ${((OPENING_BALANCE - 2500) / 100).toFixed(2)}`);
    expect(shown.stdout).toMatch(new RegExp(`order\\s+-25\\.00.*${placed.orderId}`));
    expect(shown.stdout).toContain('More: po account --cursor');
    expect(shown.stdout).toMatch(/^ {2}KEY ID\s+ALG\s+STATUS\s+ADDED\s+REVOKED$/m);

    const cancelled = await run(['orders', 'cancel', placed.orderId, '--yes']);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toContain('cancellation receipt verified: refund USD 25.00 in ledger entry 3');
    expect(json<{ balanceCents: number }>(await run(['--json', 'account'])).balanceCents).toBe(OPENING_BALANCE);
    expect((await run(['orders'])).stdout).toMatch(new RegExp(`${placed.orderId}\\s+\\S+\\s+cancelled\\s`));
    const again = await run(['orders', 'cancel', placed.orderId, '--yes']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('[declined]');

    const file = join(home, 'cancelled.evidence.json');
    expect((await run(['orders', 'export', placed.orderId, '--out', file])).code).toBe(0);
    const verified = json<{ status: string; cancellation: { by: string; refundCents: number } }>(
      await run(['--json', 'verify', file]),
    );
    expect(verified).toMatchObject({ status: 'cancelled', cancellation: { by: 'customer', refundCents: 2500 } });
    // A bundle whose cancellation request was swapped for another order's does not verify.
    const bundle = JSON.parse(readFileSync(file, 'utf8')) as { cancellation: { request: { jws: string } } };
    const [h, p, sig] = bundle.cancellation.request.jws.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    bundle.cancellation.request.jws = [
      h,
      Buffer.from(JSON.stringify({ ...claims, orderId: 'X'.repeat(23) })).toString('base64url'),
      sig,
    ].join('.');
    writeFileSync(file, JSON.stringify(bundle));
    const forged = await run(['verify', file]);
    expect(forged.code).toBe(1);
    expect(forged.stderr).toContain('[cancellation_invalid]');

    // The admin: the queue, fulfilment, the customer's account, a credit.
    const second = json<{ orderId: string }>(await run(['--json', 'order', 'CLI-M:1', '--yes']));
    // Follow the queue's "More:" lines until the new order shows (earlier tests left many accepted orders).
    let queue = '';
    for (let cursor: string[] = [], page = 0; page < 50; page++) {
      const listed = await run(['--profile', 'admin', 'admin', 'orders', 'list', '--limit', '100', ...cursor]);
      expect(listed.code, listed.stderr).toBe(0);
      queue += listed.stdout;
      const more = /--cursor (\S+)$/m.exec(listed.stdout);
      if (!more || listed.stdout.includes(second.orderId)) break;
      cursor = ['--cursor', more[1]!];
    }
    expect(queue).toMatch(new RegExp(`${second.orderId}\\s+cli-payer.*1×CLI-M`));
    expect(queue).toMatch(/^ORDER\s+CUSTOMER\s+ACCEPTED\s+TOTAL\s+LINES$/m);
    const fulfilled = await run(['--profile', 'admin', 'admin', 'orders', 'fulfil', second.orderId]);
    expect(fulfilled.code, fulfilled.stderr).toBe(0);
    expect(fulfilled.stdout).toContain(`Order ${second.orderId}: fulfilled`);
    const credit = json<{ amountCents: number; type: string }>(
      await run([
        '--profile',
        'admin',
        '--json',
        'admin',
        'customers',
        'credit',
        'cli-payer',
        '12.50',
        '--reference',
        'goodwill',
      ]),
    );
    expect(credit).toMatchObject({ amountCents: 1250, type: 'credit' });
    const adjust = (amount: string) =>
      run(['--profile', 'admin', 'admin', 'customers', 'credit', 'cli-payer', amount, '--reference', 'rounding']);
    const up = await adjust('0.01');
    expect(up.stdout).toMatch(
      /^Credited cli-payer USD 0\.01 \(ledger entry \d+, credit\); balance now USD \d+\.\d\d\n$/,
    );
    const down = await adjust('-0.01');
    expect(down.stdout).toMatch(
      /^Debited cli-payer USD 0\.01 \(ledger entry \d+, adjustment\); balance now USD \d+\.\d\d\n$/,
    );
    const badAmount = await run([
      '--profile',
      'admin',
      'admin',
      'customers',
      'credit',
      'cli-payer',
      '1e3',
      '--reference',
      'x',
    ]);
    expect(badAmount.code).toBe(2);
    const customer = await run(['--profile', 'admin', 'admin', 'customers', 'show', 'cli-payer']);
    expect(customer.stdout).toContain(`balance USD ${((OPENING_BALANCE - 1250 + 1250) / 100).toFixed(2)}`);
    expect(customer.stdout).toContain('not locked');
    expect(customer.stdout).toContain('goodwill');
  });
});
