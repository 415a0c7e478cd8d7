/** Evidence for tests: bundles built the way the OPD and po build them, and the stock-tools recipe of docs/evidence.md. */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { prepareOrder } from '../../shared/envelope/index.js';
import type { PreparedOrder } from '../../shared/envelope/index.js';
import { evidenceBundle } from '../../shared/evidence.js';
import type { EvidenceBundle } from '../../shared/evidence.js';
import { exportPublicKeyPem, spkiFingerprint } from '../../shared/keys.js';
import { receiptClaims, receiptKeyJwk, signReceipt } from '../../shared/receipts.js';
import type { AcceptedOrder, ReceiptClaims } from '../../shared/receipts.js';
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

/** An order as `po` signs it. */
export function signedOrder(customer: CustomerKey, server: ServerKey): PreparedOrder {
  return prepareOrder({
    customerId: 'alice',
    items: ITEMS,
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
 * A bundle as `po orders export` writes it: `order` changes what the OPD acknowledges, `claims` the receipt claims
 * after they are built (the receipt is still properly signed).
 */
export function makeBundle(
  customer: CustomerKey,
  server: ServerKey,
  receiptKey: ReceiptKeyPair,
  change: { order?: Partial<AcceptedOrder>; claims?: (claims: ReceiptClaims) => ReceiptClaims } = {},
): EvidenceBundle {
  const prepared = signedOrder(customer, server);
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
