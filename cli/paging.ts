/** The page options (`--limit`, `--cursor`) of every list command, as the query of its API route. */

/** `?limit=…&cursor=…` for the page options given, after `extra` parameters (`status`); empty when there are none. */
export function pageQuery(options: { limit?: string; cursor?: string }, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams(extra);
  if (options.limit !== undefined) query.set('limit', options.limit);
  if (options.cursor !== undefined) query.set('cursor', options.cursor);
  const text = query.toString();
  return text ? `?${text}` : '';
}
