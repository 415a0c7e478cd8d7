/**
 * `po order`: quote before signing, ask, sign the prices and total, encrypt, send — then check the OPD's receipt and
 * keep the evidence. A price that changed between the quote and the commit is never accepted unseen: the OPD refuses
 * the order (`price_changed`), and `po` shows the new quote and asks again (with --yes it stops instead).
 */
import type { Command } from 'commander';
import { EvidenceError, InputError } from '../../shared/errors.js';
import { prepareOrder } from '../../shared/envelope/index.js';
import type { PreparedOrder } from '../../shared/envelope/index.js';
import { evidenceBundle } from '../../shared/evidence.js';
import { verifyEvidence } from '../../shared/evidence-node.js';
import type { EvidenceBundle, VerifiedEvidence } from '../../shared/evidence.js';
import { exportPublicKeyPem } from '../../shared/keys.js';
import type { SigningKey } from '../../shared/keys.js';
import { formatMoney, linesTotalCents } from '../../shared/money.js';
import { receiptKeyId } from '../../shared/receipts.js';
import type { OrderView } from '../../shared/orders.js';
import { ApiCallError, NetworkError, sendAgainOnNetworkError } from '../api.js';
import { opdClient } from '../client.js';
import type { OpdClient } from '../client.js';
import { runWithGlobals } from '../globals.js';
import { checkOrderLines } from '../input.js';
import { signerFor } from '../io.js';
import { readProfile, saveEvidence } from '../profile.js';
import { confirm, isInteractive } from '../prompt.js';
import { customerSessionFor } from '../session.js';
import { checkReceiptKeyTrusted, receiptKey, trustedServerKey } from '../trust.js';
import type { PublishedServerKey } from '../trust.js';
import { keyCache } from '../key-cache.js';
import type { KeyCache } from '../key-cache.js';
import { describeOrder, linesTable, print } from '../view.js';

/** Rounds of "prices changed: here is the new quote" before giving up (prices that keep moving need a person). */
const MAX_QUOTES = 3;

interface Quote {
  readonly currency: string;
  readonly lines: ReadonlyArray<{ sku: string; name: string; qty: number; unitPriceCents: number; stock: number }>;
  readonly totalCents: number;
}

/** Prices the lines at the catalogue's current prices (GET /products). */
async function fetchQuote(api: OpdClient, token: string, lines: ReadonlyArray<{ sku: string; qty: number }>) {
  const catalogue = await api.products(token);
  const products = new Map(catalogue.products.map((product) => [product.sku, product]));
  const unknown = lines.filter((line) => !products.has(line.sku)).map((line) => line.sku);
  if (unknown.length > 0)
    throw new ApiCallError(422, 'unknown_sku', `the catalogue has no ${unknown.join(', ')}`, { skus: unknown });
  const priced = lines.map((line) => {
    const product = products.get(line.sku)!;
    return {
      sku: line.sku,
      name: product.name,
      qty: line.qty,
      unitPriceCents: product.priceCents,
      stock: product.stock,
    };
  });
  return { currency: catalogue.currency, lines: priced, totalCents: linesTotalCents(priced) } satisfies Quote;
}

/** The quote for people, on stderr (stdout carries only the result). */
function showQuote(quote: Quote, heading: string): void {
  const short = quote.lines.filter((line) => line.stock < line.qty);
  process.stderr.write(
    [
      heading,
      ...linesTable(quote.lines, quote.currency),
      `  total ${formatMoney(quote.totalCents, quote.currency)}`,
      ...short.map((line) => `  note: only ${line.stock} of ${line.sku} in stock now; the OPD will refuse more`),
      '',
    ].join('\n'),
  );
}

/**
 * Checks the OPD's receipt for the order we signed — with the very check `po verify` runs on a bundle — and keeps
 * the bundle with the profile. Whatever fails here, the OPD has already answered that the order is accepted: every
 * error says so (a person must not order again), keeping its code and exit status.
 */
async function checkReceipt(
  api: OpdClient,
  cache: KeyCache,
  profileName: string,
  prepared: PreparedOrder,
  signer: SigningKey,
  placed: OrderView,
): Promise<{ verified: VerifiedEvidence; file: string }> {
  const id = placed.orderId;
  let verified: VerifiedEvidence;
  let bundle: EvidenceBundle;
  try {
    if (!placed.receipt) throw new EvidenceError('receipt_missing', 'the OPD sent no receipt');
    bundle = evidenceBundle({
      orderJws: prepared.jws,
      customerKey: { kid: signer.kid, alg: signer.alg, publicKeyPem: exportPublicKeyPem(signer.privateKey) },
      receiptJws: placed.receipt,
      receiptKey: await receiptKey(api, profileName, receiptKeyId(placed.receipt), cache),
    });
    verified = await verifyEvidence(bundle);
  } catch (error) {
    const accepted = `the OPD answered that order ${id} is accepted, but its receipt`;
    if (error instanceof EvidenceError)
      throw new EvidenceError(
        error.code,
        `${accepted} failed a check: ${error.message}. Do not rely on this receipt; look the order up with \`po orders show ${id}\` and contact the OPD`,
      );
    if (error instanceof NetworkError)
      throw new NetworkError(
        `${accepted} could not be checked now (${error.message}). Do not order again: check it later with \`po orders export ${id}\``,
      );
    throw error;
  }
  try {
    return { verified, file: saveEvidence(profileName, prepared.claims.jti, bundle) };
  } catch (error) {
    throw new InputError(
      'file_unwritable',
      `order ${id} is accepted and its receipt verified, but the evidence could not be saved (${(error as NodeJS.ErrnoException).code ?? 'error'}); \`po orders export ${id}\` writes it`,
    );
  }
}

/**
 * Sends the envelope, and the same envelope again while the OPD cannot be reached or is unavailable: the same signed
 * order is answered with the original if it was committed meanwhile, so nothing is ordered twice.
 */
function send(api: OpdClient, token: string, envelope: string): Promise<OrderView> {
  return sendAgainOnNetworkError('the same signed order', () => api.placeOrder(token, envelope));
}

/**
 * The OPD refused the order because it no longer opens the server key it was sealed to (`server_key_unknown`): a key
 * kept from an earlier run and retired since without a grace period, as an emergency rotation does. Nothing was
 * ordered. po asks for the current key now, once, and keeps it: a new key is not the one pinned, so this ends in
 * `server_key_changed` with the command that accepts it, exactly as the check before sending would have (sealing again
 * to it could never be trusted without the person); the same key means the OPD publishes a key it does not open, and
 * its refusal stands.
 * @throws InputError `server_key_changed`, else `refusal` itself
 */
async function afterRetiredServerKey(
  refusal: ApiCallError,
  sealedTo: PublishedServerKey,
  current: () => Promise<PublishedServerKey>,
): Promise<never> {
  process.stderr.write(
    `po: the OPD no longer opens orders sealed to its server key ${sealedTo.kid}; nothing was ordered. Asking for its current key\n`,
  );
  await current();
  throw refusal;
}

/** Registers `po order`. */
export function registerOrder(program: Command): void {
  program
    .command('order')
    .description('quote, confirm, sign (prices and total included), encrypt and send an order; check the receipt')
    .argument('<items...>', 'order lines as SKU:QTY')
    .option('--key <file>', 'private signing key (default: the profile’s)')
    .option('--key-id <kid>', 'its registered key ID (default: the profile’s, or the SPKI fingerprint)')
    .option('--passphrase-file <file>', 'passphrase file of an encrypted key')
    .option('--note <text>', 'free text for the order (≤ 500 characters), signed with it')
    .option('-y, --yes', 'send at the quoted prices without asking (scripts); stops if they change before commit')
    .option('--no-cache', 'ask the OPD for its server and receipt keys now, not the answers kept from an earlier run')
    .addHelpText(
      'after',
      `
po shows the quote (current prices, line totals, total, currency) and asks before it signs; the signed order carries
those prices and the total, and the OPD commits it only at exactly those prices. If a price changes meanwhile, the
OPD refuses it (price_changed) and po shows the new quote and asks again.

The OPD's server and receipt keys are trusted on first use and pinned, like ssh host keys. If either changes, po
stops before sending anything (exit 1, server_key_changed or receipt_key_changed) and prints the command to accept
the new key once you have checked its fingerprint with the OPD: po trust server-key <fingerprint>. The signed receipt is checked (signature, digest of
the signed order, lines, prices, total) and the evidence is kept in $PO_CONFIG_DIR/evidence/<profile>/; export it
with \`po orders export <id>\`, check it anywhere with \`po verify <file>\`.

po keeps the OPD's server key and receipt keys (public keys only) in $PO_CONFIG_DIR/cache/<profile>.json for as
long as the OPD's Cache-Control allows (today 60 s and 5 minutes; never more than an hour), so a steady po order
makes two requests: the quote (GET /products) and the order (POST /orders). A kept key is checked against the pins
exactly as a fresh one; one that fails is asked for again. --no-cache asks the OPD for both keys now.

Example: po order WIDGET-1:3 GADGET-2:1 --note "dock 4"`,
    )
    .action(
      (
        items: string[],
        options: {
          key?: string;
          keyId?: string;
          passphraseFile?: string;
          note?: string;
          yes?: boolean;
          cache: boolean;
        },
        command: Command,
      ) =>
        runWithGlobals(command, async (globals) => {
          const { profile: name } = globals;
          const lines = checkOrderLines(items);
          if (!options.yes && !isInteractive())
            throw new InputError(
              'usage',
              'po order asks for confirmation on a terminal; without one, pass --yes to order at the quoted prices',
            );
          const profile = readProfile(name);
          const session = await customerSessionFor(name);
          const signer = await signerFor(profile, options);
          const api = opdClient(profile.apiUrl);
          const cache = keyCache(name, profile.apiUrl ?? '', { use: options.cache });
          const server = await trustedServerKey(api, name, profile, cache);
          await checkReceiptKeyTrusted(api, name, cache);

          let quote = await fetchQuote(api, session.token, lines);
          let heading = `Quote from the OPD (${quote.currency}):`;
          for (let round = 1; ; round++) {
            showQuote(quote, heading);
            const question = `Sign and send this order for ${formatMoney(quote.totalCents, quote.currency)}? [y/N] `;
            if (!options.yes && !(await confirm(question)))
              throw new InputError('declined', 'not sent: the quote was declined');
            const prepared = prepareOrder({
              customerId: session.customerId,
              items: quote.lines.map(({ sku, qty, unitPriceCents }) => ({ sku, qty, unitPriceCents })),
              currency: quote.currency,
              signer,
              server,
              ...(options.note === undefined ? {} : { note: options.note }),
            });
            let placed: OrderView;
            try {
              placed = await send(api, session.token, prepared.envelope);
            } catch (error) {
              if (error instanceof ApiCallError && error.code === 'server_key_unknown')
                await afterRetiredServerKey(error, server, () =>
                  trustedServerKey(api, name, readProfile(name), cache, true),
                );
              const repriced = error instanceof ApiCallError && error.code === 'price_changed';
              if (!repriced || options.yes || round >= MAX_QUOTES) throw error;
              quote = await fetchQuote(api, session.token, lines);
              heading = `The OPD's prices changed since the quote; nothing was ordered. New quote (${quote.currency}):`;
              continue;
            }
            const { verified, file } = await checkReceipt(api, cache, name, prepared, signer, placed);
            print(
              globals,
              { ...placed, evidence: { file, receiptKeyId: verified.receiptKey.kid, verified: true } },
              () =>
                [
                  describeOrder(placed),
                  `  receipt verified: signed by the OPD (${verified.receipt.iss}) with receipt key ${verified.receiptKey.kid}`,
                  `  evidence kept in ${file} (po verify checks it anywhere)`,
                ].join('\n'),
            );
            return;
          }
        }),
    );
}
