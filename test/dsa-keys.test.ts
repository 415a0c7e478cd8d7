/**
 * DSA public keys as shared/dsa.ts reads them — for the console's verifier and the OPD's registration alike: the sizes
 * the project accepts, domain parameters in range and of order q, and every malformed encoding refused with its code.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dsaKeyFromSpki } from '../shared/dsa.js';
import { describeKey } from '../shared/keys.js';
import {
  element,
  concat,
  sequence,
  integer,
  oid,
  DSA_OID,
  ofBits,
  dsaSpki,
  expectRefused,
} from './helpers/der-writer.js';
import type { DsaParts } from './helpers/der-writer.js';

describe('dsaKeyFromSpki', () => {
  // Real keys of each accepted size (node:crypto made them): their generator and public key lie in the subgroup.
  it.each([
    [2048, 224],
    [2048, 256],
    [3072, 256],
  ])('accepts a real L/N %i/%i key, reading p, q, g and y', (l, n) => {
    const pair = generateKeyPairSync('dsa', { modulusLength: l, divisorLength: n });
    const key = dsaKeyFromSpki(new Uint8Array(pair.publicKey.export({ type: 'spki', format: 'der' })));
    expect([key.p.toString(2).length, key.q.toString(2).length]).toEqual([l, n]);
    expect(key.y).toBeGreaterThan(1n);
  });

  it('refuses a generator or a public key outside the subgroup of order q, as the server does', () => {
    const real = generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 224 }).publicKey;
    const { p, q, g, y } = dsaKeyFromSpki(new Uint8Array(real.export({ type: 'spki', format: 'der' })));
    // g = p − 1 has order 2: with it, a signature r = 1 verifies for half of all messages.
    for (const [parts, message] of [
      [{ p, q, g: p - 1n, y }, /generator g does not have order q/],
      [{ p, q, g, y: p - 1n }, /public key y is not in the subgroup/],
    ] as const) {
      const der = dsaSpki(parts);
      expectRefused(() => dsaKeyFromSpki(der), 'key_malformed', message);
      expectRefused(
        () => describeKey(createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' })),
        'key_malformed',
        message,
      );
    }
  });

  // The server refuses these sizes with the same codes: the key is read by node:crypto for shared/keys.ts.
  it.each([
    [1024, 160, 'key_too_small', /DSA key is 1024 bits; at least 2048/],
    [2047, 224, 'key_too_small', /DSA key is 2047 bits/],
    [2048, 160, 'key_unsupported', /L=2048, N=160 is not one of/],
    [2048, 255, 'key_unsupported', /L=2048, N=255 is not one of/],
    [3072, 224, 'key_unsupported', /L=3072, N=224 is not one of/],
    [4096, 256, 'key_unsupported', /L=4096, N=256 is not one of/],
  ] as const)('refuses L/N %i/%i with %s, as the server does', (l, n, code, message) => {
    const der = dsaSpki({ p: ofBits(l), q: ofBits(n) });
    expectRefused(() => dsaKeyFromSpki(der), code, message);
    expectRefused(
      () => describeKey(createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' })),
      code,
      /./,
    );
  });

  const p = ofBits(2048);
  it.each([
    ['g = 1', { g: 1n }, /generator g is not in the range 1 < g < p/],
    ['g = 0', { g: 0n }, /generator g is not in the range/],
    ['g = p', { g: p }, /generator g is not in the range/],
    ['g = p + 1', { g: p + 1n }, /generator g is not in the range/],
    ['y = 1', { y: 1n }, /public key y is not in the range 1 < y < p/],
    ['y = -3', { y: -3n }, /public key y is not in the range/],
    ['y = p', { y: p }, /public key y is not in the range/],
    ['p < 0', { p: -p }, /p or q that is not positive/],
    ['q < 0', { q: -ofBits(224) }, /p or q that is not positive/],
    ['no domain parameters', { algorithm: sequence(oid(DSA_OID)) }, /no domain parameters/],
    ['NULL domain parameters', { algorithm: sequence(oid(DSA_OID), element(0x05, new Uint8Array())) }, /SEQUENCE/],
    [
      'a fourth domain parameter',
      { algorithm: sequence(oid(DSA_OID), sequence(integer(p), integer(ofBits(224)), integer(2n), integer(0n))) },
      /3 byte\(s\) after the end/,
    ],
    [
      'something after the domain parameters',
      { algorithm: sequence(oid(DSA_OID), sequence(integer(p), integer(ofBits(224)), integer(2n)), integer(0n)) },
      /3 byte\(s\) after the end/,
    ],
    ['y that is not an INTEGER', { publicKey: element(0x04, Uint8Array.of(3)) }, /expected an INTEGER/],
    ['a byte after y', { publicKey: concat(integer(3n), Uint8Array.of(0)) }, /1 byte\(s\) after the end/],
  ] satisfies Array<[string, DsaParts, RegExp]>)('refuses a key with %s (key_malformed)', (_, parts, message) => {
    expectRefused(() => dsaKeyFromSpki(dsaSpki(parts)), 'key_malformed', message);
  });

  it('refuses a key of another algorithm (key_wrong_kind)', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const der = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    expectRefused(() => dsaKeyFromSpki(der), 'key_wrong_kind', /not a DSA key: its algorithm is 1\.3\.101\.112/);
  });
});
