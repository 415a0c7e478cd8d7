// Bundles the `po` CLI into dist/po.mjs (one file, dependencies included) for bin/po.mjs to load.
// Runs on `npm install`/`npm ci` (the "prepare" script) and before the tests (test/global-setup.ts).
import { build } from 'esbuild';

await build({
  entryPoints: ['cli/entry.ts'],
  outfile: 'dist/po.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // Bundled CommonJS dependencies may call require(); give them one.
  banner: {
    js: "import { createRequire as __poCreateRequire } from 'node:module'; const require = __poCreateRequire(import.meta.url);",
  },
});
