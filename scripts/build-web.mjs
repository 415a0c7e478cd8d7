// Builds the web apps (web/console/, web/portal/) into dist/<app>/: one minified ES module and one style sheet each,
// the files contract/web-apps.ts names. Runs with the CLI build (`npm install`), before the tests, on `npm start` and on
// `cdk synth`. `--report` prints each file's size, raw and gzipped (the README quotes it). Names given as arguments
// build only those apps.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const APPS = ['console', 'portal'];
const chosen = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
for (const app of chosen) if (!APPS.includes(app)) throw new Error(`no web app named ${app}: ${APPS.join(', ')}`);

for (const app of chosen.length > 0 ? chosen : APPS) {
  const out = `dist/${app}`;
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [`web/${app}/main.ts`],
    outfile: `${out}/${app}.js`,
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
  // The app's style sheet with the shared one it imports, in one file (the page links one).
  await build({
    entryPoints: [`web/${app}/${app}.css`],
    outfile: `${out}/${app}.css`,
    bundle: true,
    minify: true,
    logLevel: 'warning',
  });
  copyFileSync('web/common/favicon.svg', `${out}/favicon.svg`);

  if (process.argv.includes('--report')) {
    let total = 0;
    for (const file of [`${app}.js`, `${app}.css`, 'favicon.svg']) {
      const bytes = readFileSync(`${out}/${file}`);
      const gzipped = gzipSync(bytes, { level: 9 }).length;
      total += gzipped;
      console.log(
        `${file.padEnd(12)} ${String(bytes.length).padStart(8)} bytes, ${String(gzipped).padStart(7)} gzipped`,
      );
    }
    console.log(`${`${app} total`.padEnd(12)} ${''.padStart(8)}        ${String(total).padStart(7)} gzipped`);
  }
}
