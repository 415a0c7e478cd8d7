/**
 * The evidence suites' shorthands: orders, accepted orders and bundles made with the file's shared keys (`server` and
 * `keys` of ./keys.ts, made by the calling file's `makeKeysBeforeAll`) and one receipt key, and {@link failsWith}.
 */
import { expect } from 'vitest';
import type { PreparedOrder } from '../../shared/envelope/index.js';
import { EvidenceError } from '../../shared/errors.js';
import type { EvidenceErrorCode } from '../../shared/errors.js';
import { parseEvidence } from '../../shared/evidence.js';
import { verifyEvidence } from '../../shared/evidence-node.js';
import type { EvidenceBundle } from '../../shared/evidence.js';
import type { AcceptedOrder } from '../../shared/receipts.js';
import { acceptedOrder, cancelledBundle, makeBundle, receiptKeyPair, signedOrder } from './evidence.js';
import { keys, server } from './keys.js';
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

/** Verifies `candidate`, expecting an {@link EvidenceError} of `code`; returns it. */
export async function failsWith(candidate: unknown, code: EvidenceErrorCode): Promise<EvidenceError> {
  let error: unknown;
  try {
    await verifyEvidence(parseEvidence(candidate));
  } catch (caught) {
    error = caught;
  }
  expect(error, `expected ${code}, but the bundle verified`).toBeInstanceOf(EvidenceError);
  expect((error as EvidenceError).code, (error as EvidenceError).message).toBe(code);
  return error as EvidenceError;
}

/** A valid bundle of a cancelled order, with `change` made before it is signed. */
export const cancelled = (
  algorithm: SigningAlgorithm = 'ed25519',
  change: Parameters<typeof cancelledBundle>[3] = {},
) => cancelledBundle(keys[algorithm], server, receiptSigner, change);

/** A deep copy of a bundle, to change. */
export const clone = (value: EvidenceBundle) => structuredClone(value);
