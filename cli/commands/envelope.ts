/**
 * `po envelope seal|open`: the debugging and interop tools for the order envelope (docs/envelope.md).
 */
import type { Command } from 'commander';
import { InputError } from '../../shared/errors.js';
import { openOrder, sealOrder } from '../../shared/envelope/index.js';
import type { OrderItem } from '../../shared/envelope/index.js';
import { checkKeyId, requireX25519, signingKey, verificationKey } from '../../shared/keys.js';
import type { VerificationKey } from '../../shared/keys.js';
import { checkKeyFile, loadPrivateKey, loadPublicKey, readStdin } from '../io.js';
import { runAction } from '../output.js';
import { ORDER_LIMITS } from '../../shared/rules.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

const NUMBER_SHAPE = /^-?\d+(\.\d+)?$/;

/**
 * Parses `SKU:QTY` (an order line before it is priced). Only the shape is checked here; the envelope's own validation
 * judges SKU and quantity, so the CLI and the OPD give the same answer (`items_invalid`) for the same line.
 */
export function parseOrderLine(text: string): { sku: string; qty: number } {
  const separator = text.lastIndexOf(':');
  const quantity = text.slice(separator + 1);
  if (separator <= 0 || !NUMBER_SHAPE.test(quantity))
    throw new InputError('usage', `an order line looks like SKU:QTY (e.g. WIDGET-1:3), got "${text.slice(0, 80)}"`);
  return { sku: text.slice(0, separator), qty: Number(quantity) };
}

/** Parses `SKU:QTY@PRICE_CENTS` (a priced line, as `po envelope seal` signs it). */
export function parsePricedLine(text: string): OrderItem {
  const at = text.lastIndexOf('@');
  const price = text.slice(at + 1);
  if (at <= 0 || !NUMBER_SHAPE.test(price))
    throw new InputError(
      'usage',
      `--item looks like SKU:QTY@PRICE_CENTS (e.g. WIDGET-1:3@1250), got "${text.slice(0, 80)}"`,
    );
  return { ...parseOrderLine(text.slice(0, at)), unitPriceCents: Number(price) };
}

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

interface OpenOptions {
  serverKey: string;
  serverKeyId: string;
  serverPassphraseFile?: string;
  customer: string;
  customerKey: string[];
  keyId?: string;
}

/** Registers `po envelope seal` and `po envelope open`. */
export function registerEnvelope(program: Command): void {
  const envelope = program
    .command('envelope')
    .description('seal or open an order envelope by hand (debugging and interoperability)');

  envelope
    .command('seal')
    .description('sign an order with a customer key, encrypt it to a server key, print the compact JWE')
    .requiredOption('--customer <id>', 'customer ID (the iss claim)')
    .requiredOption('--key <file>', "the customer's private key (PEM)")
    .option('--key-id <kid>', 'key ID the OPD registered the key under (default: its SPKI fingerprint)')
    .option('--passphrase-file <file>', 'passphrase of an encrypted private key')
    .requiredOption('--server-key <file>', "the OPD's X25519 public key (PEM)")
    .requiredOption('--server-key-id <kid>', "the server key's ID (the JWE kid and the aud claim)")
    .option('--item <sku:qty@cents>', 'an order line at its unit price in cents; repeat for more lines', collect, [])
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

  envelope
    .command('open')
    .description('decrypt and verify an envelope read from stdin; print the verified claims as JSON')
    .requiredOption('--server-key <file>', "the OPD's X25519 private key (PEM)")
    .requiredOption('--server-key-id <kid>', 'the ID of that server key')
    .option('--server-passphrase-file <file>', 'passphrase of an encrypted server key')
    .requiredOption('--customer <id>', 'the customer the order must come from')
    .option('--customer-key <file>', 'a public key registered to the customer (PEM); repeat for several', collect, [])
    .option('--key-id <kid>', 'key ID of the customer key (default: its SPKI fingerprint; only with one key)')
    .addHelpText(
      'after',
      `
Exit status: 0 with the claims on stdout; 1 when the envelope is rejected; 2 for bad arguments or key files.
Errors are printed on stderr as {"error":{"code":"…","message":"…"}}; the codes are listed in docs/envelope.md.

Example:
  po envelope open --server-key keys/server.key.pem --server-key-id "$SERVER_KID" \\
    --customer alice --customer-key keys/alice.pub.pem < order.jwe`,
    )
    .action((options: OpenOptions) =>
      runAction('json', async () => {
        if (options.customerKey.length === 0) throw new InputError('usage', 'give at least one --customer-key');
        if (options.keyId !== undefined && options.customerKey.length > 1)
          throw new InputError(
            'usage',
            '--key-id names one key; with several --customer-key each uses its fingerprint',
          );
        const serverKid = checkKeyId(options.serverKeyId);
        const serverPrivateKey = await loadPrivateKey(options.serverKey, options.serverPassphraseFile);
        checkKeyFile(options.serverKey, () => requireX25519(serverPrivateKey, 'private'));
        const customerKeys = new Map<string, VerificationKey>();
        for (const file of options.customerKey) {
          const publicKey = await loadPublicKey(file);
          const key = checkKeyFile(file, () => verificationKey(publicKey, options.keyId));
          customerKeys.set(key.kid, key);
        }
        const envelopeText = await readStdin(ORDER_LIMITS.maxEnvelopeChars);
        const opened = await openOrder(envelopeText, {
          customerId: options.customer,
          serverKey: (kid) => (kid === serverKid ? serverPrivateKey : undefined),
          customerKey: (kid) => customerKeys.get(kid),
        });
        process.stdout.write(`${JSON.stringify(opened.claims, null, 2)}\n`);
      }),
    );
}
