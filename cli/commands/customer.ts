/**
 * The customer's everyday commands against a deployment (local or AWS): config, login, logout, password, products,
 * orders, orders show, orders export, orders cancel and account (account.ts), test. `po order` is in order.ts, `po verify` in verify.ts.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError, PoError } from '../../shared/errors.js';
import { checkKeyId } from '../../shared/keys.js';
import { formatMoney } from '../../shared/money.js';
import { ApiCallError, apiClient, checkApiUrl, NetworkError, pathSegment } from '../api.js';
import type { ApiClient } from '../api.js';
import { signerFor } from '../io.js';
import { writeNewFile } from '../io.js';
import { orderEvidence } from '../evidence.js';
import { EXIT, runAction } from '../output.js';
import { pageQuery, registerAccount, registerCancel } from './account.js';
import { deleteSession, readProfile, readProfiles, readSession, writeProfile, writeSession } from '../profile.js';
import type { Profile, Session } from '../profile.js';
import { promptHidden, readStdinLines } from '../prompt.js';
import { trustCommand, trustKey, trustReport } from '../trust.js';
import type { TrustState } from '../trust.js';
import { describeOrder, poFor, print, table } from '../view.js';
import type { Globals, OrderView } from '../view.js';
import { parseLimit, parseOrderId } from '../input.js';

/** The profile's session, refusing an expired one with a clear remedy. */
/** A session this close to its expiry is refreshed before a command uses it. */
export const REFRESH_WITHIN_MS = 5 * 60_000;

/**
 * The profile's session for a command. One within its last minutes is refreshed first (`POST /refresh`), so a command
 * never starts with a token about to expire; a session at its limit from the login is not, and ends as usual.
 * @throws InputError `not_logged_in` when there is no session or it has expired
 */
export async function sessionFor(profile: string): Promise<Session> {
  const session = readSession(profile);
  if (!session) throw new InputError('not_logged_in', `not logged in (profile ${profile}); run \`po login\``);
  const left = Date.parse(session.expiresAt) - Date.now();
  if (left <= 0) throw new InputError('not_logged_in', 'the session has expired; run `po login` again');
  if (left > REFRESH_WITHIN_MS) return session;
  try {
    const fresh = await apiClient(readProfile(profile).apiUrl).call<Session>('POST', '/refresh', {
      token: session.token,
    });
    writeSession(profile, fresh);
    return fresh;
  } catch (error) {
    // Refused (the session reached its limit) or unreachable: the token still works until it expires.
    if (error instanceof ApiCallError || error instanceof NetworkError) return session;
    throw error;
  }
}

/**
 * `po test`'s check of the profile's signing key: the file is readable, and the key is registered to the customer
 * and active (read from `GET /account` when there is a live session).
 */
async function checkSigningKey(
  profile: Profile,
  session: Session | undefined,
  api: ApiClient,
): Promise<{ ok: boolean; message: string; keyId?: string }> {
  if (!profile.key) return { ok: false, message: 'not configured: po config --key FILE' };
  let kid: string;
  try {
    kid = (await signerFor(profile, {})).kid;
  } catch (error) {
    // Our own errors say what is wrong with the file; anything else is named by its class only.
    return {
      ok: false,
      message: `${profile.key}: ${error instanceof PoError ? error.message : `unreadable (${error instanceof Error ? error.name : 'error'})`}`,
    };
  }
  if (!session || Date.parse(session.expiresAt) <= Date.now())
    return { ok: false, keyId: kid, message: `${profile.key} (key ID ${kid}); log in to check it is registered` };
  const account = await api
    .call<{ keys?: Array<{ keyId: string; status: string }> }>('GET', '/account?limit=1', { token: session.token })
    .catch(() => undefined);
  const registered = account?.keys?.find((key) => key.keyId === kid);
  if (!account) return { ok: false, keyId: kid, message: `${profile.key} (key ID ${kid}); the OPD did not answer` };
  if (!registered)
    return {
      ok: false,
      keyId: kid,
      message: `${profile.key}: key ID ${kid} is not registered to ${session.customerId}`,
    };
  if (registered.status !== 'active')
    return {
      ok: false,
      keyId: kid,
      message: `${profile.key}: key ID ${kid} is ${registered.status}; ask the OPD for a new one`,
    };
  return { ok: true, keyId: kid, message: `${profile.key} (key ID ${kid}, registered and active)` };
}

/** Registers the customer commands. `globals()` gives --profile and --json of the invocation. */
export function registerCustomerCommands(program: Command, globals: (command: Command) => Globals): void {
  program
    .command('config')
    .description('show or set this profile: API URL, customer ID, signing key')
    .option('--api <url>', 'the OPD API URL (https://…, or http://127.0.0.1:… for a local stack)')
    .option('--customer <id>', 'your customer ID')
    .option('--key <file>', 'your private signing key (PEM)')
    .option('--key-id <kid>', 'the key ID the OPD registered it under (default: its SPKI fingerprint)')
    .option('--passphrase-file <file>', 'passphrase file of an encrypted key')
    .action(
      (
        options: {
          api?: string;
          customer?: string;
          key?: string;
          keyId?: string;
          passphraseFile?: string;
        },
        command: Command,
      ) =>
        runAction(globals(command).json ? 'json' : 'line', () => {
          const { profile: name } = globals(command);
          const profile = readProfile(name);
          const before = { apiUrl: profile.apiUrl, customerId: profile.customerId };
          if (options.api !== undefined) profile.apiUrl = checkApiUrl(options.api);
          if (options.customer !== undefined) profile.customerId = options.customer;
          // A session belongs to one customer at one OPD: its token must never be sent to another server.
          const elsewhere = before.apiUrl !== profile.apiUrl || before.customerId !== profile.customerId;
          const ended = elsewhere && deleteSession(name);
          if (ended)
            process.stderr.write(
              `po: the session of profile ${name} ended here (another OPD or customer); run po login\n`,
            );
          // Absolute, so that po works from any directory afterwards.
          if (options.key !== undefined) profile.key = resolve(options.key);
          if (options.keyId !== undefined) profile.keyId = checkKeyId(options.keyId);
          if (options.passphraseFile !== undefined) profile.passphraseFile = resolve(options.passphraseFile);
          if (Object.values(options).some((value) => value !== undefined)) writeProfile(name, profile);
          print(globals(command), { profile: name, ...profile }, () =>
            [
              `profile ${name}`,
              ...Object.entries(profile).map(
                ([key, value]) => `  ${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`,
              ),
            ].join('\n'),
          );
          return Promise.resolve();
        }),
    );

  program
    .command('login')
    .description('log in (asks for the password without echo) and keep the session for this profile')
    .option('--customer <id>', 'customer ID (default: the profile’s)')
    .option('--password-stdin', 'read the password from standard input (for scripts)')
    .action((options: { customer?: string; passwordStdin?: boolean }, command: Command) =>
      runAction(globals(command).json ? 'json' : 'line', async () => {
        const { profile: name } = globals(command);
        const profile = readProfile(name);
        const customerId = options.customer ?? profile.customerId;
        if (!customerId)
          throw new InputError('usage', 'which customer? pass --customer or set it with `po config --customer`');
        const password = options.passwordStdin
          ? (await readStdinLines(1))[0]!
          : await promptHidden(`Password for ${customerId}: `);
        const session = await apiClient(profile.apiUrl).call<Session>('POST', '/login', {
          body: { customerId, password },
        });
        writeSession(name, session);
        if (profile.customerId === undefined) writeProfile(name, { ...profile, customerId });
        print(
          globals(command),
          { customerId: session.customerId, role: session.role, expiresAt: session.expiresAt },
          () => `logged in as ${session.customerId} (${session.role}) until ${session.expiresAt}`,
        );
      }),
    );

  program
    .command('logout')
    .description('end the session on the OPD (every session of this customer stops working) and forget it here')
    .action((_options: unknown, command: Command) =>
      runAction('line', async () => {
        const { profile: name } = globals(command);
        const session = readSession(name);
        if (!session || Date.parse(session.expiresAt) <= Date.now()) {
          deleteSession(name);
          process.stdout.write(session ? 'the session had expired; forgotten\n' : 'was not logged in\n');
          return;
        }
        try {
          await apiClient(readProfile(name).apiUrl).call('POST', '/logout', { token: session.token });
        } catch (error) {
          // Refused: the session had already ended on the OPD (a password change, another logout). Anything else
          // (unreachable) leaves the token valid there: keep it, so the person can log out when the OPD answers.
          if (!(error instanceof ApiCallError && error.status === 401)) throw error;
        }
        deleteSession(name);
        process.stdout.write(`logged out: every session of ${session.customerId} has ended\n`);
      }),
    );

  program
    .command('whoami')
    .description('show the profile, customer, role and when the session ends')
    .action((_options: unknown, command: Command) =>
      runAction(globals(command).json ? 'json' : 'line', () => {
        const { profile: name } = globals(command);
        const profile = readProfile(name);
        const session = readSession(name);
        const live = session !== undefined && Date.parse(session.expiresAt) > Date.now();
        const report = {
          profile: name,
          api: profile.apiUrl ?? null,
          customerId: session?.customerId ?? profile.customerId ?? null,
          role: live ? session.role : null,
          session: live ? 'valid' : session ? 'expired' : 'not logged in',
          expiresAt: session?.expiresAt ?? null,
        };
        print(globals(command), report, () =>
          [
            `profile   ${name}${profile.apiUrl ? ` (${profile.apiUrl})` : ''}`,
            `customer  ${report.customerId ?? '(none: po config --customer ID)'}`,
            live
              ? `session   ${session.role}, valid until ${session.expiresAt} (refreshed automatically in its last ${REFRESH_WITHIN_MS / 60_000} minutes)`
              : `session   ${report.session}: po login`,
          ].join('\n'),
        );
        if (!live) process.exitCode = EXIT.rejected;
        return Promise.resolve();
      }),
    );

  program
    .command('profiles')
    .description('list the profiles: API, customer, session')
    .action((_options: unknown, command: Command) =>
      runAction(globals(command).json ? 'json' : 'line', () => {
        const rows = Object.entries(readProfiles()).map(([name, profile]) => {
          const session = readSession(name);
          const live = session !== undefined && Date.parse(session.expiresAt) > Date.now();
          return {
            profile: name,
            api: profile.apiUrl ?? null,
            customerId: profile.customerId ?? null,
            session: live ? `until ${session.expiresAt}` : session ? 'expired' : 'not logged in',
          };
        });
        print(globals(command), { profiles: rows }, () =>
          rows.length === 0
            ? 'no profiles yet: po config --api URL --customer ID --key FILE'
            : table(
                ['PROFILE', 'CUSTOMER', 'API', 'SESSION'],
                rows.map((row) => [row.profile, row.customerId ?? '', row.api ?? '', row.session]),
              ),
        );
        return Promise.resolve();
      }),
    );

  program
    .command('password')
    .description('change your password (old and new; every other session stops working)')
    .option('--password-stdin', 'read the old and the new password, one per line, from standard input')
    .action((options: { passwordStdin?: boolean }, command: Command) =>
      runAction(globals(command).json ? 'json' : 'line', async () => {
        const { profile: name } = globals(command);
        const session = await sessionFor(name);
        let oldPassword: string;
        let newPassword: string;
        if (options.passwordStdin) [oldPassword, newPassword] = (await readStdinLines(2)) as [string, string];
        else {
          oldPassword = await promptHidden('Current password: ');
          newPassword = await promptHidden('New password (12–256 characters): ');
          if ((await promptHidden('New password again: ')) !== newPassword)
            throw new InputError('usage', 'the two new passwords differ');
        }
        const fresh = await apiClient(readProfile(name).apiUrl).call<Session>('POST', '/password', {
          token: session.token,
          body: { oldPassword, newPassword },
        });
        writeSession(name, fresh);
        print(
          globals(command),
          { changed: true, expiresAt: fresh.expiresAt },
          () => 'password changed; other sessions are logged out',
        );
      }),
    );

  program
    .command('products')
    .description('list the catalogue')
    .action((_options: unknown, command: Command) =>
      runAction(globals(command).json ? 'json' : 'line', async () => {
        const { profile: name } = globals(command);
        const catalogue = await apiClient(readProfile(name).apiUrl).call<{
          currency: string;
          products: Array<{ sku: string; name: string; priceCents: number; stock: number }>;
        }>('GET', '/products', { token: (await sessionFor(name)).token });
        const { currency, products } = catalogue;
        print(globals(command), catalogue, () => {
          const width = Math.max(3, ...products.map((p) => p.sku.length));
          return [
            `${'SKU'.padEnd(width)}  ${`PRICE (${currency})`.padStart(12)}  ${'STOCK'.padStart(7)}  NAME`,
            ...products.map(
              (p) =>
                `${p.sku.padEnd(width)}  ${formatMoney(p.priceCents).padStart(12)}  ${String(p.stock).padStart(7)}  ${p.name}`,
            ),
          ].join('\n');
        });
      }),
    );

  const orders = program
    .command('orders')
    .description('list your orders, newest first (po orders show <id> for one)')
    .option('--limit <n>', 'how many per page (1–100)', parseLimit, '25')
    .option('--cursor <c>', 'the page after this one (printed under a full page)')
    .option('--all', 'every page, one after another')
    .action((options: { limit: string; cursor?: string; all?: boolean }, command: Command) =>
      runAction(globals(command).json ? 'json' : 'line', async () => {
        const { profile: name } = globals(command);
        const api = apiClient(readProfile(name).apiUrl);
        const token = (await sessionFor(name)).token;
        const listed: OrderView[] = [];
        let cursor = options.cursor;
        let next: string | undefined;
        do {
          const page = await api.call<{ orders: OrderView[]; next?: string }>(
            'GET',
            `/orders${pageQuery({ limit: options.limit, ...(cursor === undefined ? {} : { cursor }) })}`,
            { token },
          );
          listed.push(...page.orders);
          next = page.next;
          cursor = next;
        } while (options.all && next !== undefined);
        print(globals(command), { orders: listed, ...(next === undefined ? {} : { next }) }, () =>
          listed.length === 0
            ? 'no orders yet'
            : [
                table(
                  ['ORDER', 'ACCEPTED', 'STATUS', 'TOTAL', 'LINES', 'EMAIL'],
                  listed.map((o) => [
                    o.orderId,
                    o.acceptedAt,
                    o.status,
                    formatMoney(o.totalCents, o.currency),
                    String(o.lines.length),
                    o.email.status,
                  ]),
                ),
                ...(next === undefined
                  ? []
                  : [`More: ${poFor(name)} orders --cursor ${next}   (or ${poFor(name)} orders --all)`]),
              ].join('\n'),
        );
      }),
    );
  orders
    .command('show')
    .description('show one order with its signed evidence')
    .argument('<id>', 'order ID', parseOrderId)
    .addHelpText(
      'after',
      '\nIDs made by po never start with "-"; for one that does (another client made it): po orders show -- <id>',
    )
    .action((id: string, _options: unknown, command: Command) =>
      runAction(globals(command).json ? 'json' : 'line', async () => {
        const { profile: name } = globals(command);
        const order = await apiClient(readProfile(name).apiUrl).call<OrderView>('GET', `/orders/${pathSegment(id)}`, {
          token: (await sessionFor(name)).token,
        });
        print(globals(command), order, () =>
          [
            describeOrder(order),
            `  evidence (JWS): ${order.signature.jws}`,
            `  receipt (JWS):  ${order.receipt ?? 'none (accepted before the OPD issued receipts)'}`,
          ].join('\n'),
        );
      }),
    );
  orders
    .command('export')
    .description(
      'write the evidence bundle of one order (signed order, receipt, public keys; the cancellation if any), checked first',
    )
    .argument('<id>', 'order ID', parseOrderId)
    .option('--out <file>', 'write it to this file (0600) instead of standard output')
    .option('--force', 'replace --out if it exists')
    .addHelpText(
      'after',
      '\nThe bundle is checked exactly as `po verify` checks it before it is written; anyone can check it offline\nwith `po verify <file>` or with openssl (docs/evidence.md). Receipt keys are pinned like the server key.',
    )
    .action((id: string, options: { out?: string; force?: boolean }, command: Command) =>
      runAction(globals(command).json ? 'json' : 'line', async () => {
        const { profile: name } = globals(command);
        const api = apiClient(readProfile(name).apiUrl);
        const order = await api.call<OrderView>('GET', `/orders/${pathSegment(id)}`, {
          token: (await sessionFor(name)).token,
        });
        const { bundle } = await orderEvidence(api, name, order);
        const text = `${JSON.stringify(bundle, null, 2)}\n`;
        if (options.out === undefined) {
          process.stdout.write(text);
          return;
        }
        await writeNewFile(options.out, text, 0o600, options.force === true, 'choose another --out or pass --force');
        process.stderr.write(`wrote the evidence of order ${order.orderId} to ${options.out} (checked)\n`);
      }),
    );

  registerCancel(orders, globals);
  registerAccount(program, globals);

  program
    .command('test')
    .description('check connectivity, clock skew, the trusted server and receipt keys, and the session')
    .addHelpText(
      'after',
      '\nExit status 0 when every check passes, 1 when one fails (each is named), 3 when the API is unreachable.',
    )
    .action((_options: unknown, command: Command) =>
      runAction(globals(command).json ? 'json' : 'line', async () => {
        const { profile: name } = globals(command);
        const profile = readProfile(name);
        const api = apiClient(profile.apiUrl);
        const started = Date.now();
        const health = await api.call<{ status: string; time: string }>('GET', '/health');
        const roundTripMs = Date.now() - started;
        const skewSeconds = Math.round((Date.parse(health.time) - (started + roundTripMs / 2)) / 1000);
        const trust = await trustReport(api, profile);
        const session = readSession(name);
        let sessionState = 'not logged in';
        if (session) {
          sessionState = Date.parse(session.expiresAt) <= Date.now() ? 'expired' : 'valid';
          if (sessionState === 'valid') {
            await api
              .call('GET', '/orders?limit=1', { token: session.token })
              .catch(() => (sessionState = 'refused by the server (revoked?)'));
          }
        }
        const signingKeyState = await checkSigningKey(profile, session, api);
        const failed = [
          ...(Math.abs(skewSeconds) > 60 ? ['clock'] : []),
          ...(signingKeyState.ok ? [] : ['signing key']),
          ...(trust.server.state === 'changed' ? ['server key'] : []),
          ...(trust.receipt.state === 'changed' ? ['receipt key'] : []),
          ...(sessionState === 'valid' ? [] : ['session']),
        ];
        const report = {
          api: profile.apiUrl,
          health: health.status,
          roundTripMs,
          clockSkewSeconds: skewSeconds,
          serverKey: trust.server,
          receiptKey: trust.receipt,
          signingKey: signingKeyState,
          session: sessionState,
          customerId: session?.customerId ?? profile.customerId ?? null,
          ok: failed.length === 0,
          failed,
        };
        const keyLine = (what: 'server' | 'receipt', state: TrustState) =>
          state.state === 'changed'
            ? `CHANGED: trusted ${state.pinned?.fingerprint ?? ''}, the OPD now has ${state.current.kid} (fingerprint ${state.current.fingerprint}); check it with the OPD, then: ${trustCommand(what, state.current.fingerprint, name)}`
            : `${state.current.kid} (fingerprint ${state.current.fingerprint}${state.state === 'trusted' ? ', trusted' : ', not pinned yet: trusted on first order'})`;
        print(globals(command), report, () =>
          [
            `API           ${profile.apiUrl ?? ''}: ${health.status} in ${roundTripMs} ms`,
            `clock skew    ${skewSeconds} s${Math.abs(skewSeconds) > 60 ? '  (orders are refused beyond 300 s: fix the clock)' : ''}`,
            `server key    ${keyLine('server', trust.server)}`,
            `receipt key   ${keyLine('receipt', trust.receipt)}`,
            `signing key   ${signingKeyState.message}`,
            `session       ${sessionState}${session ? ` for ${session.customerId}, until ${session.expiresAt}` : ' (po login)'}`,
            failed.length === 0 ? 'all checks passed' : `FAILED: ${failed.join(', ')}`,
          ].join('\n'),
        );
        if (failed.length > 0) process.exitCode = EXIT.rejected;
      }),
    );

  program
    .command('trust')
    .description("accept the OPD's new server or receipt key, after checking its fingerprint with the OPD")
    .argument('<what>', 'server-key or receipt-key')
    .argument('<fingerprint>', 'the fingerprint po printed, as the OPD confirmed it (base64url SHA-256 of the key)')
    .addHelpText(
      'after',
      `
po trusts the OPD's keys the way ssh trusts a host: the first ones are pinned, and a changed key stops po order
before anything is sent. Check the new fingerprint with the OPD by another channel (phone, its published notice;
its admin sees it when rotating), then accept it. The key is accepted only if the OPD's key has exactly that
fingerprint.

Example: po trust server-key 3q2-7wQ…   (a fingerprint that starts with "-" goes after --: po trust server-key -- -x…)`,
    )
    .action((what: string, fingerprint: string, _options: unknown, command: Command) =>
      runAction(globals(command).json ? 'json' : 'line', async () => {
        if (what !== 'server-key' && what !== 'receipt-key')
          throw new InputError('usage', `po trust takes server-key or receipt-key, not "${what.slice(0, 32)}"`);
        const { profile: name } = globals(command);
        const kind = what === 'server-key' ? 'server' : 'receipt';
        const before = await trustKey(apiClient(readProfile(name).apiUrl), name, kind, fingerprint);
        print(
          globals(command),
          {
            trusted: kind,
            kid: before.current.kid,
            fingerprint: before.current.fingerprint,
            previous: before.pinned ?? null,
          },
          () =>
            `now trusting the OPD's ${kind} key ${before.current.kid} (fingerprint ${before.current.fingerprint})${before.pinned && before.pinned.fingerprint !== before.current.fingerprint ? `, instead of ${before.pinned.fingerprint}` : ''}`,
        );
      }),
    );
}
