/**
 * Strict JSON for signed and security-relevant objects: an object (not an array or a scalar) whose member names are
 * unique at every level. RFC 7515 §5.2 lets a receiver reject duplicates or keep the last; we reject, so that no two
 * parsers can read the same signed bytes differently.
 */

/**
 * One pass over the text: the colons outside strings (in valid JSON each one separates exactly one member name from
 * its value), and whether a string holds a `\u` escape (the only way JSON text that is itself well-formed UTF-16 can
 * spell a lone surrogate).
 */
function scan(text: string): { separators: number; unicodeEscapes: boolean } {
  let separators = 0;
  let unicodeEscapes = false;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c) {
        if (text.charCodeAt(i + 1) === 0x75) unicodeEscapes = true;
        i++; // backslash: skip the escaped character
      } else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x3a) separators++;
  }
  return { separators, unicodeEscapes };
}

/**
 * Members of every object at every depth. Iterative, with an explicit stack: JSON.parse accepts nesting far deeper
 * than the call stack (a 200,000-deep array parses), and this runs on untrusted input.
 */
function countMembers(root: unknown): number {
  let count = 0;
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
      continue;
    }
    for (const item of Object.values(value)) {
      count++;
      pending.push(item);
    }
  }
  return count;
}

/**
 * True when a member name or string anywhere in `root` is ill-formed UTF-16 (a lone surrogate, which JSON can spell
 * as `"\ud800"`): such text has no UTF-8 encoding, so it cannot be stored, signed, mailed or shown faithfully.
 * Iterative, like {@link countMembers}.
 */
export function holdsIllFormedText(root: unknown): boolean {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (!value.isWellFormed()) return true;
    } else if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
    } else if (typeof value === 'object' && value !== null) {
      for (const [name, item] of Object.entries(value)) {
        if (!name.isWellFormed()) return true;
        pending.push(item);
      }
    }
  }
  return false;
}

/**
 * Parses `text` as a JSON object with unique member names and well-formed text; returns `undefined` for anything else
 * (never throws).
 */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { separators, unicodeEscapes } = scan(text);
  // Without a \u escape, every string of the value is made of the text's own characters (the other escapes stand for
  // ASCII, and a surrogate pair cannot straddle a quote): well-formed text cannot hold ill-formed strings.
  if ((unicodeEscapes || !text.isWellFormed()) && holdsIllFormedText(value)) return undefined;
  return countMembers(value) === separators ? (value as Record<string, unknown>) : undefined;
}
