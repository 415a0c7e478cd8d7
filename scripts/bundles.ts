/**
 * `npm run bundles`: bundles every Lambda handler exactly as the CDK stack does (infra/bundling.ts), then reports
 * each bundle's size from esbuild's metafile, its largest inputs, and its module-init time (median of fresh
 * processes importing the bundle: what a cold start pays before the first invocation).
 *
 * The order function's init is also compared with its floor: a bundle, built with the same settings, of only the SDK
 * clients it cannot do without (DynamoDB and KMS, created at module scope), imported in fresh processes alternating
 * with the order bundle ({@link PAIRS} pairs, which goes first alternating too: the machine may be shared, and the
 * ratio within a pair is what is compared). The goal is at most {@link FLOOR_LIMIT} times the floor.
 * Writes bench/results/bundles.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { BuildOptions } from 'esbuild';
import { HANDLERS } from '../contract/handlers.js';
import { BUNDLING } from '../infra/bundling.js';

const RUNS = 7;
const PAIRS = 40;
const FLOOR_LIMIT = 1.15;
const outdir = mkdtempSync(join(tmpdir(), 'po-bundles-'));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
/** The value `share` of the way up `values` sorted (0: the least, 1: the most). */
const quantile = (values: number[], share: number) =>
  [...values].sort((a, b) => a - b)[Math.round((values.length - 1) * share)]!;

/** The order function's floor: the SDK clients it must have, made at module scope, and nothing else. */
const ORDER_FLOOR_SOURCE = `
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
const region = process.env.AWS_REGION;
export const dynamodb = new DynamoDBClient({ region });
export const kms = new KMSClient({ region });
export const handler = async () => ({ statusCode: 204, body: '' });
`;

/** Bundles `entry` to `outfile` as the stack does (infra/bundling.ts), with esbuild's metafile. */
async function bundle(entry: Pick<BuildOptions, 'entryPoints' | 'stdin'>, outfile: string) {
  const { metafile } = await build({
    ...entry,
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
  return metafile.outputs[Object.keys(metafile.outputs).find((name) => name.endsWith('index.mjs'))!]!;
}

/** Milliseconds a fresh Node process takes to import `file` (its module init). */
function initMsOf(file: string): number {
  const script = `const t=process.hrtime.bigint();await import(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
}

const results = [];
for (const handler of HANDLERS) {
  const outfile = join(outdir, handler.name, 'index.mjs');
  const output = await bundle({ entryPoints: [handler.entry] }, outfile);
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    const name = match ? match[1]! : 'project code';
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  const initMs = Array.from({ length: RUNS }, () => initMsOf(outfile));
  const largest = [...byPackage.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4);
  results.push({
    name: handler.name,
    bytes: output.bytes,
    initMs: Number(median(initMs).toFixed(1)),
    largest: Object.fromEntries(largest),
  });
}

// The order function against its floor, in alternating pairs of fresh processes.
const floorFile = join(outdir, 'order-floor', 'index.mjs');
const floor = await bundle(
  { stdin: { contents: ORDER_FLOOR_SOURCE, resolveDir: process.cwd(), loader: 'ts' } },
  floorFile,
);
const orderFile = join(outdir, 'order', 'index.mjs');
const pairs = Array.from({ length: PAIRS }, (_, pair) => {
  const floorFirst = pair % 2 === 1;
  const floorBefore = floorFirst ? initMsOf(floorFile) : 0;
  const order = initMsOf(orderFile);
  const floorMs = floorFirst ? floorBefore : initMsOf(floorFile);
  return { order, floor: floorMs, ratio: order / floorMs };
});
const ratios = pairs.map(({ ratio }) => ratio);
const round = (value: number, digits: number) => Number(value.toFixed(digits));
const orderInit = {
  pairs: PAIRS,
  limit: FLOOR_LIMIT,
  floorBytes: floor.bytes,
  orderMs: round(median(pairs.map(({ order }) => order)), 1),
  floorMs: round(median(pairs.map(({ floor: ms }) => ms)), 1),
  ratio: {
    median: round(median(ratios), 3),
    p10: round(quantile(ratios, 0.1), 3),
    p90: round(quantile(ratios, 0.9), 3),
    min: round(Math.min(...ratios), 3),
    max: round(Math.max(...ratios), 3),
  },
};

mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/bundles.json',
  `${JSON.stringify({ node: process.version, runs: RUNS, results, orderInit }, null, 2)}\n`,
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

const { ratio } = orderInit;
console.log(
  `\nOrder function init against its floor (DynamoDB and KMS clients only, ${(floor.bytes / 1024).toFixed(0)} KiB), ` +
    `${PAIRS} alternating pairs: ${orderInit.orderMs} ms against ${orderInit.floorMs} ms (medians); ` +
    `ratio median ${ratio.median} (p10 ${ratio.p10}, p90 ${ratio.p90}; min ${ratio.min}, max ${ratio.max}), ` +
    `goal ≤ ${FLOOR_LIMIT}.`,
);
