// Bundles the `po` CLI into dist/po.mjs (one file, dependencies included) for bin/po.mjs to load.
// Runs on `npm install`/`npm ci` (the "prepare" script) and before the tests (test/global-setup.ts).
import { build } from 'esbuild';
import { CLI_BUNDLE } from './cli-bundle.mjs';

await build({ ...CLI_BUNDLE, outfile: 'dist/po.mjs', sourcemap: 'linked' });
