/**
 * Strict base64url (RFC 4648 §5, no padding) as JOSE requires.
 *
 * Node's decoder is lenient: it skips characters outside the alphabet and ignores the unused low bits of the last
 * character, so two different strings can decode to the same bytes. For an envelope that must reject any change of any
 * character, decoding has to be canonical: only alphabet characters, no impossible length, and the re-encoding of the
 * result must give back the input exactly.
 */

/** Encodes bytes (or a UTF-8 string) as unpadded base64url. */
export function encode(data: Uint8Array | string): string {
  return Buffer.from(data).toString('base64url');
}

/**
 * Decodes canonical unpadded base64url; returns `undefined` for anything else (never throws). The round trip is the
 * whole check: whatever Node's decoder skipped or tolerated (characters outside the alphabet, `+`, `/`, padding,
 * whitespace, an impossible length, stray low bits) makes the re-encoding differ from the input.
 */
export function decode(text: string): Buffer | undefined {
  if (typeof text !== 'string') return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}
