/** `po envelope seal`: signs an order with a customer key and encrypts it to a server key, by hand. */
import type { Command } from 'commander';
import { InputError } from '../../../shared/errors.js';
import { sealOrder } from '../../../shared/envelope/index.js';
import type { OrderItem } from '../../../shared/envelope/index.js';
import { checkKeyId, requireX25519, signingKey } from '../../../shared/keys.js';
import { collectRepeated } from '../../input.js';
import { checkKeyFile, loadPrivateKey, loadPublicKey } from '../../io.js';
import { runAction } from '../../output.js';
import { ORDER_LIMITS } from '../../../shared/rules.js';

const NUMBER_SHAPE = /^-?\d+(\.\d+)?$/;

/**
 * Parses `SKU:QTY` (an order line before it is priced). Only the shape is checked here; the envelope's own validation
 * judges SKU and quantity, so the CLI and the OPD give the same answer (`items_invalid`) for the same line.
 */
function parseOrderLine(text: string): { sku: string; qty: number } {
  const separator = text.lastIndexOf(':');
  const quantity = text.slice(separator + 1);
  if (separator <= 0 || !NUMBER_SHAPE.test(quantity))
    throw new InputError('usage', `an order line looks like SKU:QTY (e.g. WIDGET-1:3), got "${text.slice(0, 80)}"`);
  return { sku: text.slice(0, separator), qty: Number(quantity) };
}

/** Parses `SKU:QTY@PRICE_CENTS` (a priced line, as `po envelope seal` signs it). */
function parsePricedLine(text: string): OrderItem {
  const at = text.lastIndexOf('@');
  const price = text.slice(at + 1);
  if (at <= 0 || !NUMBER_SHAPE.test(price))
    throw new InputError(
      'usage',
      `--item looks like SKU:QTY@PRICE_CENTS (e.g. WIDGET-1:3@1250), got "${text.slice(0, 80)}"`,
    );
  return { ...parseOrderLine(text.slice(0, at)), unitPriceCents: Number(price) };
}

/** The options of `po envelope seal`, as commander parses them. */
interface SealOptions {
  customer: string;
  key: string;
  keyId?: string;
  passphraseFile?: string;
  serverKey: string;
  serverKeyId: string;
  item: string[];
  currency: string;
  note?: string;
}

/** Registers `po envelope seal` on `po envelope`. */
export function registerEnvelopeSeal(envelope: Command): void {
  envelope
    .command('seal')
    .description('sign an order with a customer key, encrypt it to a server key, print the compact JWE')
    .requiredOption('--customer <id>', 'customer ID (the iss claim)')
    .requiredOption('--key <file>', "the customer's private key (PEM)")
    .option('--key-id <kid>', 'key ID the OPD registered the key under (default: its SPKI fingerprint)')
    .option('--passphrase-file <file>', 'passphrase of an encrypted private key')
    .requiredOption('--server-key <file>', "the OPD's X25519 public key (PEM)")
    .requiredOption('--server-key-id <kid>', "the server key's ID (the JWE kid and the aud claim)")
    .option(
      '--item <sku:qty@cents>',
      'an order line at its unit price in cents; repeat for more lines',
      collectRepeated,
      [],
    )
    .requiredOption('--currency <code>', 'ISO 4217 currency of the prices (e.g. USD)')
    .option('--note <text>', `free text for the order (≤ ${ORDER_LIMITS.maxNoteLength} characters)`)
    .addHelpText(
      'after',
      `
Example:
  po envelope seal --customer alice --key keys/alice.key.pem \\
    --server-key keys/server.pub.pem --server-key-id "$SERVER_KID" --currency USD \\
    --item WIDGET-1:3@1250 --item GADGET-2:1@999 > order.jwe
The total (Σ qty × price) is computed and signed with the lines.`,
    )
    .action((options: SealOptions) =>
      runAction('line', async () => {
        if (options.item.length === 0) throw new InputError('usage', 'give at least one --item SKU:QTY@PRICE_CENTS');
        const items = options.item.map(parsePricedLine);
        const serverKid = checkKeyId(options.serverKeyId);
        const privateKey = await loadPrivateKey(options.key, options.passphraseFile);
        const signer = checkKeyFile(options.key, () => signingKey(privateKey, options.keyId));
        const serverKey = await loadPublicKey(options.serverKey);
        const server = {
          kid: serverKid,
          publicKey: checkKeyFile(options.serverKey, () => requireX25519(serverKey, 'public')),
        };
        const jwe = sealOrder({
          customerId: options.customer,
          items,
          currency: options.currency,
          signer,
          server,
          ...(options.note === undefined ? {} : { note: options.note }),
        });
        process.stdout.write(`${jwe}\n`);
      }),
    );
}
