// How `po` is bundled: one ES module with its dependencies inlined, for Node 20 and later. scripts/build-cli.mjs
// writes the repository's copy (dist/po.mjs, which bin/po.mjs loads) and scripts/pack-po.mjs the installable package's.

/** The code every bundle of `po` starts with: bundled CommonJS dependencies may call require(), so give them one. */
export const REQUIRE_BANNER =
  "import { createRequire as __poCreateRequire } from 'node:module'; const require = __poCreateRequire(import.meta.url);";

/** esbuild's options for a bundle of `po` (the caller adds where it goes and whether it has a source map). */
export const CLI_BUNDLE = {
  entryPoints: ['cli/entry.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  // Syntax is lowered for Node 20; the Node APIs po calls must exist in 20.0 too (docs/design.md, "po on its own").
  target: 'node20',
  logLevel: 'warning',
  banner: { js: REQUIRE_BANNER },
};
