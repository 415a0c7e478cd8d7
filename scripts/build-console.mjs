// Builds the OPD console (web/console/) into dist/console/: one minified ES module and one style sheet, the files
// contract/console.ts names. Runs with the CLI build (`npm install`), before the tests, on `npm start` and on `cdk synth`.
// `--report` prints each file's size, raw and gzipped (the README quotes it).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const out = 'dist/console';
mkdirSync(out, { recursive: true });
await build({
  entryPoints: ['web/console/main.ts'],
  outfile: `${out}/console.js`,
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'chrome120',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  // A browser has no node: modules: an import of one is a mistake to catch here, not at run time.
  external: [],
});
copyFileSync('web/console/console.css', `${out}/console.css`);
copyFileSync('web/console/favicon.svg', `${out}/favicon.svg`);

if (process.argv.includes('--report')) {
  let total = 0;
  for (const file of ['console.js', 'console.css', 'favicon.svg']) {
    const bytes = readFileSync(`${out}/${file}`);
    const gzipped = gzipSync(bytes, { level: 9 }).length;
    total += gzipped;
    console.log(`${file.padEnd(12)} ${String(bytes.length).padStart(8)} bytes, ${String(gzipped).padStart(7)} gzipped`);
  }
  console.log(`${'total'.padEnd(12)} ${''.padStart(8)}        ${String(total).padStart(7)} gzipped`);
}
