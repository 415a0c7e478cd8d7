/**
 * A small DER writer for the key-reading tests: keys written by hand, so that each refused key differs from an
 * accepted one in exactly the way a test names; and the refusal helpers those tests share.
 */
import { expect } from 'vitest';
import { KeyError } from '../../shared/errors.js';
import type { KeyErrorCode } from '../../shared/errors.js';

export function element(tag: number, contents: Uint8Array): Uint8Array {
  const lengthBytes: number[] = [];
  for (let rest = contents.length; rest > 0; rest = Math.floor(rest / 256)) lengthBytes.unshift(rest % 256);
  const length = contents.length < 0x80 ? [contents.length] : [0x80 | lengthBytes.length, ...lengthBytes];
  return Uint8Array.from([tag, ...length, ...contents]);
}
export const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));
export const sequence = (...items: Uint8Array[]) => element(0x30, concat(...items));
export function integerBytes(value: bigint): Uint8Array {
  let bytes = 1;
  while (value < -(1n << BigInt(8 * bytes - 1)) || value >= 1n << BigInt(8 * bytes - 1)) bytes += 1;
  const unsigned = value < 0n ? value + (1n << BigInt(8 * bytes)) : value;
  return Uint8Array.from(Buffer.from(unsigned.toString(16).padStart(2 * bytes, '0'), 'hex'));
}
export const integer = (value: bigint) => element(0x02, integerBytes(value));
export function oid(dotted: string): Uint8Array {
  const [first, second, ...rest] = dotted.split('.').map(BigInt);
  const bytes = [40n * first! + second!, ...rest].flatMap((arc) => {
    const groups = [Number(arc & 0x7fn)];
    for (let high = arc >> 7n; high > 0n; high >>= 7n) groups.unshift(Number(high & 0x7fn) | 0x80);
    return groups;
  });
  return element(0x06, Uint8Array.from(bytes));
}
export const bitString = (bytes: Uint8Array) => element(0x03, concat(Uint8Array.of(0), bytes));
export const hex = (text: string) => Uint8Array.from(Buffer.from(text.replaceAll(' ', ''), 'hex'));

export const DSA_OID = '1.2.840.10040.4.1';

/** A number of exactly `bits` bits (top bit set, odd): sizes are what the key reader checks, not primality. */
export const ofBits = (bits: number) => (1n << BigInt(bits - 1)) | 0x5a5a5a5a5a5n | 1n;

export interface DsaParts {
  p?: bigint;
  q?: bigint;
  g?: bigint;
  y?: bigint;
  algorithm?: Uint8Array;
  publicKey?: Uint8Array;
}
/** A DSA SPKI (RFC 3279): 2048/224 with g = 2, y = 3 unless told otherwise. */
export function dsaSpki(parts: DsaParts = {}): Uint8Array {
  const { p = ofBits(2048), q = ofBits(224), g = 2n, y = 3n } = parts;
  const algorithm = parts.algorithm ?? sequence(oid(DSA_OID), sequence(integer(p), integer(q), integer(g)));
  return sequence(algorithm, bitString(parts.publicKey ?? integer(y)));
}

export function refusal(work: () => unknown): KeyError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(KeyError);
    return error as KeyError;
  }
  throw new Error('expected a KeyError, but it succeeded');
}
export function expectRefused(work: () => unknown, code: KeyErrorCode, message: RegExp): void {
  const error = refusal(work);
  expect(error.code).toBe(code);
  expect(error.message).toMatch(message);
}
