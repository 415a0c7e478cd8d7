/**
 * The browser's DER reader (web/crypto/der.ts) reads DER and refuses every other encoding of the same value, and the
 * DSA key reader (web/crypto/dsa.ts) accepts exactly the DSA keys the server accepts, by their structure, sizes and
 * ranges. Keys here are written by hand (a small DER writer below), so each refused key differs from an accepted one
 * in one thing only.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyError } from '../shared/errors.js';
import type { KeyErrorCode } from '../shared/errors.js';
import { describeKey } from '../shared/keys.js';
import { DerReader, readSpki } from '../web/crypto/der.js';
import { dsaKeyFromSpki } from '../web/crypto/dsa.js';

// A minimal DER writer, for the test inputs.
function element(tag: number, contents: Uint8Array): Uint8Array {
  const lengthBytes: number[] = [];
  for (let rest = contents.length; rest > 0; rest = Math.floor(rest / 256)) lengthBytes.unshift(rest % 256);
  const length = contents.length < 0x80 ? [contents.length] : [0x80 | lengthBytes.length, ...lengthBytes];
  return Uint8Array.from([tag, ...length, ...contents]);
}
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));
const sequence = (...items: Uint8Array[]) => element(0x30, concat(...items));
function integerBytes(value: bigint): Uint8Array {
  let bytes = 1;
  while (value < -(1n << BigInt(8 * bytes - 1)) || value >= 1n << BigInt(8 * bytes - 1)) bytes += 1;
  const unsigned = value < 0n ? value + (1n << BigInt(8 * bytes)) : value;
  return Uint8Array.from(Buffer.from(unsigned.toString(16).padStart(2 * bytes, '0'), 'hex'));
}
const integer = (value: bigint) => element(0x02, integerBytes(value));
function oid(dotted: string): Uint8Array {
  const [first, second, ...rest] = dotted.split('.').map(BigInt);
  const bytes = [40n * first! + second!, ...rest].flatMap((arc) => {
    const groups = [Number(arc & 0x7fn)];
    for (let high = arc >> 7n; high > 0n; high >>= 7n) groups.unshift(Number(high & 0x7fn) | 0x80);
    return groups;
  });
  return element(0x06, Uint8Array.from(bytes));
}
const bitString = (bytes: Uint8Array) => element(0x03, concat(Uint8Array.of(0), bytes));
const hex = (text: string) => Uint8Array.from(Buffer.from(text.replaceAll(' ', ''), 'hex'));

const DSA_OID = '1.2.840.10040.4.1';

/** A number of exactly `bits` bits (top bit set, odd): sizes are what the key reader checks, not primality. */
const ofBits = (bits: number) => (1n << BigInt(bits - 1)) | 0x5a5a5a5a5a5n | 1n;

interface DsaParts {
  p?: bigint;
  q?: bigint;
  g?: bigint;
  y?: bigint;
  algorithm?: Uint8Array;
  publicKey?: Uint8Array;
}
/** A DSA SPKI (RFC 3279): 2048/224 with g = 2, y = 3 unless told otherwise. */
function dsaSpki(parts: DsaParts = {}): Uint8Array {
  const { p = ofBits(2048), q = ofBits(224), g = 2n, y = 3n } = parts;
  const algorithm = parts.algorithm ?? sequence(oid(DSA_OID), sequence(integer(p), integer(q), integer(g)));
  return sequence(algorithm, bitString(parts.publicKey ?? integer(y)));
}

function refusal(work: () => unknown): KeyError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(KeyError);
    return error as KeyError;
  }
  throw new Error('expected a KeyError, but it succeeded');
}
function expectRefused(work: () => unknown, code: KeyErrorCode, message: RegExp): void {
  const error = refusal(work);
  expect(error.code).toBe(code);
  expect(error.message).toMatch(message);
}

describe('DerReader', () => {
  it.each([
    ['00', 0n],
    ['7f', 127n],
    ['0080', 128n],
    ['80', -128n],
    ['ff7f', -129n],
    ['00ff', 255n],
    ['0100', 256n],
  ])('reads the INTEGER %s as %s', (contents, value) => {
    const reader = new DerReader(element(0x02, hex(contents)));
    expect(reader.integer()).toBe(value);
    expect(reader.done).toBe(true);
  });

  it('reads every integer its minimal encoding gives (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 3100n), max: 1n << 3100n }), (value) => {
        expect(new DerReader(integer(value)).integer()).toBe(value);
      }),
    );
  });

  it.each([
    ['an empty INTEGER', '0200', /empty INTEGER/],
    ['a needless 00 byte', '0202007f', /needless leading byte/],
    ['a needless ff byte', '0202ff80', /needless leading byte/],
  ])('refuses %s', (_, bytes, message) => {
    expectRefused(() => new DerReader(hex(bytes)).integer(), 'key_malformed', message);
  });

  it.each([
    ['1.2.840.10040.4.1', '2a8648ce380401'],
    ['1.3.101.112', '2b6570'],
    ['2.999.3', '883703'],
    ['0.39', '27'],
  ])('reads the OBJECT IDENTIFIER %s', (dotted, contents) => {
    expect(new DerReader(element(0x06, hex(contents))).oid()).toBe(dotted);
    expect(oid(dotted)).toEqual(element(0x06, hex(contents)));
  });

  it.each([
    ['an empty OBJECT IDENTIFIER', '0600', /empty OBJECT IDENTIFIER/],
    ['an arc with a needless leading byte', '06032a8001', /needless leading byte/],
    ['a last arc cut short', '06022a86', /cut short/],
  ])('refuses %s', (_, bytes, message) => {
    expectRefused(() => new DerReader(hex(bytes)).oid(), 'key_malformed', message);
  });

  it('reads a BIT STRING of whole bytes and a NULL', () => {
    const reader = new DerReader(hex('0303 00 abcd 0500'));
    expect(reader.bitString()).toEqual(hex('abcd'));
    reader.null();
    reader.end();
  });

  it.each([
    ['a BIT STRING without its unused-bits byte', () => new DerReader(hex('0300')).bitString(), /unused-bits byte/],
    ['a BIT STRING that is not whole bytes', () => new DerReader(hex('03020780')).bitString(), /not whole bytes/],
    ['a NULL with contents', () => new DerReader(hex('050100')).null(), /NULL with contents/],
    ['another tag than the one expected', () => new DerReader(hex('040100')).integer(), /expected an INTEGER.*0x04/],
    ['the end of the input', () => new DerReader(hex('')).sequence(), /found the end of the input/],
    ['an element without its length', () => new DerReader(hex('30')).sequence(), /without its length/],
  ])('refuses %s', (_, work, message) => {
    expectRefused(work, 'key_malformed', message);
  });

  describe('lengths', () => {
    const contents = new Uint8Array(200).fill(7);
    it('reads short and long forms (a control for the refusals below)', () => {
      expect(new DerReader(hex('3003 020105')).sequence().integer()).toBe(5n);
      expect(new DerReader(concat(hex('0481c8'), contents)).done).toBe(false);
      const reader = new DerReader(concat(hex('0381c9 00'), contents));
      expect(reader.bitString()).toEqual(contents);
      reader.end();
    });

    it.each([
      ['an indefinite length', '3080 020105 0000', /indefinite length/],
      ['a long form for a length below 128', '3081 03 020105', /not in the short form/],
      ['a long form with a leading zero byte', '3082 0003 020105', /needless leading zero/],
      ['a length field of 5 bytes', '3085 0000000003 020105', /5-byte length/],
      ['the reserved length byte 0xff', '30ff', /127-byte length/],
      ['a length field cut short', '3082 01', /length is cut short/],
      ['a length past the end of the input', '3004 020105', /runs past the end/],
    ])('refuses %s', (_, bytes, message) => {
      expectRefused(() => new DerReader(hex(bytes)).sequence(), 'key_malformed', message);
    });
  });

  it('refuses bytes left after a structure', () => {
    const reader = new DerReader(hex('3006 020105 020106')).sequence();
    expect(reader.integer()).toBe(5n);
    expectRefused(() => reader.end(), 'key_malformed', /3 byte\(s\) after the end/);
  });
});

describe('readSpki', () => {
  const spkiOf = (publicKey: KeyObject) => new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  const spkis = [
    { type: 'rsa', der: spkiOf(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey) },
    { type: 'ec', der: spkiOf(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey) },
    { type: 'ed25519', der: spkiOf(generateKeyPairSync('ed25519').publicKey) },
  ] as const;

  it.each(spkis)('reads a $type key as node:crypto writes it', ({ type, der }) => {
    const spki = readSpki(der);
    expect(spki.algorithm).toBe({ rsa: '1.2.840.113549.1.1.1', ec: '1.2.840.10045.2.1', ed25519: '1.3.101.112' }[type]);
    expect(spki.publicKey.length).toBe({ rsa: 270, ec: 65, ed25519: 32 }[type]);
  });

  it.each(spkis)('refuses a $type key with a byte appended', ({ der }) => {
    expectRefused(() => readSpki(concat(der, Uint8Array.of(0))), 'key_malformed', /1 byte\(s\) after the end/);
  });

  it.each(spkis)('refuses a $type key cut short by one byte', ({ der }) => {
    expectRefused(() => readSpki(der.subarray(0, -1)), 'key_malformed', /runs past the end/);
  });

  it('refuses an SPKI with a third member', () => {
    const members = [sequence(oid(DSA_OID)), bitString(integer(3n))] as const;
    expect(readSpki(sequence(...members)).algorithm).toBe(DSA_OID);
    const third = element(0x05, new Uint8Array());
    expectRefused(() => readSpki(sequence(...members, third)), 'key_malformed', /2 byte\(s\) after the end/);
  });

  it('throws nothing but a KeyError on any input (property)', () => {
    const der = spkis[0].der;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }),
          fc.tuple(fc.nat(der.length - 1), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => der.with(at, byte)),
        ),
        (bytes) => {
          try {
            readSpki(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(KeyError);
          }
        },
      ),
    );
  });
});

describe('dsaKeyFromSpki', () => {
  it('reads p, q, g and y from a key written by hand (the control for the refusals below)', () => {
    expect(dsaKeyFromSpki(dsaSpki({ g: 5n, y: 7n }))).toEqual({ p: ofBits(2048), q: ofBits(224), g: 5n, y: 7n });
  });

  it.each([
    [2048, 224],
    [2048, 256],
    [3072, 256],
  ])('accepts L/N %i/%i', (l, n) => {
    expect(dsaKeyFromSpki(dsaSpki({ p: ofBits(l), q: ofBits(n) })).q).toBe(ofBits(n));
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
