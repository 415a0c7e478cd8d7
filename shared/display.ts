/**
 * Text from customers shown to people (a terminal, an email): characters that change how text around them is shown —
 * bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069), marks (U+200E, U+200F, U+061C), the other
 * invisible format characters, and control characters (a terminal's escape sequences) but line breaks and tabs — are
 * written as visible `\u{…}` escapes, so a note cannot reorder, hide or restyle what surrounds it. Everything else is
 * kept as it is.
 */
const INVISIBLE = /[\p{Cf}\p{Cc}\p{Cs}]/gu;
/** In one line, line and paragraph separators too (and line feeds and tabs, which {@link showable} keeps). */
const INVISIBLE_IN_A_LINE = /[\p{Cf}\p{Cc}\p{Cs}\p{Zl}\p{Zp}]/gu;

const escaped = (char: string) => `\\u{${char.codePointAt(0)!.toString(16).toUpperCase()}}`;

export function showable(text: string): string {
  return text.replace(INVISIBLE, (char) => (char === '\n' || char === '\t' ? char : escaped(char)));
}

/**
 * Text shown on one line (a product's name in an email's order line): as {@link showable}, with line breaks, tabs and
 * line or paragraph separators escaped as well, so that stored text from before the catalogue's text rule
 * (shared/text.ts) cannot start a line of its own.
 */
export function showableLine(text: string): string {
  return text.replace(INVISIBLE_IN_A_LINE, escaped);
}

/** `text` cut to `max` characters (code points, never half a surrogate pair), with `…` when it was longer. */
export function shortened(text: string, max: number): string {
  const characters = [...text];
  return characters.length > max ? `${characters.slice(0, max).join('')}…` : text;
}

/**
 * What a person typed, quoted in a message: shortened to `max` characters, in JSON quotes (control characters
 * escaped), invisible and bidirectional characters shown as `\u{…}`: shown, never obeyed.
 */
export function quoted(text: string, max = 80): string {
  return showable(JSON.stringify(shortened(text, max)));
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** A plain-text email as HTML with the same content, character for character (escaped, preformatted). */
export function htmlOf(text: string): string {
  return `<!doctype html><html><body><pre style="font: 14px/1.4 ui-monospace, monospace; white-space: pre-wrap">${escapeHtml(text)}</pre></body></html>`;
}
