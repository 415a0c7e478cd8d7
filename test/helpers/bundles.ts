/**
 * The evidence suites' shorthands: orders, accepted orders and bundles made with the file's shared keys (`server` and
 * `keys` of ./keys.ts, made by the calling file's `makeKeysBeforeAll`) and one receipt key, and {@link failsWith}.
 */
import { expect } from 'vitest';
import type { PreparedOrder } from '../../shared/envelope/index.js';
import { EvidenceError } from '../../shared/errors.js';
import type { EvidenceErrorCode } from '../../shared/errors.js';
import { checkEvidence, parseEvidence } from '../../shared/evidence.js';
import { verifyEvidence } from '../../shared/evidence-node.js';
import type { EvidenceBundle } from '../../shared/evidence.js';
import type { AcceptedOrder } from '../../shared/receipts.js';
import { acceptedOrder, cancelledBundle, makeBundle, receiptKeyPair, signedOrder } from './evidence.js';
import { keys, server } from './keys.js';
import { WEB_EVIDENCE_CRYPTO } from '../../web/crypto/evidence-crypto.js';
import type { SigningAlgorithm } from './keys.js';

/** The OPD's receipt key: signs every receipt these bundles carry. */
export const receiptSigner = receiptKeyPair();

/** An order signed by `alice` with the key of `algorithm`, as `po` signs it. */
export const order = (algorithm: SigningAlgorithm = 'ed25519') => signedOrder(keys[algorithm], server);
/** `prepared` accepted by the OPD (with `overrides`). */
export const accepted = (
  prepared: PreparedOrder,
  algorithm: SigningAlgorithm,
  overrides: Partial<AcceptedOrder> = {},
) => acceptedOrder(prepared, keys[algorithm], overrides);
/** A valid bundle of an accepted order, with `change` made before it is signed. */
export const bundle = (algorithm: SigningAlgorithm = 'ed25519', change: Parameters<typeof makeBundle>[3] = {}) =>
  makeBundle(keys[algorithm], server, receiptSigner, change);

/**
 * Verifies `candidate` with node:crypto (po) and with WebCrypto (the console's checks, as a browser runs them),
 * expecting an {@link EvidenceError} of `code` from both; returns po's.
 */
export async function failsWith(candidate: unknown, code: EvidenceErrorCode): Promise<EvidenceError> {
  const [byPo, byConsole] = await Promise.all([
    refusal(() => verifyEvidence(parseEvidence(candidate))),
    refusal(() => checkEvidence(WEB_EVIDENCE_CRYPTO, candidate)),
  ]);
  for (const [who, error] of [
    ['po', byPo],
    ['the console', byConsole],
  ] as const) {
    expect(error, `expected ${code} from ${who}, but the bundle verified`).toBeInstanceOf(EvidenceError);
    expect((error as EvidenceError).code, `${who}: ${(error as EvidenceError).message}`).toBe(code);
  }
  return byPo as EvidenceError;
}

async function refusal(check: () => Promise<unknown>): Promise<unknown> {
  try {
    await check();
    return undefined;
  } catch (error) {
    return error;
  }
}

/** A valid bundle of a cancelled order, with `change` made before it is signed. */
export const cancelled = (
  algorithm: SigningAlgorithm = 'ed25519',
  change: Parameters<typeof cancelledBundle>[3] = {},
) => cancelledBundle(keys[algorithm], server, receiptSigner, change);

/** A deep copy of a bundle, to change. */
export const clone = (value: EvidenceBundle) => structuredClone(value);
