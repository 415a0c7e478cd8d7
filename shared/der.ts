/**
 * A minimal, strict DER reader (ITU-T X.690 §10): SEQUENCE, INTEGER, OBJECT IDENTIFIER, BIT STRING, OCTET STRING, NULL
 * and context-specific elements — what reading a SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) and a PKCS#8 private key,
 * plain or encrypted (RFC 5208, RFC 5958, RFC 8018), needs, and nothing more.
 *
 * Strict because a key is evidence: DER gives every value one encoding, and this reader accepts that one only (no
 * indefinite length, no length or integer with a needless leading byte, no trailing bytes), so a key read here is the
 * key the server read, byte for byte. Every refusal is a {@link KeyError} `key_malformed` saying what was wrong.
 */
import { KeyError } from './errors.js';

const TAG = { integer: 0x02, bitString: 0x03, octetString: 0x04, null: 0x05, oid: 0x06, sequence: 0x30 } as const;

/** Longest length field accepted: 4 bytes (4 GiB) is far beyond any key; a longer field is not a key. */
const MAX_LENGTH_BYTES = 4;

function malformed(why: string): KeyError {
  return new KeyError('key_malformed', `the key's DER encoding is invalid: ${why}`);
}

const hex = (byte: number) => `0x${byte.toString(16).padStart(2, '0')}`;

/**
 * Reads DER elements one after the other from a byte string. A constructed element (a SEQUENCE) is read into a reader
 * of its own: call {@link DerReader.end} on every reader once its expected elements are read, so nothing is left over.
 */
export class DerReader {
  readonly #bytes: Uint8Array;
  #offset = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  /** True once every byte has been read. */
  get done(): boolean {
    return this.#offset === this.#bytes.length;
  }

  /** Refuses anything left after the elements read so far. */
  end(): void {
    const left = this.#bytes.length - this.#offset;
    if (left !== 0) throw malformed(`${left} byte(s) after the end of the structure`);
  }

  /** Reads a SEQUENCE and returns a reader over its contents. */
  sequence(): DerReader {
    return new DerReader(this.#element(TAG.sequence, 'a SEQUENCE'));
  }

  /** Reads an INTEGER (two's complement, minimally encoded). */
  integer(): bigint {
    const contents = this.#element(TAG.integer, 'an INTEGER');
    const [first, second] = contents;
    if (first === undefined) throw malformed('an empty INTEGER');
    // X.690 §8.3.2: the first nine bits are never all zeros or all ones (a needless sign byte).
    if (second !== undefined && ((first === 0x00 && second < 0x80) || (first === 0xff && second >= 0x80)))
      throw malformed('an INTEGER with a needless leading byte');
    const magnitude = BigInt(`0x${[...contents].map((byte) => byte.toString(16).padStart(2, '0')).join('')}`);
    return first >= 0x80 ? magnitude - (1n << BigInt(8 * contents.length)) : magnitude;
  }

  /** Reads an OBJECT IDENTIFIER, in dotted form ("1.2.840.10040.4.1"). */
  oid(): string {
    const contents = this.#element(TAG.oid, 'an OBJECT IDENTIFIER');
    if (contents.length === 0) throw malformed('an empty OBJECT IDENTIFIER');
    const subidentifiers: bigint[] = [];
    let value = 0n;
    let fresh = true;
    for (const byte of contents) {
      // X.690 §8.19.2: a subidentifier's first byte is never 0x80 (a needless leading zero group).
      if (fresh && byte === 0x80) throw malformed('an OBJECT IDENTIFIER arc with a needless leading byte');
      value = (value << 7n) | BigInt(byte & 0x7f);
      fresh = (byte & 0x80) === 0;
      if (fresh) {
        subidentifiers.push(value);
        value = 0n;
      }
    }
    if (!fresh) throw malformed('an OBJECT IDENTIFIER whose last arc is cut short');
    // The first subidentifier packs the first two arcs (X.690 §8.19.4): 40·X + Y, X ∈ {0, 1, 2}.
    const head = subidentifiers[0]!;
    const first = head < 40n ? 0n : head < 80n ? 1n : 2n;
    return [first, head - 40n * first, ...subidentifiers.slice(1)].join('.');
  }

  /** Reads a BIT STRING of whole bytes (as an SPKI's key is) and returns those bytes. */
  bitString(): Uint8Array {
    const contents = this.#element(TAG.bitString, 'a BIT STRING');
    if (contents.length === 0) throw malformed('a BIT STRING without its unused-bits byte');
    if (contents[0] !== 0) throw malformed('a BIT STRING that is not whole bytes');
    return contents.subarray(1);
  }

  /** Reads an OCTET STRING and returns its bytes. */
  octetString(): Uint8Array {
    return this.#element(TAG.octetString, 'an OCTET STRING');
  }

  /** The tag of the next element, or `undefined` at the end: how a reader decides on an OPTIONAL element. */
  get nextTag(): number | undefined {
    return this.#bytes[this.#offset];
  }

  /** Reads an element of any one tag (a context-specific `[0]`, say) and returns its contents, unread. */
  tagged(tag: number, name: string): Uint8Array {
    return this.#element(tag, name);
  }

  /** Reads a NULL. */
  null(): void {
    if (this.#element(TAG.null, 'a NULL').length !== 0) throw malformed('a NULL with contents');
  }

  /** Reads one element of the given tag (low-tag-number form only) and returns its contents. */
  #element(tag: number, name: string): Uint8Array {
    const bytes = this.#bytes;
    const found = bytes[this.#offset];
    if (found === undefined) throw malformed(`expected ${name}, found the end of the input`);
    if (found !== tag) throw malformed(`expected ${name} (tag ${hex(tag)}), found tag ${hex(found)}`);
    const lengthByte = bytes[this.#offset + 1];
    if (lengthByte === undefined) throw malformed(`${name} without its length`);
    let start = this.#offset + 2;
    let length = lengthByte;
    if (lengthByte === 0x80) throw malformed(`${name} of indefinite length (BER, not DER)`);
    if (lengthByte > 0x80) {
      const count = lengthByte & 0x7f;
      if (count > MAX_LENGTH_BYTES) throw malformed(`${name} with a ${count}-byte length`);
      if (start + count > bytes.length) throw malformed(`${name} whose length is cut short`);
      if (bytes[start] === 0) throw malformed(`${name} whose length has a needless leading zero byte`);
      length = 0;
      for (const byte of bytes.subarray(start, start + count)) length = length * 256 + byte;
      // X.690 §10.1: lengths below 128 take the one-byte short form.
      if (length < 0x80) throw malformed(`${name} whose length ${length} is not in the short form`);
      start += count;
    }
    if (start + length > bytes.length) throw malformed(`${name} that runs past the end of the input`);
    this.#offset = start + length;
    return bytes.subarray(start, start + length);
  }
}

/** A SubjectPublicKeyInfo, split: its algorithm's OID, a reader over the algorithm's parameters, the key's bytes. */
export interface Spki {
  readonly algorithm: string;
  /** Whatever follows the OID in the AlgorithmIdentifier: read it (or check it is empty) and call `end()`. */
  readonly parameters: DerReader;
  readonly publicKey: Uint8Array;
}

/**
 * Reads a DER SubjectPublicKeyInfo: `SEQUENCE { SEQUENCE { OID, parameters… }, BIT STRING }`, nothing after it.
 * @throws KeyError `key_malformed`
 */
export function readSpki(der: Uint8Array): Spki {
  const input = new DerReader(der);
  const spki = input.sequence();
  input.end();
  const algorithmIdentifier = spki.sequence();
  const algorithm = algorithmIdentifier.oid();
  const publicKey = spki.bitString();
  spki.end();
  return { algorithm, parameters: algorithmIdentifier, publicKey };
}
