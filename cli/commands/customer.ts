/**
 * The customer's everyday commands against a deployment (local or AWS): config, login, logout, password, products,
 * orders, orders show, orders export, orders cancel and account (account.ts), test. `po order` is in order.ts, `po verify` in verify.ts.
 */
import type { Command } from 'commander';
import { InputError } from '../../shared/errors.js';
import { checkKeyId } from '../../shared/keys.js';
import { formatMoney } from '../../shared/money.js';
import { apiClient, checkApiUrl } from '../api.js';
import { writeNewFile } from '../io.js';
import { orderEvidence } from '../evidence.js';
import { runAction } from '../output.js';
import { registerAccount, registerCancel } from './account.js';
import { deleteSession, readProfile, readSession, writeProfile, writeSession } from '../profile.js';
import type { Session } from '../profile.js';
import { promptHidden, readStdinLines } from '../prompt.js';
import { pinnedServerKey } from '../trust.js';
import { describeOrder, print } from '../view.js';
import type { Globals, OrderView } from '../view.js';

/** The profile's session, refusing an expired one with a clear remedy. */
export function sessionFor(profile: string): Session {
  const session = readSession(profile);
  if (!session) throw new InputError('not_logged_in', `not logged in (profile ${profile}); run \`po login\``);
  if (Date.parse(session.expiresAt) <= Date.now())
    throw new InputError('not_logged_in', 'the session has expired; run `po login` again');
  return session;
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
    .option('--unpin', 'forget the pinned server key (after the OPD confirmed a new one)')
    .action(
      (
        options: {
          api?: string;
          customer?: string;
          key?: string;
          keyId?: string;
          passphraseFile?: string;
          unpin?: boolean;
        },
        command: Command,
      ) =>
        runAction(globals(command).json ? 'json' : 'line', () => {
          const { profile: name } = globals(command);
          const profile = readProfile(name);
          if (options.api !== undefined) profile.apiUrl = checkApiUrl(options.api);
          if (options.customer !== undefined) profile.customerId = options.customer;
          if (options.key !== undefined) profile.key = options.key;
          if (options.keyId !== undefined) profile.keyId = checkKeyId(options.keyId);
          if (options.passphraseFile !== undefined) profile.passphraseFile = options.passphraseFile;
          if (options.unpin) delete profile.serverKey;
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
    .description('forget this profile’s session')
    .action((_options: unknown, command: Command) =>
      runAction('line', async () => {
        const removed = deleteSession(globals(command).profile);
        process.stdout.write(removed ? 'logged out\n' : 'was not logged in\n');
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
        const session = sessionFor(name);
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
        }>('GET', '/products', { token: sessionFor(name).token });
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
    .description('list your orders (po orders show <id> for one)')
    .option('--limit <n>', 'how many (1–100)', '25')
    .action((options: { limit: string }, command: Command) =>
      runAction(globals(command).json ? 'json' : 'line', async () => {
        const { profile: name } = globals(command);
        const page = await apiClient(readProfile(name).apiUrl).call<{ orders: OrderView[] }>(
          'GET',
          `/orders?limit=${encodeURIComponent(options.limit)}`,
          { token: sessionFor(name).token },
        );
        print(globals(command), page.orders, () =>
          page.orders.length === 0
            ? 'no orders yet'
            : page.orders
                .map(
                  (o) =>
                    `${o.orderId}  ${o.acceptedAt}  ${o.status.padEnd(9)}  ${formatMoney(o.totalCents, o.currency).padStart(14)}  ${o.lines.length} line(s)  email ${o.email.status}`,
                )
                .join('\n'),
        );
      }),
    );
  orders
    .command('show')
    .description('show one order with its signed evidence')
    .argument('<id>', 'order ID')
    .addHelpText(
      'after',
      '\nIDs made by po never start with "-"; for one that does (another client made it): po orders show -- <id>',
    )
    .action((id: string, _options: unknown, command: Command) =>
      runAction(globals(command).json ? 'json' : 'line', async () => {
        const { profile: name } = globals(command);
        const order = await apiClient(readProfile(name).apiUrl).call<OrderView>(
          'GET',
          `/orders/${encodeURIComponent(id)}`,
          { token: sessionFor(name).token },
        );
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
    .argument('<id>', 'order ID')
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
        const order = await api.call<OrderView>('GET', `/orders/${encodeURIComponent(id)}`, {
          token: sessionFor(name).token,
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
    .description('check connectivity, the server key and its pin, clock skew, and the session')
    .action((_options: unknown, command: Command) =>
      runAction(globals(command).json ? 'json' : 'line', async () => {
        const { profile: name } = globals(command);
        const profile = readProfile(name);
        const api = apiClient(profile.apiUrl);
        const started = Date.now();
        const health = await api.call<{ status: string; time: string }>('GET', '/health');
        const roundTripMs = Date.now() - started;
        const skewSeconds = Math.round((Date.parse(health.time) - (started + roundTripMs / 2)) / 1000);
        const server = await pinnedServerKey(api, name, profile);
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
        const report = {
          api: profile.apiUrl,
          health: health.status,
          roundTripMs,
          clockSkewSeconds: skewSeconds,
          serverKey: { kid: server.kid, fingerprint: server.fingerprint, pinned: true },
          session: sessionState,
          customerId: session?.customerId ?? profile.customerId ?? null,
        };
        print(globals(command), report, () =>
          [
            `API           ${profile.apiUrl ?? ''}: ${health.status} in ${roundTripMs} ms`,
            `clock skew    ${skewSeconds} s${Math.abs(skewSeconds) > 60 ? '  (orders are refused beyond 300 s: fix the clock)' : ''}`,
            `server key    ${server.kid} (fingerprint ${server.fingerprint}, pinned)`,
            `session       ${sessionState}${session ? ` for ${session.customerId}, until ${session.expiresAt}` : ''}`,
          ].join('\n'),
        );
      }),
    );
}
