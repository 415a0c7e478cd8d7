/**
 * The customer's everyday commands against a deployment (local or AWS): config, login, logout, password, products,
 * order, orders, orders show, test.
 */
import type { Command } from 'commander';
import { InputError } from '../../shared/errors.js';
import { sealOrder } from '../../shared/envelope/index.js';
import { checkKeyId, parsePublicKeyPem, requireX25519, signingKey, spkiFingerprint } from '../../shared/keys.js';
import { apiClient, checkApiUrl } from '../api.js';
import type { ApiClient } from '../api.js';
import { checkKeyFile, loadPrivateKey } from '../io.js';
import { runAction } from '../output.js';
import { deleteSession, readProfile, readSession, writeProfile, writeSession } from '../profile.js';
import type { Profile, Session } from '../profile.js';
import { promptHidden, readStdinLines } from '../prompt.js';
import { parseItem } from './envelope.js';

interface Globals {
  profile: string;
  json?: boolean;
}

const money = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
const print = (globals: Globals, data: unknown, human: () => string) =>
  process.stdout.write(globals.json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`);

/** The profile's session, refusing an expired one with a clear remedy. */
export function sessionFor(profile: string): Session {
  const session = readSession(profile);
  if (!session) throw new InputError('not_logged_in', `not logged in (profile ${profile}); run \`po login\``);
  if (Date.parse(session.expiresAt) <= Date.now())
    throw new InputError('not_logged_in', 'the session has expired; run `po login` again');
  return session;
}

interface ServerKeyInfo {
  kid: string;
  publicKeyPem: string;
}

/**
 * Fetches the server key and checks it against the profile's pin. The fingerprint is computed here, never taken from
 * the server's word. A different key under the pinned ID is refused; a new ID (a rotation) is pinned with a warning.
 */
export async function pinnedServerKey(api: ApiClient, profileName: string, profile: Profile) {
  const published = await api.call<ServerKeyInfo>('GET', '/server-key');
  const publicKey = requireX25519(parsePublicKeyPem(published.publicKeyPem), 'public');
  const kid = checkKeyId(published.kid);
  const fingerprint = spkiFingerprint(publicKey);
  const pinned = profile.serverKey;
  if (pinned && pinned.kid === kid && pinned.fingerprint !== fingerprint)
    throw new InputError(
      'server_key_mismatch',
      `the server key ${kid} is not the one pinned for this profile (fingerprint ${fingerprint}, pinned ${pinned.fingerprint}); refusing to send. If the OPD confirms a new key, run \`po config --unpin\`.`,
    );
  if (pinned && pinned.kid !== kid) {
    process.stderr.write(
      `\n*** WARNING: the OPD's server key changed ***\n    was ${pinned.kid} (fingerprint ${pinned.fingerprint})\n    now ${kid} (fingerprint ${fingerprint})\n    A rotation is normal; if you did not expect one, check with the OPD. The new key is now pinned.\n\n`,
    );
  }
  if (!pinned || pinned.kid !== kid) writeProfile(profileName, { ...profile, serverKey: { kid, fingerprint } });
  return { kid, publicKey, fingerprint };
}

interface OrderView {
  orderId: string;
  status: string;
  lines: Array<{ sku: string; name: string; qty: number; unitPriceCents: number; lineTotalCents: number }>;
  totalCents: number;
  acceptedAt: string;
  signedAt: string;
  signature: { alg: string; keyId: string; jws: string };
  email: { status: string; sentAt?: string };
}

function describeOrder(order: OrderView): string {
  const width = Math.max(3, ...order.lines.map((line) => line.sku.length));
  return [
    `Order ${order.orderId}: ${order.status}`,
    `  signed ${order.signedAt} (${order.signature.alg}, key ${order.signature.keyId}), accepted ${order.acceptedAt}`,
    ...order.lines.map(
      (line) =>
        `  ${line.sku.padEnd(width)} ${String(line.qty).padStart(6)} × ${money(line.unitPriceCents).padStart(10)} = ${money(line.lineTotalCents).padStart(12)}  ${line.name}`,
    ),
    `  total ${money(order.totalCents)} · confirmation email ${order.email.status}${order.email.sentAt ? ` ${order.email.sentAt}` : ''}`,
  ].join('\n');
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
        const { products } = await apiClient(readProfile(name).apiUrl).call<{
          products: Array<{ sku: string; name: string; priceCents: number; stock: number }>;
        }>('GET', '/products', { token: sessionFor(name).token });
        print(globals(command), products, () => {
          const width = Math.max(3, ...products.map((p) => p.sku.length));
          return [
            `${'SKU'.padEnd(width)}  ${'PRICE'.padStart(10)}  ${'STOCK'.padStart(7)}  NAME`,
            ...products.map(
              (p) =>
                `${p.sku.padEnd(width)}  ${money(p.priceCents).padStart(10)}  ${String(p.stock).padStart(7)}  ${p.name}`,
            ),
          ].join('\n');
        });
      }),
    );

  program
    .command('order')
    .description('sign, encrypt and send an order: po order SKU:QTY [SKU:QTY …]')
    .argument('<items...>', 'order lines as SKU:QTY')
    .option('--key <file>', 'private signing key (default: the profile’s)')
    .option('--key-id <kid>', 'its registered key ID (default: the profile’s, or the SPKI fingerprint)')
    .option('--passphrase-file <file>', 'passphrase file of an encrypted key')
    .option('--note <text>', 'free text for the order (≤ 500 characters)')
    .addHelpText(
      'after',
      '\nThe server key is fetched and pinned by ID and fingerprint; a change is reported loudly.\nExample: po order WIDGET-1:3 GADGET-2:1 --note "dock 4"',
    )
    .action(
      (
        items: string[],
        options: { key?: string; keyId?: string; passphraseFile?: string; note?: string },
        command: Command,
      ) =>
        runAction(globals(command).json ? 'json' : 'line', async () => {
          const { profile: name } = globals(command);
          const profile = readProfile(name);
          const session = sessionFor(name);
          const keyFile = options.key ?? profile.key;
          if (!keyFile)
            throw new InputError('usage', 'which key signs the order? pass --key or set it with `po config --key`');
          const lines = items.map(parseItem);
          const privateKey = await loadPrivateKey(keyFile, options.passphraseFile ?? profile.passphraseFile);
          const signer = checkKeyFile(keyFile, () => signingKey(privateKey, options.keyId ?? profile.keyId));
          const api = apiClient(profile.apiUrl);
          const server = await pinnedServerKey(api, name, profile);
          const envelope = sealOrder({
            customerId: session.customerId,
            items: lines,
            signer,
            server,
            ...(options.note === undefined ? {} : { note: options.note }),
          });
          const order = await api.call<OrderView>('POST', '/orders', { token: session.token, body: { envelope } });
          print(globals(command), order, () => describeOrder(order));
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
                    `${o.orderId}  ${o.acceptedAt}  ${money(o.totalCents).padStart(10)}  ${o.lines.length} line(s)  email ${o.email.status}`,
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
        print(globals(command), order, () => `${describeOrder(order)}\n  evidence (JWS): ${order.signature.jws}`);
      }),
    );

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
