/**
 * The capacity model's report: the spread mix's ceiling per table and index, the ceilings of one SKU, one customer
 * and one staff member, the services' ceilings, printed as tables on stdout and written with the per-partition
 * details to bench/results/capacity.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { Units } from './count.js';
import { HOT_SKU } from './mix.js';
import type { MixOutcome, MixParameters } from './mix.js';
import { belongsTo, ceilings, loads, lowest, SHAPE_LABELS } from './model.js';
import type { ShapeCeiling } from './model.js';
import { TABLE_SHAPES } from './partitions.js';
import { serviceCeilings } from './services.js';

/** Everything a run produced. */
export interface RunResult {
  readonly parameters: MixParameters;
  readonly shards: { shards: number; note: string };
  readonly outcome: MixOutcome;
  /** Emails still owed when the run gave up waiting (0: all sent). */
  readonly owedLeft: number;
  /** Emails the SES emulator received during the mix. */
  readonly emails: number;
  readonly units: readonly Units[];
  /** DynamoDB requests per `Operation table`. */
  readonly requests: Record<string, number>;
  /** Refused writes per operation and DynamoDB's reasons. */
  readonly refusals: Record<string, number>;
  readonly clerks: readonly string[];
  readonly largeCustomer: string;
  readonly sesRate: number;
  readonly backlog: number;
}

const RESULTS = 'bench/results/capacity.json';

function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

const rate = (value: number) => (Number.isFinite(value) ? Math.floor(value).toLocaleString('en-US') : '—');
const fixed = (value: number, digits = 2) => Number(value.toFixed(digits));
const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
const short = (text: string) => (text.length > 34 ? `${text.slice(0, 31)}…` : text);
const granularity = new Map<string, string>(
  TABLE_SHAPES.flatMap((t) => [
    [t.label, t.granularity] as const,
    ...t.indexes.map((i) => [i.label, i.granularity] as const),
  ]),
);

/** An entity's view reduced to its binding row. */
function entityRow(name: string, per: string, orders: number, view: readonly ShapeCeiling[]) {
  const low = lowest(view);
  const row = view.find((candidate) => candidate.shape === low.shape);
  return {
    entity: name,
    per,
    orders,
    shape: low.shape,
    partition: row?.hottest?.partition ?? '—',
    binding: row?.hottest?.binding ?? '—',
    unitsPerOrder: fixed(row?.hottest?.unitsPerOrder ?? 0),
    ceiling: low.ceiling,
  };
}

/** Prints the tables and writes the JSON results. */
export function report(run: RunResult): void {
  const { outcome, units } = run;
  const entityIds = [HOT_SKU, run.largeCustomer, ...run.clerks];
  const spread = ceilings(units, outcome.accepted, (p) => !entityIds.some((id) => belongsTo(p, id)));
  const system = lowest(spread);
  const largeOrders = outcome.ordersByCustomer[run.largeCustomer] ?? 0;
  const staffRows = run.clerks
    .map((id) => {
      const count = outcome.fulfilmentsByStaff[id] ?? 0;
      return entityRow(
        id,
        'fulfilments/s by one staff member',
        count,
        ceilings(units, count, (p) => belongsTo(p, id)),
      );
    })
    .sort((a, b) => a.ceiling - b.ceiling);
  const entities = [
    entityRow(
      `${HOT_SKU} (${run.shards.shards} stock shard(s))`,
      'orders/s with a line of one SKU',
      outcome.hotOrders,
      ceilings(units, outcome.hotOrders, (p) => belongsTo(p, HOT_SKU)),
    ),
    entityRow(
      run.largeCustomer,
      'orders/s of one customer',
      largeOrders,
      ceilings(units, largeOrders, (p) => belongsTo(p, run.largeCustomer)),
    ),
    ...(staffRows[0] ? [staffRows[0]] : []),
  ];
  const services = serviceCeilings(outcome.requests, outcome.accepted, run.emails, {
    sendRate: run.sesRate,
    backlog: run.backlog,
  });
  const refused = units.filter((u) => u.refused && u.kind === 'write').reduce((s, u) => s + u.units, 0);
  const written = units.filter((u) => u.kind === 'write').reduce((s, u) => s + u.units, 0);

  console.log(
    `\nDynamoDB, the spread mix: ${outcome.accepted} orders (${percent(outcome.cancelled / outcome.accepted)} cancelled, ${percent(outcome.fulfilled / outcome.accepted)} fulfilled); ceiling = orders/s at which the hottest partition reaches 1,000 write or 3,000 read units/s (hot SKU, large customer and staff partitions left out: below)\n`,
  );
  console.log(
    table(
      [
        'table / index',
        'limit per',
        'write u/order',
        'read u/order',
        'refused',
        'hottest partition',
        'share',
        'binds',
        'ceiling orders/s',
      ],
      spread.map((row) => [
        row.shape,
        granularity.get(row.shape) ?? '',
        fixed(row.writePerOrder),
        fixed(row.readPerOrder),
        percent(row.refusedShare),
        short(row.hottest?.partition ?? '—'),
        row.hottest ? percent(row.hottest.share) : '—',
        row.hottest?.binding ?? '—',
        rate(row.ceiling),
      ]),
    ),
  );
  console.log(
    `\nSystem ceiling (spread mix): ${rate(system.ceiling)} orders/s, set by ${system.shape}. Refused writes: ${percent(refused / written)} of all write units.\n`,
  );
  console.log(
    table(
      ['one entity', 'ceiling in', 'counted', 'binding table / index', 'partition', 'units per its order', 'ceiling'],
      entities.map((e) => [e.entity, e.per, e.orders, e.shape, short(e.partition), e.unitsPerOrder, rate(e.ceiling)]),
    ),
  );
  console.log('\nServices: API Gateway per-method throttle (ApiRateLimit: default 50/s, allowed maximum 10,000/s)\n');
  console.log(
    table(
      ['route', 'requests/order', 'median ms (local)', 'orders/s at default', 'orders/s at maximum'],
      services.routes.map((r) => [
        r.route,
        fixed(r.requestsPerOrder, 3),
        fixed(r.medianMs, 1),
        rate(r.atDefault),
        rate(r.atMax),
      ]),
    ),
  );
  console.log(
    [
      '',
      `Quota  API Gateway account (10,000 requests/s, raised on request): ${fixed(services.apiAccountQuota.requestsPerOrder, 3)} requests/order → ${rate(services.apiAccountQuota.orders)} orders/s`,
      `Quota  Lambda concurrency (1,000, raised on request): ${fixed(services.lambda.concurrencyPerOrderPerSecond, 4)} executions per order/s (local medians) → ${rate(services.lambda.orders)} orders/s`,
      `Quota  SES sending rate (${run.sesRate}/s assumed; raised on request): ${fixed(services.ses.emailsPerOrder, 3)} emails/order → ${rate(services.ses.orders)} orders/s; a backlog of ${run.backlog.toLocaleString('en-US')} emails drains in ${rate(services.ses.drainSeconds)} s (${fixed(services.ses.drainSeconds / 3600, 1)} h) at that rate`,
      `\nResults in ${RESULTS}${run.owedLeft > 0 ? ` (WARNING: ${run.owedLeft} emails were still owed at the end)` : ''}`,
    ].join('\n'),
  );

  const byShape = loads(units);
  const details = SHAPE_LABELS.map((shape) => {
    const partitions = [...(byShape.get(shape)?.values() ?? [])];
    const top = [...partitions].sort((a, b) => b.write + b.read / 3 - (a.write + a.read / 3)).slice(0, 10);
    return {
      shape,
      partitions: partitions.length,
      top: top.map((p) => ({ ...p, write: fixed(p.write, 1), read: fixed(p.read, 1) })),
    };
  });
  const operations = [...new Set(units.map((u) => `${u.shape} ${u.operation}`))].sort().map((key) => {
    const matching = units.filter((u) => `${u.shape} ${u.operation}` === key);
    return {
      key,
      count: matching.length,
      units: fixed(
        matching.reduce((s, u) => s + u.units, 0),
        1,
      ),
    };
  });
  const environment = {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    date: new Date().toISOString(),
  };
  const { requests: latencies, ...mix } = outcome;
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    RESULTS,
    `${JSON.stringify(
      {
        environment,
        parameters: run.parameters,
        stockShards: run.shards,
        mix: {
          ...mix,
          requests: Object.fromEntries(Object.entries(latencies).map(([route, l]) => [route, l.length])),
          emails: run.emails,
          owedLeft: run.owedLeft,
        },
        limits: { writeUnitsPerSecond: 1000, readUnitsPerSecond: 3000 },
        system,
        spread,
        entities,
        staff: staffRows,
        services,
        dynamodbRequests: run.requests,
        refusedWrites: run.refusals,
        unitsByOperation: operations,
        partitions: details,
      },
      null,
      2,
    )}\n`,
  );
}
