/** Evidence for tests: bundles built the way the OPD and po build them, and the stock-tools recipe of docs/evidence.md. */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { prepareOrder } from '../../shared/envelope/index.js';
import type { PreparedOrder } from '../../shared/envelope/index.js';
import { evidenceBundle } from '../../shared/evidence.js';
import type { EvidenceBundle } from '../../shared/evidence.js';
import { exportPublicKeyPem, spkiFingerprint } from '../../shared/keys.js';
import { signCancellation } from '../../shared/cancellations.js';
import { cancellationReceiptClaims, receiptClaims, receiptKeyJwk, signReceipt } from '../../shared/receipts.js';
import type { AcceptedOrder, CancellationReceiptClaims, CancelledOrder, ReceiptClaims } from '../../shared/receipts.js';
import type { CustomerKey, ServerKey } from './keys.js';

export const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
export const ITEMS = [
  { sku: 'WIDGET-1', qty: 3, unitPriceCents: 1250 },
  { sku: 'GADGET-2', qty: 1, unitPriceCents: 999 },
];

/** The OPD's receipt key for tests (Ed25519, ID = its fingerprint). */
export function receiptKeyPair() {
  const pair = generateKeyPairSync('ed25519');
  return { kid: spkiFingerprint(pair.publicKey), privateKey: pair.privateKey, publicKey: pair.publicKey };
}

export type ReceiptKeyPair = ReturnType<typeof receiptKeyPair>;

/** An order as `po` signs it (of {@link ITEMS} unless told). */
export function signedOrder(customer: CustomerKey, server: ServerKey, items = ITEMS): PreparedOrder {
  return prepareOrder({
    customerId: 'alice',
    items,
    currency: 'USD',
    signer: customer.signer,
    server,
    now: NOW,
  });
}

/** What the OPD acknowledges for `prepared` (any field overridden). */
export function acceptedOrder(
  prepared: PreparedOrder,
  customer: CustomerKey,
  overrides: Partial<AcceptedOrder> = {},
): AcceptedOrder {
  return {
    issuer: 'opd',
    customerId: prepared.claims.iss,
    orderId: prepared.claims.jti,
    acceptedAt: NOW + 1500,
    ledgerEntry: 1,
    orderJws: prepared.jws,
    customerKeyFingerprint: spkiFingerprint(customer.verifier.publicKey),
    lines: prepared.claims.items,
    currency: prepared.claims.currency,
    totalCents: prepared.claims.totalCents,
    ...overrides,
  };
}

/**
 * A bundle as `po orders export` writes it (of `prepared`, or of a fresh order): `order` changes what the OPD
 * acknowledges, `claims` the receipt claims after they are built (the receipt is still properly signed).
 */
export function makeBundle(
  customer: CustomerKey,
  server: ServerKey,
  receiptKey: ReceiptKeyPair,
  change: {
    order?: Partial<AcceptedOrder>;
    claims?: (claims: ReceiptClaims) => ReceiptClaims;
    prepared?: PreparedOrder;
  } = {},
): EvidenceBundle {
  const prepared = change.prepared ?? signedOrder(customer, server);
  const claims = receiptClaims(acceptedOrder(prepared, customer, change.order));
  return evidenceBundle({
    orderJws: prepared.jws,
    customerKey: {
      kid: customer.signer.kid,
      alg: customer.signer.alg,
      publicKeyPem: exportPublicKeyPem(customer.verifier.publicKey),
    },
    receiptJws: signReceipt(change.claims ? change.claims(claims) : claims, receiptKey),
    receiptKey: receiptKeyJwk(receiptKey.publicKey),
  });
}

/**
 * A bundle of an order that was then cancelled, by the customer (with their signed request, made by `requestSigner`,
 * default their own key) or by the OPD (with a reason). `cancel` changes what the OPD states, `claims` the cancellation
 * receipt's claims after they are built (still properly signed).
 */
export function cancelledBundle(
  customer: CustomerKey,
  server: ServerKey,
  receiptKey: ReceiptKeyPair,
  change: {
    by?: 'customer' | 'opd';
    request?: Partial<Parameters<typeof signCancellation>[0]>;
    cancel?: Partial<CancelledOrder>;
    claims?: (claims: CancellationReceiptClaims) => CancellationReceiptClaims;
  } = {},
): EvidenceBundle {
  const prepared = signedOrder(customer, server);
  const base = makeBundle(customer, server, receiptKey, { prepared });
  const cancelledAt = NOW + 60_000;
  const request =
    change.by === 'opd'
      ? undefined
      : signCancellation({
          customerId: prepared.claims.iss,
          opdId: 'opd',
          orderId: prepared.claims.jti,
          signer: customer.signer,
          now: cancelledAt - 1000,
          ...change.request,
        });
  const claims = cancellationReceiptClaims({
    issuer: 'opd',
    customerId: prepared.claims.iss,
    orderId: prepared.claims.jti,
    cancelledAt,
    orderJws: prepared.jws,
    ...(request
      ? { request: { jws: request, customerKeyFingerprint: spkiFingerprint(customer.verifier.publicKey) } }
      : { reason: 'the warehouse flooded' }),
    refundCents: prepared.claims.totalCents,
    currency: prepared.claims.currency,
    ledgerEntry: 2,
    ...change.cancel,
  });
  return {
    ...base,
    cancellation: {
      ...(request ? { request: { jws: request, customerKey: base.order.customerKey } } : {}),
      receipt: {
        jws: signReceipt(change.claims ? change.claims(claims) : claims, receiptKey),
        key: receiptKeyJwk(receiptKey.publicKey),
      },
    },
  };
}

/** The stock-tools recipe, exactly as docs/evidence.md §5 prints it. */
export function evidenceRecipe(): string {
  const doc = readFileSync(new URL('../../docs/evidence.md', import.meta.url), 'utf8');
  const recipe = /<!-- recipe: verify-evidence\.sh -->\s*```bash\n([\s\S]*?)\n```/.exec(doc)?.[1];
  if (!recipe) throw new Error('docs/evidence.md has no verify-evidence.sh block');
  return recipe;
}

/** Runs the recipe with bash (openssl, jq and coreutils only) on a bundle file. */
export function runRecipe(bundleFile: string): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync('bash', ['-c', evidenceRecipe(), 'verify-evidence.sh', bundleFile], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
