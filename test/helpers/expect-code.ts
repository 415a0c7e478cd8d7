import { expect } from 'vitest';
import { EnvelopeError, ENVELOPE_ERROR_CODES } from '../../shared/errors.js';
import type { EnvelopeErrorCode } from '../../shared/errors.js';

/** Asserts that `work` rejects with an EnvelopeError of exactly `code`. */
export async function expectEnvelopeError(work: Promise<unknown>, code: EnvelopeErrorCode): Promise<void> {
  const error = await work.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, `expected rejection with ${code}, but it resolved`).toBeInstanceOf(EnvelopeError);
  expect((error as EnvelopeError).code).toBe(code);
}

/** Asserts that `work` rejects with some typed EnvelopeError (any documented code) and returns that code. */
export async function expectTypedRejection(work: Promise<unknown>): Promise<EnvelopeErrorCode> {
  const error = await work.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, 'expected a typed rejection, but it resolved').toBeInstanceOf(EnvelopeError);
  const code = (error as EnvelopeError).code;
  expect(ENVELOPE_ERROR_CODES).toContain(code);
  return code;
}
