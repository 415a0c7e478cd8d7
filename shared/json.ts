/**
 * Strict JSON for signed and security-relevant objects: an object (not an array or a scalar) whose member names are
 * unique at every level. RFC 7515 §5.2 lets a receiver reject duplicates or keep the last; we reject, so that no two
 * parsers can read the same signed bytes differently.
 */

/** Colons outside strings: in valid JSON each one separates exactly one member name from its value. */
function countMemberSeparators(text: string): number {
  let count = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c)
        i++; // backslash: skip the escaped character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x3a) count++;
  }
  return count;
}

function countMembers(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + countMembers(item), 0);
  return Object.entries(value).reduce((sum, [, item]) => sum + 1 + countMembers(item), 0);
}

/** Parses `text` as a JSON object with unique member names; returns `undefined` for anything else (never throws). */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return countMembers(value) === countMemberSeparators(text) ? (value as Record<string, unknown>) : undefined;
}
