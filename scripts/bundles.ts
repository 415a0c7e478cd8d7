/**
 * `npm run bundles`: bundles every Lambda handler exactly as the CDK stack does (infra/bundling.ts), then reports
 * each bundle's size from esbuild's metafile, its largest inputs, and its module-init time (median of fresh
 * processes importing the bundle: what a cold start pays before the first invocation).
 *
 * The order function's init is also compared with its floor: a bundle, built with the same settings, of only the SDK
 * clients it cannot do without (DynamoDB and KMS, created at module scope). The floor creates its clients at import;
 * the order function creates its own on first use (shared/aws/clients.ts: its configuration read and validated, the
 * document client around DynamoDB's), during its first request. So that both sides do the same work, the order side
 * is the order function's bundle imported, then made to create its clients as its first request would
 * ({@link ORDER_WITH_CLIENTS_SOURCE}); its import alone is reported too. Each is timed in fresh processes, alternating
 * with the floor ({@link ROUNDS} rounds, each side first in turn: the machine may be shared, and the ratio within a
 * round is what is compared). The goal is at most {@link FLOOR_LIMIT} times the floor, like for like.
 * Writes bench/results/bundles.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { BuildOptions } from 'esbuild';
import { HANDLERS } from '../contract/handlers.js';
import { TABLES, tableEnvironmentVariable } from '../contract/tables.js';
import { BUNDLING } from '../infra/bundling.js';

const RUNS = 7;
const ROUNDS = 30;
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

/** The order function's bundle, then the clients it creates on its first request: what the floor does at import. */
const ORDER_WITH_CLIENTS_SOURCE = `
export * from './functions/order/index.ts';
import { dynamo, kms } from './shared/aws/clients.ts';
dynamo();
kms();
`;

/**
 * A valid configuration (shared/config.ts), for the order function's clients, and nothing else of the shell's (an
 * endpoint or profile there would change one side only); every process gets the same.
 */
const CHILD_ENV = {
  PATH: process.env.PATH,
  AWS_REGION: 'eu-west-1',
  KMS_KEY_ID: 'alias/purchase-orders',
  ...Object.fromEntries(TABLES.map(({ name }) => [tableEnvironmentVariable(name), `bundles-${name}`])),
};

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
  return Number(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: CHILD_ENV }),
  );
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

// The order function against its floor, in alternating rounds of fresh processes.
const floorFile = join(outdir, 'order-floor', 'index.mjs');
const floor = await bundle(
  { stdin: { contents: ORDER_FLOOR_SOURCE, resolveDir: process.cwd(), loader: 'ts' } },
  floorFile,
);
const withClientsFile = join(outdir, 'order-with-clients', 'index.mjs');
await bundle(
  { stdin: { contents: ORDER_WITH_CLIENTS_SOURCE, resolveDir: process.cwd(), loader: 'ts' } },
  withClientsFile,
);
const orderFile = join(outdir, 'order', 'index.mjs');
const rounds = Array.from({ length: ROUNDS }, (_, index) => {
  const files = [floorFile, withClientsFile, orderFile];
  // Each side first in turn.
  const order = [...files.slice(index % 3), ...files.slice(0, index % 3)];
  const ms = new Map(order.map((file) => [file, initMsOf(file)]));
  return { floor: ms.get(floorFile)!, withClients: ms.get(withClientsFile)!, importOnly: ms.get(orderFile)! };
});
const round = (value: number, digits: number) => Number(value.toFixed(digits));
const ratioSummary = (ratios: number[]) => ({
  median: round(median(ratios), 3),
  p10: round(quantile(ratios, 0.1), 3),
  p90: round(quantile(ratios, 0.9), 3),
  min: round(Math.min(...ratios), 3),
  max: round(Math.max(...ratios), 3),
});
const orderInit = {
  rounds: ROUNDS,
  limit: FLOOR_LIMIT,
  floorBytes: floor.bytes,
  floorMs: round(median(rounds.map(({ floor: ms }) => ms)), 1),
  /** The order bundle imported, then its clients created as its first request creates them: like for like. */
  withClientsMs: round(median(rounds.map(({ withClients }) => withClients)), 1),
  /** The order bundle imported only (its clients not yet created, as the floor's are). */
  importOnlyMs: round(median(rounds.map(({ importOnly }) => importOnly)), 1),
  ratio: ratioSummary(rounds.map(({ withClients, floor: ms }) => withClients / ms)),
  importOnlyRatio: ratioSummary(rounds.map(({ importOnly, floor: ms }) => importOnly / ms)),
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

const { ratio, importOnlyRatio } = orderInit;
console.log(
  `\nOrder function init against its floor (DynamoDB and KMS clients only, created at import, ` +
    `${(floor.bytes / 1024).toFixed(0)} KiB), ${ROUNDS} alternating rounds of fresh processes (medians):\n` +
    `- like for like, the order bundle imported and its clients created as its first request does: ` +
    `${orderInit.withClientsMs} ms against ${orderInit.floorMs} ms, ratio median ${ratio.median} ` +
    `(p10 ${ratio.p10}, p90 ${ratio.p90}; min ${ratio.min}, max ${ratio.max}), goal ≤ ${FLOOR_LIMIT}` +
    `${ratio.median <= FLOOR_LIMIT ? '' : ' — not met'};\n` +
    `- the import alone (its clients left for the first request): ${orderInit.importOnlyMs} ms, ` +
    `ratio median ${importOnlyRatio.median} (p10 ${importOnlyRatio.p10}, p90 ${importOnlyRatio.p90}).`,
);
