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
  if (holdsIllFormedText(value)) return undefined;
  return countMembers(value) === countMemberSeparators(text) ? (value as Record<string, unknown>) : undefined;
}
