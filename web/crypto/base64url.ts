/**
 * Strict base64url (RFC 4648 §5, no padding) for the browser, which has no `Buffer`: the same rule as
 * shared/base64url.ts. A text decodes only if encoding its bytes gives back exactly that text, so no two texts decode
 * to the same bytes: no padding, no whitespace, no `+` or `/`, no impossible length, no stray low bits in the last
 * character. A signed envelope must reject any change of any character; a lenient decoder would let one through.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Each character code's 6-bit value, or -1 outside the alphabet (codes above 127 are outside by construction). */
const VALUES = new Int8Array(128).fill(-1);
for (let index = 0; index < ALPHABET.length; index += 1) VALUES[ALPHABET.charCodeAt(index)] = index;

const utf8 = new TextEncoder();

/** Encodes bytes (or a string, as UTF-8) as unpadded base64url. */
export function encode(data: Uint8Array | string): string {
  const bytes = typeof data === 'string' ? utf8.encode(data) : data;
  const characters: string[] = [];
  for (let index = 0; index < bytes.length; index += 3) {
    const second = bytes[index + 1];
    const third = bytes[index + 2];
    const group = (bytes[index]! << 16) | ((second ?? 0) << 8) | (third ?? 0);
    characters.push(ALPHABET[group >> 18]!, ALPHABET[(group >> 12) & 63]!);
    if (second !== undefined) characters.push(ALPHABET[(group >> 6) & 63]!);
    if (third !== undefined) characters.push(ALPHABET[group & 63]!);
  }
  return characters.join('');
}

/**
 * Decodes canonical unpadded base64url; returns `undefined` for anything else (never throws). Characters outside the
 * alphabet are refused as they come; the round trip then catches the rest (an impossible length, stray low bits).
 */
export function decode(text: string): Uint8Array | undefined {
  if (typeof text !== 'string') return undefined;
  // Six bits a character, eight a byte: the bits left over at the end must be zero (the round trip checks them).
  const bytes = new Uint8Array(Math.floor((text.length * 3) / 4));
  let written = 0;
  let pending = 0;
  let pendingBits = 0;
  for (let index = 0; index < text.length; index += 1) {
    const value = VALUES[text.charCodeAt(index)] ?? -1;
    if (value < 0) return undefined;
    pending = (pending << 6) | value;
    pendingBits += 6;
    if (pendingBits >= 8) {
      pendingBits -= 8;
      bytes[written] = pending >> pendingBits;
      written += 1;
      pending &= (1 << pendingBits) - 1;
    }
  }
  return encode(bytes) === text ? bytes : undefined;
}
