/**
 * Strict base64url (RFC 4648 §5, no padding) as JOSE requires, in Node and in a browser alike (the console checks
 * evidence in the page with the same code).
 *
 * Decoders are lenient: Node's skips characters outside the alphabet and ignores the unused low bits of the last
 * character, so two different strings can decode to the same bytes. For an envelope that must reject any change of any
 * character, decoding has to be canonical: only alphabet characters, no impossible length, and the re-encoding of the
 * result must give back the input exactly.
 */

/** Node's Buffer where there is one (fast, native); a browser has none and uses btoa/atob. */
type NodeBuffer = Uint8Array & { toString(encoding: 'base64url'): string };
const NodeBuffer = (globalThis as { Buffer?: { from(data: Uint8Array | string, encoding?: 'base64url'): NodeBuffer } })
  .Buffer;

const ALPHABET = /^[A-Za-z0-9_-]*$/;

/** Encodes bytes (or a UTF-8 string) as unpadded base64url. */
export function encode(data: Uint8Array | string): string {
  if (NodeBuffer) return NodeBuffer.from(data).toString('base64url');
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Decodes canonical unpadded base64url; returns `undefined` for anything else (never throws). The round trip is the
 * whole check: whatever a decoder skipped or tolerated (characters outside the alphabet, `+`, `/`, padding,
 * whitespace, an impossible length, stray low bits) makes the re-encoding differ from the input.
 */
export function decode(text: string): Uint8Array | undefined {
  if (typeof text !== 'string') return undefined;
  let bytes: Uint8Array;
  if (NodeBuffer) bytes = NodeBuffer.from(text, 'base64url');
  else {
    if (!ALPHABET.test(text) || text.length % 4 === 1) return undefined;
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  }
  return encode(bytes) === text ? bytes : undefined;
}
