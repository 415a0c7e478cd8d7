/**
 * `npm run bundles`: bundles every Lambda handler exactly as the CDK stack does (infra/bundling.ts), then reports
 * each bundle's size from esbuild's metafile, its largest inputs, and its module-init time (median of fresh
 * processes importing the bundle: what a cold start pays before the first invocation).
 * Writes bench/results/bundles.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { HANDLERS } from '../contract/handlers.js';
import { BUNDLING } from '../infra/bundling.js';

const RUNS = 7;
const outdir = mkdtempSync(join(tmpdir(), 'po-bundles-'));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const results = [];
for (const handler of HANDLERS) {
  const outfile = join(outdir, handler.name, 'index.mjs');
  const { metafile } = await build({
    entryPoints: [handler.entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: BUNDLING.format,
    target: BUNDLING.target,
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    banner: { js: BUNDLING.banner },
    mainFields: [...BUNDLING.mainFields],
    alias: { ...BUNDLING.alias },
    metafile: true,
    logLevel: 'error',
  });
  const output = metafile.outputs[Object.keys(metafile.outputs).find((name) => name.endsWith('index.mjs'))!]!;
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    const name = match ? match[1]! : 'project code';
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  const initMs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const script = `const t=process.hrtime.bigint();await import(${JSON.stringify(outfile)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
    initMs.push(Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })));
  }
  const largest = [...byPackage.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4);
  results.push({
    name: handler.name,
    bytes: output.bytes,
    initMs: Number(median(initMs).toFixed(1)),
    largest: Object.fromEntries(largest),
  });
}

mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/bundles.json',
  `${JSON.stringify({ node: process.version, runs: RUNS, results }, null, 2)}\n`,
);
console.log(
  `Lambda bundles (esbuild metafile; init = median of ${RUNS} fresh imports on ${process.version}, this machine)\n`,
);
console.log('| function | bundle KiB | init ms | largest inputs (KiB) |');
console.log('|---|---:|---:|---|');
for (const r of results) {
  const largest = Object.entries(r.largest)
    .map(([name, bytes]) => `${name} ${(bytes / 1024).toFixed(0)}`)
    .join(', ');
  console.log(`| ${r.name} | ${(r.bytes / 1024).toFixed(0)} | ${r.initMs} | ${largest} |`);
}
