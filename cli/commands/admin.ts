/** `po admin …`: the admin routes (the profile must be logged in as an admin). */
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { InputError } from '../../shared/errors.js';
import { apiClient, pathSegment, sendAgainOnNetworkError } from '../api.js';
import { readTextFile } from '../io.js';
import { runAction } from '../output.js';
import { readProfile } from '../profile.js';
import { promptHidden, readStdinLines } from '../prompt.js';
import { parseMoney, formatMoney } from '../../shared/money.js';
import { describeOrder, poFor, print, table } from '../view.js';
import type { Globals, LedgerEntryView, OrderView } from '../view.js';
import { describeAccount, pageQuery } from './account.js';
import { sessionFor } from './customer.js';
import { trustCommand } from '../trust.js';
import { parseLimit, parseOrderId } from '../input.js';
import { showable } from '../../shared/display.js';
import { checkPasswordPolicy } from '../../shared/passwords.js';

interface CustomerPage {
  customers: Array<{
    customerId: string;
    email: string;
    role: string;
    balanceCents: number;
    currency: string;
    locked: boolean;
  }>;
  next?: string;
}

interface QueuePage {
  status: string;
  orders: Array<{
    orderId: string;
    customerId: string;
    acceptedAt: string;
    totalCents: number;
    currency: string;
    lines: Array<{ sku: string; qty: number }>;
  }>;
  next?: string;
}

const wholeNumber = (value: string, name: string) => {
  if (!/^\d{1,10}$/.test(value))
    throw new InputError('usage', `${name} must be a whole number, not ${JSON.stringify(value.slice(0, 40))}`);
  return Number(value);
};

/** A page of a listing for people: what it is, its table (when it has rows), and how to get the next page. */
const pageText = (title: string, headers: string[], rows: string[][], more: string | undefined) =>
  [title, ...(rows.length === 0 ? [] : [table(headers, rows)]), ...(more ? [more] : [])].join('\n');

/** A price as people write it (24.50, 3, 0.99), in cents. */
const price = (value: string) => {
  const cents = parseMoney(value);
  if (cents === undefined || cents < 0)
    throw new InputError(
      'usage',
      `--price is an amount like 24.50 (at most two decimals), not ${JSON.stringify(value.slice(0, 40))}`,
    );
  return cents;
};

interface Product {
  sku: string;
  name: string;
  priceCents: number;
  stock: number;
  currency: string;
}

/** What the password policy says of `password`, or undefined when it passes (checked here to ask again at once). */
function policyProblem(password: string, customerId: string): string | undefined {
  try {
    checkPasswordPolicy(password, { customerId });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message.replace('the new password', 'the password') : 'not accepted';
  }
}

/** Asks for a new customer's initial password without echo, twice, until the policy accepts it (3 tries). */
async function askInitialPassword(customerId: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const password = await promptHidden(`Initial password for ${customerId} (12–256 characters): `);
    const problem =
      policyProblem(password, customerId) ??
      ((await promptHidden('The same password again: ')) === password ? undefined : 'the two passwords differ');
    if (problem === undefined) return password;
    if (attempt === 3) throw new InputError('usage', `${problem}; nothing was created`);
    process.stderr.write(`po: ${problem}; try again\n`);
  }
}

interface MailPage {
  status: string;
  emails: Array<{ orderId: string; customerId: string; kind: string; since: string; status: string; failure?: string }>;
  next?: string;
}

interface RetryAnswer {
  orderId: string;
  retried: Array<{ kind: string; outcome: string; status?: string; failure?: string }>;
}

export function registerAdminCommands(program: Command, globals: (command: Command) => Globals): void {
  const admin = program
    .command('admin')
    .description('administer products, customers and their accounts, the order queue, keys (role admin)');
  /** Runs an admin call and prints its answer: every field with --json, else `human` of it. */
  const run = <T>(
    command: Command,
    action: (call: (method: string, path: string, body?: unknown) => Promise<T>) => Promise<T>,
    human: (result: T) => string,
  ) =>
    runAction(globals(command).json ? 'json' : 'line', async () => {
      const { profile: name } = globals(command);
      const api = apiClient(readProfile(name).apiUrl);
      const token = (await sessionFor(name)).token;
      const result = await action((method, path, body) =>
        api.call<T>(method, path, { token, ...(body === undefined ? {} : { body }) }),
      );
      print(globals(command), result, () => human(result));
    });
  const describeProduct = (verb: string) => (p: Product) =>
    `${verb} ${p.sku} "${showable(p.name)}": ${formatMoney(p.priceCents, p.currency)} each, ${p.stock} in stock`;

  /** Calls the API and prints the answer: JSON with --json, else `human` of it. */
  const show = <T>(command: Command, path: string, human: (value: T) => string, method = 'GET', body?: unknown) =>
    runAction(globals(command).json ? 'json' : 'line', async () => {
      const name = globals(command).profile;
      const answer = await apiClient(readProfile(name).apiUrl).call<T>(method, path, {
        token: (await sessionFor(name)).token,
        ...(body === undefined ? {} : { body }),
      });
      print(globals(command), answer, () => human(answer));
    });

  /** What an admin must tell customers after a rotation: their po stops until they accept this fingerprint. */
  const announce = (what: 'server' | 'receipt', key: { kid: string; fingerprint: string }) =>
    [
      `new ${what} key ${key.kid}`,
      `  fingerprint ${key.fingerprint}`,
      `Customers' po now stops before ordering until they accept it. Announce this fingerprint by a channel other`,
      `than the API (mail, your website, phone); each customer checks it and runs:`,
      `  ${trustCommand(what, key.fingerprint)}`,
    ].join('\n');

  const products = admin.command('products').description('catalogue');
  products
    .command('add')
    .description('add a product')
    .requiredOption('--sku <sku>', 'SKU')
    .requiredOption('--name <name>', 'name')
    .requiredOption('--price <amount>', 'unit price in the catalogue currency, e.g. 24.50')
    .option('--stock <n>', 'initial stock', '0')
    .action((o: { sku: string; name: string; price: string; stock: string }, command: Command) =>
      run(
        command,
        (call) =>
          call('POST', '/admin/products', {
            sku: o.sku,
            name: o.name,
            priceCents: price(o.price),
            stock: wholeNumber(o.stock, '--stock'),
          }),
        describeProduct('added'),
      ),
    );
  products
    .command('update')
    .description('change a product’s name and/or price')
    .argument('<sku>')
    .option('--name <name>', 'new name')
    .option('--price <amount>', 'new unit price in the catalogue currency, e.g. 24.50')
    .action((sku: string, o: { name?: string; price?: string }, command: Command) =>
      run(
        command,
        (call) =>
          call('PATCH', `/admin/products/${pathSegment(sku)}`, {
            ...(o.name ? { name: o.name } : {}),
            ...(o.price ? { priceCents: price(o.price) } : {}),
          }),
        describeProduct('updated'),
      ),
    );
  products
    .command('restock')
    .description('add stock')
    .argument('<sku>')
    .argument('<quantity>')
    .action((sku: string, quantity: string, _o: unknown, command: Command) =>
      run(
        command,
        (call) =>
          call('POST', `/admin/products/${pathSegment(sku)}/restock`, {
            quantity: wholeNumber(quantity, 'quantity'),
          }),
        describeProduct('restocked'),
      ),
    );

  const customers = admin.command('customers').description('customers');
  customers
    .command('add')
    .description('create a customer (password asked without echo, or --password-stdin)')
    .requiredOption('--customer <id>', 'customer ID')
    .requiredOption('--email <address>', 'where confirmations go')
    .option('--role <role>', 'customer or admin', 'customer')
    .option(
      '--key <file>',
      'a public key (PEM) to register; repeat for several',
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .option('--password-stdin', 'read the initial password from standard input')
    .action(
      (
        o: { customer: string; email: string; role: string; key: string[]; passwordStdin?: boolean },
        command: Command,
      ) =>
        run<{ customerId: string; email: string; role: string; keyIds: string[] }>(
          command,
          async (call) => {
            let password: string;
            if (o.passwordStdin) {
              password = (await readStdinLines(1))[0]!;
              const problem = policyProblem(password, o.customer);
              if (problem) throw new InputError('usage', `${problem}; nothing was created`);
            } else password = await askInitialPassword(o.customer);
            const keys = await Promise.all(
              o.key.map(async (file) => ({ publicKeyPem: await readTextFile(file, 'public key') })),
            );
            return call('POST', '/admin/customers', {
              customerId: o.customer,
              email: o.email,
              password,
              role: o.role,
              keys,
            });
          },
          (c) =>
            [
              `created ${c.role} ${c.customerId} (${c.email})`,
              c.keyIds.length > 0 ? `  keys: ${c.keyIds.join(', ')}` : '  no keys yet: po admin keys add',
              `  they log in with: po login --customer ${c.customerId}`,
            ].join('\n'),
        ),
    );
  customers
    .command('unlock')
    .description('lift a login lock')
    .argument('<customer>')
    .action((customer: string, _o: unknown, command: Command) =>
      run<{ customerId: string }>(
        command,
        (call) => call('POST', `/admin/customers/${pathSegment(customer)}/unlock`),
        (c) => `unlocked ${c.customerId}: they can log in again`,
      ),
    );

  customers
    .command('list', { isDefault: true })
    .description('list customers with their balance and lock state, a page at a time')
    .option('--limit <n>', 'customers per page (1–100)', parseLimit, '25')
    .option('--cursor <id>', 'continue after this customer (the "More:" line of the previous page)')
    .action((o: { limit: string; cursor?: string }, command: Command) =>
      show(command, `/admin/customers${pageQuery(o)}`, (page: CustomerPage) =>
        page.customers.length === 0
          ? 'no customers'
          : [
              table(
                ['CUSTOMER', 'ROLE', 'BALANCE', 'LOGIN', 'EMAIL'],
                page.customers.map((c) => [
                  c.customerId,
                  c.role,
                  formatMoney(c.balanceCents, c.currency),
                  c.locked ? 'LOCKED' : 'ok',
                  c.email,
                ]),
              ),
              ...(page.next
                ? [`More: ${poFor(globals(command).profile)} admin customers list --cursor ${page.next}`]
                : []),
            ].join('\n'),
      ),
    );
  customers
    .command('show')
    .description("one customer: account, keys, lock state and the latest ledger entries (never the password's hash)")
    .argument('<customer>')
    .option('--limit <n>', 'ledger entries per page (1–100)', parseLimit, '10')
    .option('--cursor <entry>', 'continue below this ledger entry')
    .action((customer: string, o: { limit: string; cursor?: string }, command: Command) =>
      show(
        command,
        `/admin/customers/${pathSegment(customer)}${pageQuery(o)}`,
        (
          c: Parameters<typeof describeAccount>[0] & {
            email: string;
            role: string;
            lock: { locked: boolean; failedLogins: number; until?: string };
          },
        ) =>
          [
            `${c.customerId} <${c.email}> (${c.role}) · ${c.lock.locked ? `LOCKED until ${c.lock.until ?? '?'}` : 'not locked'} · ${c.lock.failedLogins} failed login(s)`,
            describeAccount(c, `${poFor(globals(command).profile)} admin customers show ${customer}`),
          ].join('\n'),
      ),
    );
  customers
    .command('credit')
    .description('credit an account (or, with a negative amount, adjust it: never below 0)')
    .argument('<customer>')
    .argument('<amount>', 'in currency units, e.g. 150 or 12.50 or -20.05')
    .requiredOption('--reference <text>', 'why: kept in the ledger entry')
    .action((customer: string, amount: string, o: { reference: string }, command: Command) => {
      const amountCents = parseMoney(amount);
      if (amountCents === undefined || amountCents === 0)
        return runAction(globals(command).json ? 'json' : 'line', () =>
          Promise.reject(
            new InputError(
              'usage',
              'the amount must be a non-zero number with at most two decimals, e.g. 150 or -20.05',
            ),
          ),
        );
      // One key per command: a credit whose answer is lost is sent again with it, and the OPD applies it once.
      const idempotencyKey = randomBytes(16).toString('base64url');
      return runAction(globals(command).json ? 'json' : 'line', async () => {
        const name = globals(command).profile;
        const api = apiClient(readProfile(name).apiUrl);
        const token = (await sessionFor(name)).token;
        const entry = await sendAgainOnNetworkError('the same credit (same Idempotency-Key)', () =>
          api.call<LedgerEntryView>('POST', `/admin/customers/${pathSegment(customer)}/credit`, {
            token,
            body: { amountCents, reference: o.reference },
            headers: { 'Idempotency-Key': idempotencyKey },
          }),
        );
        print(
          globals(command),
          entry,
          () =>
            `${entry.amountCents > 0 ? 'Credited' : 'Debited'} ${customer} ${formatMoney(Math.abs(entry.amountCents), entry.currency)}` +
            ` (ledger entry ${entry.entry}, ${entry.type}); balance now ${formatMoney(entry.balanceAfterCents, entry.currency)}`,
        );
      });
    });

  const orders = admin.command('orders').description("the OPD's work queue: orders by status, oldest first");
  orders
    .command('list', { isDefault: true })
    .description('orders in one status, oldest accepted first, a page at a time')
    .option('--status <status>', 'accepted, fulfilled or cancelled', 'accepted')
    .option('--limit <n>', 'orders per page (1–100)', parseLimit, '25')
    .option('--cursor <cursor>', 'continue after the previous page (its "More:" line)')
    .action((o: { status: string; limit: string; cursor?: string }, command: Command) =>
      show(command, `/admin/orders${pageQuery(o, { status: o.status })}`, (page: QueuePage) =>
        pageText(
          page.orders.length === 0 ? `no ${page.status} orders` : `${page.status} orders, oldest first:`,
          ['ORDER', 'CUSTOMER', 'ACCEPTED', 'TOTAL', 'LINES'],
          page.orders.map((order) => [
            order.orderId,
            order.customerId,
            order.acceptedAt,
            formatMoney(order.totalCents, order.currency),
            order.lines.map((l) => `${l.qty}×${l.sku}`).join(' '),
          ]),
          page.next &&
            `More: ${poFor(globals(command).profile)} admin orders list --status ${page.status} --cursor ${page.next}`,
        ),
      ),
    );
  const customerOption = '--customer <id>';
  const customerHelp = 'the customer, if two have an order with this ID';
  const orderPath = (id: string, o: { customer?: string }, suffix = '') =>
    `/admin/orders/${pathSegment(id)}${suffix}${o.customer ? `?customer=${encodeURIComponent(o.customer)}` : ''}`;
  orders
    .command('show')
    .description("any customer's order, with its evidence")
    .argument('<id>', 'order ID', parseOrderId)
    .option(customerOption, customerHelp)
    .action((id: string, o: { customer?: string }, command: Command) =>
      show(command, orderPath(id, o), (order: OrderView) =>
        [
          describeOrder(order),
          `  customer ${order.customerId}`,
          `  evidence (JWS): ${order.signature.jws}`,
          `  receipt (JWS):  ${order.receipt ?? 'none'}`,
        ].join('\n'),
      ),
    );
  orders
    .command('fulfil')
    .description('mark an accepted order fulfilled (the customer is emailed)')
    .argument('<id>', 'order ID', parseOrderId)
    .option(customerOption, customerHelp)
    .action((id: string, o: { customer?: string }, command: Command) =>
      show(command, orderPath(id, o, '/fulfil'), describeOrder, 'POST'),
    );
  orders
    .command('cancel')
    .description('cancel an accepted order for the OPD: restocked, refunded, the customer emailed with the reason')
    .argument('<id>', 'order ID', parseOrderId)
    .requiredOption('--reason <text>', 'why (one line; the customer reads it)')
    .option(customerOption, customerHelp)
    .action((id: string, o: { reason: string; customer?: string }, command: Command) =>
      show(command, `/admin/orders/${pathSegment(id)}/cancel`, describeOrder, 'POST', {
        reason: o.reason,
        ...(o.customer ? { customerId: o.customer } : {}),
      }),
    );

  const emails = admin
    .command('emails')
    .description('mail the OPD still owes customers, or gave up on (permanently rejected)');
  emails
    .command('list', { isDefault: true })
    .description('confirmations and notices not yet sent (owed) or given up (failed), oldest first')
    .option('--status <status>', 'owed or failed', 'owed')
    .option('--limit <n>', 'emails per page (1–100)', parseLimit, '25')
    .option('--cursor <cursor>', 'continue after the previous page (its "More:" line)')
    .action((o: { status: string; limit: string; cursor?: string }, command: Command) =>
      show(command, `/admin/emails${pageQuery(o, { status: o.status })}`, (page: MailPage) =>
        pageText(
          page.emails.length === 0
            ? `no ${page.status} emails`
            : `${page.status} emails, oldest first (po admin emails retry <order-id> re-sends a failed one):`,
          ['ORDER', 'CUSTOMER', 'KIND', 'SINCE', 'STATUS'],
          page.emails.map((mail) => [
            mail.orderId,
            mail.customerId,
            mail.kind,
            mail.since,
            `${mail.status}${mail.failure ? `: ${mail.failure}` : ''}`,
          ]),
          page.next &&
            `More: ${poFor(globals(command).profile)} admin emails list --status ${page.status} --cursor ${page.next}`,
        ),
      ),
    );
  emails
    .command('retry')
    .description("send an order's failed email(s) again, now")
    .argument('<order-id>', 'order ID', parseOrderId)
    .option(customerOption, customerHelp)
    .action((id: string, o: { customer?: string }, command: Command) =>
      show(
        command,
        `/admin/emails/${pathSegment(id)}/retry${o.customer ? `?customer=${encodeURIComponent(o.customer)}` : ''}`,
        (answer: RetryAnswer) =>
          answer.retried
            .map(
              (r) =>
                `${r.kind === 'email' ? 'confirmation' : 'notice'} for order ${answer.orderId}: ${r.outcome === 'sent' ? 'sent' : r.outcome === 'failed' ? `failed again: ${r.failure ?? 'rejected'}` : r.outcome}`,
            )
            .join('\n'),
        'POST',
      ),
    );

  const keys = admin.command('keys').description('customer keys');
  keys
    .command('add')
    .description('register a public key for a customer')
    .argument('<customer>')
    .argument('<public-key-file>')
    .option('--key-id <kid>', 'key ID (default: SPKI fingerprint)')
    .action((customer: string, file: string, o: { keyId?: string }, command: Command) =>
      run<{ customerId: string; keyId: string }>(
        command,
        async (call) =>
          call('POST', `/admin/customers/${pathSegment(customer)}/keys`, {
            publicKeyPem: await readTextFile(file, 'public key'),
            ...(o.keyId ? { keyId: o.keyId } : {}),
          }),
        (k) => `registered key ${k.keyId} for ${k.customerId}`,
      ),
    );
  keys
    .command('revoke')
    .description('revoke a customer key (orders signed with it are refused from now on)')
    .argument('<customer>')
    .argument('<key-id>')
    .action((customer: string, kid: string, _o: unknown, command: Command) =>
      run<{ customerId: string; keyId: string }>(
        command,
        (call) => call('DELETE', `/admin/customers/${pathSegment(customer)}/keys/${pathSegment(kid)}`),
        (k) => `revoked key ${k.keyId} of ${k.customerId}: orders signed with it are refused from now on`,
      ),
    );

  const rotations = [
    ['server', 'create a new server key; the old one decrypts for 7 more days'],
    ['receipt', 'create a new receipt signing key; the old one signs no more and stays published for old receipts'],
  ] as const;
  for (const [what, description] of rotations)
    admin
      .command(`rotate-${what}-key`)
      .description(description)
      .action((_o: unknown, command: Command) =>
        show<{ kid: string; fingerprint: string }>(
          command,
          `/admin/${what}-keys/rotate`,
          (key) => announce(what, key),
          'POST',
        ),
      );
  admin
    .command('revoke-receipt-key')
    .description(
      'revoke a receipt key that leaked: it signs nothing more (a new one takes over) and is published as revoked',
    )
    .argument('<kid>', 'the receipt key ID (its fingerprint), as GET /receipt-keys lists it')
    .action((kid: string, _o: unknown, command: Command) =>
      show<{
        kid: string;
        revokedAt: string;
        signsNoMoreAfter: string;
        current: { kid: string; fingerprint: string };
        rotated: boolean;
      }>(
        command,
        `/admin/receipt-keys/${pathSegment(kid)}/revoke`,
        (revoked) =>
          [
            `receipt key ${revoked.kid} revoked at ${revoked.revokedAt}: no order function signs with it after ${revoked.signsNoMoreAfter}`,
            revoked.rotated ? announce('receipt', revoked.current) : '',
          ]
            .filter(Boolean)
            .join('\n'),
        'POST',
      ),
    );
}
