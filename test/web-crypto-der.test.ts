/**
 * The DER reader (shared/der.ts, the console's and the OPD's) reads DER and refuses every other encoding of the same
 * value, and reads SubjectPublicKeyInfo as node:crypto writes it. (DSA keys: test/dsa-keys.test.ts.)
 */
import { generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyError } from '../shared/errors.js';
import { DerReader, readSpki } from '../shared/der.js';

import {
  element,
  concat,
  sequence,
  integer,
  oid,
  bitString,
  hex,
  DSA_OID,
  expectRefused,
} from './helpers/der-writer.js';

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
