#!/usr/bin/env node
// `po` launcher: runs the bundled CLI that `npm install` / `npm run build` writes to dist/po.mjs.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/po.mjs', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write('po: the CLI is not built yet; run `npm run build` (npm install does it too) [usage]\n');
  process.exit(2);
}
await import(bundle);
