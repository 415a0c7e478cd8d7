/**
 * `npm run bench`: measures, prints a table and writes bench/results/<part>.json. Ratios compare our code with the
 * bare primitive it sits on, measured in the same run (absolute numbers vary from machine to machine; ratios less so).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { benchApi } from './api.js';
import { ENVELOPE_GOAL, ROUNDS, ROUND_MS, benchEnvelope, benchReceipt } from './envelope.js';
import type { Comparison } from './envelope.js';
import { benchMailDrain } from './mail-drain.js';

const log = (line: string) => process.stderr.write(`${line}\n`);

/** The ratios of the pairs of rounds: median (least–most). */
const pairs = (r: Comparison) =>
  `${r.pairRatioMedian.toFixed(2)} (${r.pairRatioMin.toFixed(2)}–${r.pairRatioMax.toFixed(2)})`;

function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, column) => cell.padStart(widths[column]!)).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

const environment = {
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  date: new Date().toISOString(),
};

const part = process.argv.includes('--part') ? process.argv[process.argv.indexOf('--part') + 1] : 'all';
if (!['all', 'envelope', 'api', 'mail'].includes(part ?? '')) {
  log('usage: npm run bench [-- --part envelope|api|mail]');
  process.exit(2);
}

if (part === 'all' || part === 'envelope') {
  log(
    `envelope: open + verify + receipt vs bare X25519 + KDF + AES-256-GCM + verify + SHA-256 + Ed25519 sign (${ROUNDS} pairs of ${ROUND_MS} ms rounds, alternating; best round per side, ops per CPU second)`,
  );
  const envelope = await benchEnvelope({ log });
  log('receipt: signing as the order function does vs one bare Ed25519 signature');
  const receipt = await benchReceipt();
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/envelope.json',
    `${JSON.stringify({ environment, results: envelope, receipt }, null, 2)}\n`,
  );

  console.log(
    `\nEnvelope: open + verify + receipt sign (ops per CPU second, best round; ratio = bare ÷ ours, goal ≤ ${ENVELOPE_GOAL})\n`,
  );
  console.log(
    table(
      ['alg', 'key', 'ours ops/s', 'bare ops/s', 'ratio', 'pairs: median (range)', `goal ≤ ${ENVELOPE_GOAL}`],
      envelope.map((r) => [
        r.alg,
        r.key,
        r.oursOpsPerSec,
        r.bareOpsPerSec,
        r.ratio.toFixed(2),
        pairs(r),
        r.ratio <= ENVELOPE_GOAL ? 'met' : 'MISSED',
      ]),
    ),
  );
  console.log('\nReceipt signing per order (ops per CPU second, best round; ratio = bare ÷ ours)\n');
  console.log(
    table(
      [
        'part',
        'ours ops/s',
        'bare Ed25519 sign ops/s',
        'ratio',
        'pairs: median (range)',
        'µs per receipt',
        'receipt bytes',
      ],
      [
        [
          'receipt',
          receipt.oursOpsPerSec,
          receipt.bareOpsPerSec,
          receipt.ratio.toFixed(2),
          pairs(receipt),
          receipt.microsecondsPerReceipt,
          receipt.receiptBytes,
        ],
      ],
    ),
  );
  console.log(`\n${environment.node} · ${environment.cpu} · results in bench/results/envelope.json`);
}

if (part === 'all' || part === 'api') {
  log('\napi: orders through the local API vs the same transactions (same stock shards) on bare DynamoDB Local');
  const api = await benchApi(log);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/api.json', `${JSON.stringify({ environment, results: api }, null, 2)}\n`);
  console.log(
    '\nOrders through the local API (one process: API adapter + handlers; DynamoDB Local in Java; ratio = ours ÷ bare, goal ≥ 0.8)\n',
  );
  console.log(
    table(
      [
        'scenario',
        'shards',
        'clients',
        'orders',
        'orders/s',
        'p50 ms',
        'p99 ms',
        'bare tx/s',
        'ratio',
        'goal',
        'stock',
        'money',
      ],
      api.map((r) => [
        r.scenario,
        r.stockShards,
        r.clients,
        r.orders,
        r.ordersPerSec,
        r.p50Ms,
        r.p99Ms,
        r.bareOrdersPerSec,
        r.ratio.toFixed(2),
        r.clients === 1 ? '—' : r.ratio >= 0.8 ? 'met' : 'MISSED',
        r.stockConserved ? 'conserved' : 'NOT CONSERVED',
        r.moneyConserved ? 'conserved' : 'NOT CONSERVED',
      ]),
    ),
  );
  console.log('\nresults in bench/results/api.json');
  if (api.some((r) => !r.stockConserved || !r.moneyConserved)) process.exitCode = 1;
}

if (part === 'all' || part === 'mail') {
  log('\nmail: the sweeper drains a backlog of owed confirmations on the local stack (stream held back)');
  const mail = await benchMailDrain(log);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/mail.json', `${JSON.stringify({ environment, results: mail }, null, 2)}\n`);
  console.log('\nMail drain: one sweep of an owed backlog (local stack; SES emulator; every mail must arrive once)\n');
  console.log(
    table(
      ['backlog', 'sent', 's', 'mails/s', 'received once', 'duplicates', 'missing', '130k h @14/s', '130k h @measured'],
      [
        [
          mail.backlog,
          mail.sent,
          mail.seconds,
          mail.mailsPerSecond,
          mail.received,
          mail.duplicates,
          mail.missing,
          mail.drain130kHours.atDefaultRate,
          mail.drain130kHours.atMeasuredRate,
        ],
      ],
    ),
  );
  console.log('\nresults in bench/results/mail.json');
  if (mail.duplicates > 0 || mail.missing > 0 || mail.sent !== mail.backlog) process.exitCode = 1;
}
