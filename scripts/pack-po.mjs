// `npm run pack:po`: makes the installable `po` package, the tarball an OPD hands its customers. It bundles the CLI
// into one file with nothing to install beside it, stages it with packages/po/ (its package.json, without a version:
// the root's is the one version, and README.md), writes the notices of the code bundled in it, and packs the stage
// into dist/. Prints the tarball, its sizes and its files; `--json` prints them as one JSON object (the test reads it).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { CLI_BUNDLE, REQUIRE_BANNER } from './cli-bundle.mjs';

const root = resolve(import.meta.dirname, '..');
const stage = join(root, 'dist', 'po-package');
const Manifest = z.looseObject({ name: z.string(), version: z.string().optional(), license: z.string().optional() });
const NpmPack = z.tuple([
  z.object({
    filename: z.string(),
    size: z.number(),
    unpackedSize: z.number(),
    files: z.array(z.object({ path: z.string(), size: z.number() })),
  }),
]);
const template = Manifest.parse(JSON.parse(readFileSync(join(root, 'packages/po/package.json'), 'utf8')));
const { version } = Manifest.parse(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')));

// What makes the package install anywhere, offline: nothing to fetch and nothing to run. A field that would change
// that is a mistake in packages/po/package.json, stopped here rather than found on a customer's machine.
for (const field of ['version', 'dependencies', 'optionalDependencies', 'peerDependencies', 'scripts'])
  if (field in template) throw new Error(`packages/po/package.json must not have "${field}" (see scripts/pack-po.mjs)`);

rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
const { metafile } = await build({
  ...CLI_BUNDLE,
  absWorkingDir: root,
  outfile: join(stage, 'po.mjs'),
  // No source map: po never prints a stack trace, and the bundle is not minified, so its own lines read as they are.
  sourcemap: false,
  metafile: true,
  banner: { js: `#!/usr/bin/env node\n${REQUIRE_BANNER}` },
});
chmodSync(join(stage, 'po.mjs'), 0o755);
writeFileSync(join(stage, 'THIRD-PARTY-LICENSES.txt'), notices(Object.keys(metafile.inputs)));
writeFileSync(
  join(stage, 'package.json'),
  `${JSON.stringify({ name: template.name, version, ...template }, null, 2)}\n`,
);
copyFileSync(join(root, 'packages/po/README.md'), join(stage, 'README.md'));

const npmPack = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', join(root, 'dist')], {
  cwd: stage,
  encoding: 'utf8',
});
const [packed] = NpmPack.parse(JSON.parse(npmPack));
const report = {
  tarball: join(root, 'dist', packed.filename),
  size: packed.size,
  unpackedSize: packed.unpackedSize,
  files: packed.files.map((file) => ({ path: file.path, size: file.size })),
};
if (process.argv.includes('--json')) console.log(JSON.stringify(report));
else {
  const kb = (/** @type {number} */ bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
  console.log(
    `${report.tarball}\n${kb(report.size)} packed, ${kb(report.unpackedSize)} unpacked, ${report.files.length} files:`,
  );
  for (const file of report.files) console.log(`  ${file.path.padEnd(26)} ${kb(file.size).padStart(10)}`);
}

/**
 * The licence notices of every package whose code the bundle holds (their licences ask that the notice travel with
 * the code). `inputs` are the bundle's input files; a bundled package without a licence file stops the build.
 * @param {string[]} inputs
 * @returns {string}
 */
function notices(inputs) {
  const packages = [
    ...new Set(inputs.flatMap((input) => /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1] ?? [])),
  ];
  const sections = packages.sort().map((folder) => {
    const manifest = Manifest.parse(JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8')));
    const licenceFile = readdirSync(join(root, folder)).find((name) => /^licen[cs]e(\.(md|txt))?$/i.test(name));
    if (!licenceFile) throw new Error(`${manifest.name} is bundled into po but ships no licence file`);
    const text = readFileSync(join(root, folder, licenceFile), 'utf8').trim();
    return `${manifest.name} ${manifest.version ?? ''} (${manifest.license ?? 'licence below'})\n\n${text}\n`;
  });
  const heading = 'po bundles the code of these packages, under their own licences.\n';
  return [heading, ...sections].join(`\n${'-'.repeat(78)}\n\n`);
}
