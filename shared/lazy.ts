/**
 * A module-scope value built on its first use, then kept: for zod schemas. Every function imports the whole route
 * table (contract/routes.ts) and the evidence formats; building their schemas at import — or zod's own `z.lazy`
 * wrappers, which are schemas themselves — cost every cold start about 2 ms of module init for schemas most functions
 * never parse (`npm run bundles`).
 */
export function onFirstUse<T>(build: () => T): () => T {
  let built: { readonly value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}
