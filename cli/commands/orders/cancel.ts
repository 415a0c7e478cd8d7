/** `po orders cancel <id>`: a cancellation signed with the customer's key; the OPD's cancellation receipt is checked. */
import type { Command } from 'commander';
import { signCancellation } from '../../../shared/cancellations.js';
import { decodeJsonObject, parseJws } from '../../../shared/envelope/jws.js';
import { InputError } from '../../../shared/errors.js';
import { formatMoney } from '../../../shared/money.js';
import { amountPaid } from '../../../shared/orders.js';
import { RECEIPT_TYP } from '../../../shared/receipts.js';
import { opdClient } from '../../client.js';
import { orderEvidence } from '../../evidence.js';
import { runWithGlobals } from '../../globals.js';
import { parseOrderId } from '../../input.js';
import { signerFor } from '../../io.js';
import { readProfile, saveEvidence } from '../../profile.js';
import { confirm, isInteractive } from '../../prompt.js';
import { customerSessionFor } from '../../session.js';
import { describeOrder, print } from '../../view.js';

/** Registers `po orders cancel` on `po orders`. */
export function registerOrdersCancel(orders: Command): void {
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
        runWithGlobals(command, async (globals) => {
          const { profile: name } = globals;
          if (!options.yes && !isInteractive())
            throw new InputError(
              'usage',
              'po orders cancel asks for confirmation on a terminal; without one, pass --yes',
            );
          const profile = readProfile(name);
          const session = await customerSessionFor(name);
          const opd = opdClient(profile.apiUrl);
          const order = await opd.getOrder(session.token, id);
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
          const cancelled = await opd.cancelOrder(session.token, id, cancellation);
          const { bundle, verified } = await orderEvidence(opd, name, cancelled);
          const file = saveEvidence(name, cancelled.orderId, bundle);
          print(globals, { ...cancelled, evidenceFile: file }, () =>
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
