/** `po account` (balance, keys, ledger) and `po orders cancel` (a signed cancellation, its receipt checked). */
import type { Command } from 'commander';
import { signCancellation } from '../../shared/cancellations.js';
import { InputError } from '../../shared/errors.js';
import { decodeJsonObject, parseJws } from '../../shared/envelope/jws.js';
import { formatMoney } from '../../shared/money.js';
import { amountPaid } from '../../shared/orders.js';
import { RECEIPT_TYP } from '../../shared/receipts.js';
import { apiClient, pathSegment } from '../api.js';
import { orderEvidence } from '../evidence.js';
import { runAction } from '../output.js';
import { readProfile, saveEvidence } from '../profile.js';
import { confirm, isInteractive } from '../prompt.js';
import { describeOrder, ledgerTable, poFor, print, table } from '../view.js';
import type { Globals, LedgerEntryView, OrderView } from '../view.js';
import { sessionFor } from './customer.js';
import { signerFor } from '../io.js';
import { parseLimit, parseOrderId } from '../input.js';

interface AccountView {
  customerId: string;
  balanceCents: number;
  currency: string;
  entries: number;
  keys: Array<{ keyId: string; alg: string; status: string; addedAt: string; revokedAt?: string }>;
  ledger: LedgerEntryView[];
  next?: string;
}

/** The page options every list command takes. */
export function pageQuery(options: { limit?: string; cursor?: string }, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams(extra);
  if (options.limit !== undefined) query.set('limit', options.limit);
  if (options.cursor !== undefined) query.set('cursor', options.cursor);
  const text = query.toString();
  return text ? `?${text}` : '';
}

/** An account for people: balance, keys, the ledger page, and how to see more. */
export function describeAccount(account: AccountView, more: string): string {
  return [
    `Account ${account.customerId}: balance ${formatMoney(account.balanceCents, account.currency)} (${account.entries} ledger ${account.entries === 1 ? 'entry' : 'entries'})`,
    'Keys:',
    ...table(
      ['KEY ID', 'ALG', 'STATUS', 'ADDED', 'REVOKED'],
      account.keys.map((key) => [key.keyId, key.alg, key.status, key.addedAt, key.revokedAt ?? '']),
    )
      .split('\n')
      .map((line) => `  ${line}`),
    account.ledger.length === 0 ? 'No ledger entries.' : 'Ledger (newest first):',
    ...(account.ledger.length === 0 ? [] : ledgerTable(account.ledger)),
    ...(account.next ? [`More: ${more} --cursor ${account.next}`] : []),
  ].join('\n');
}

export function registerAccount(program: Command, globals: (command: Command) => Globals): void {
  program
    .command('account')
    .description('your balance, registered keys and ledger (newest first, a page at a time)')
    .option('--limit <n>', 'ledger entries per page (1–100)', parseLimit, '10')
    .option('--cursor <entry>', 'continue below this entry (the "More:" line of the previous page)')
    .action((options: { limit: string; cursor?: string }, command: Command) =>
      runAction(globals(command).json ? 'json' : 'line', async () => {
        const { profile: name } = globals(command);
        const account = await apiClient(readProfile(name).apiUrl).call<AccountView>(
          'GET',
          `/account${pageQuery(options)}`,
          { token: (await sessionFor(name)).token },
        );
        print(globals(command), account, () => describeAccount(account, `${poFor(name)} account`));
      }),
    );
}

export function registerCancel(orders: Command, globals: (command: Command) => Globals): void {
  orders
    .command('cancel')
    .description('cancel an accepted order: signed with your key; stock and money come back; the receipt is checked')
    .argument('<id>', 'order ID', parseOrderId)
    .option('--yes', 'do not ask (required without a terminal)')
    .option('--key <file>', 'sign with this private key instead of the profile’s')
    .option('--key-id <kid>', 'the key’s registered ID (default: its SPKI fingerprint)')
    .option('--passphrase-file <file>', 'passphrase of an encrypted key')
    .action(
      (
        id: string,
        options: { yes?: boolean; key?: string; keyId?: string; passphraseFile?: string },
        command: Command,
      ) =>
        runAction(globals(command).json ? 'json' : 'line', async () => {
          const { profile: name } = globals(command);
          if (!options.yes && !isInteractive())
            throw new InputError(
              'usage',
              'po orders cancel asks for confirmation on a terminal; without one, pass --yes',
            );
          const profile = readProfile(name);
          const session = await sessionFor(name);
          const api = apiClient(profile.apiUrl);
          const path = `/orders/${pathSegment(id)}`;
          const order = await api.call<OrderView>('GET', path, { token: session.token });
          process.stderr.write(`${describeOrder(order)}\n`);
          if (order.status !== 'accepted')
            throw new InputError('declined', `order ${order.orderId} is ${order.status}: there is nothing to cancel`);
          const refund = amountPaid(order);
          if (!options.yes && !(await confirm(`Cancel it and refund ${formatMoney(refund, order.currency)}? [y/N] `)))
            throw new InputError('declined', 'not cancelled');
          // The request names the OPD as its receipts do: a request for this OPD is worthless to any other.
          const opdId = receiptIssuer(order.receipt);
          const signer = await signerFor(profile, options);
          const cancellation = signCancellation({
            customerId: session.customerId,
            opdId,
            orderId: order.orderId,
            signer,
          });
          const cancelled = await api.call<OrderView>('POST', `${path}/cancel`, {
            token: session.token,
            body: { cancellation },
          });
          const { bundle, verified } = await orderEvidence(api, name, cancelled);
          const file = saveEvidence(name, cancelled.orderId, bundle);
          print(globals(command), { ...cancelled, evidenceFile: file }, () =>
            [
              describeOrder(cancelled),
              `cancellation receipt verified: refund ${formatMoney(verified.cancellation!.receipt.refundCents, cancelled.currency)} in ledger entry ${verified.cancellation!.receipt.ledgerEntry}`,
              `evidence kept in ${file}`,
            ].join('\n'),
          );
        }),
    );
}

/** The OPD's name as its receipt states it (`iss`), read without verifying: the answer is checked afterwards. */
function receiptIssuer(receipt: string | undefined): string {
  let issuer: unknown;
  try {
    issuer = decodeJsonObject(parseJws(receipt ?? '', RECEIPT_TYP).payloadB64)?.iss;
  } catch {
    issuer = undefined;
  }
  if (typeof issuer === 'string') return issuer;
  throw new InputError('declined', 'the order has no OPD receipt naming the OPD; it cannot be cancelled from po');
}
