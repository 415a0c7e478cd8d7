/**
 * `po admin audit`: the audit trail — who changed what, when, and what changed — newest first, filtered by who, what
 * and when, a page at a time (the staff's actions, and customers' password and key changes).
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import {
  AUDIT_ACTION_NAMES,
  AUDIT_ACTOR_PATTERN,
  AUDIT_TARGET_PATTERN,
  changesText,
  isAuditAction,
  word,
} from '../../../shared/audit.js';
import { InputError } from '../../../shared/errors.js';
import type { AuditQuery } from '../../../contract/admin-api.js';
import { runAdmin } from '../../admin.js';
import { runWithGlobals } from '../../globals.js';
import { parseLimit, parseTimeOption } from '../../input.js';
import { pageText, poFor } from '../../view.js';

/** `--action`, checked as commander reads it. @throws InvalidArgumentError */
function parseAction(text: string): string {
  if (!isAuditAction(text)) throw new InvalidArgumentError(`--action is one of: ${AUDIT_ACTION_NAMES.join(', ')}.`);
  return text;
}

/** An ID option, checked as commander reads it. @throws InvalidArgumentError */
const parseId = (pattern: RegExp, what: string) => (text: string) => {
  if (!pattern.test(text)) throw new InvalidArgumentError(`${what} (at most 128 characters).`);
  return text;
};

/** The action names for the help, one line per kind of target (`product.…`, `customer.…`). */
function actionLines(): string[] {
  const groups = new Map<string, string[]>();
  for (const name of AUDIT_ACTION_NAMES) {
    const kind = name.slice(0, name.indexOf('.'));
    groups.set(kind, [...(groups.get(kind) ?? []), name]);
  }
  return [...groups.values()].map((names) => `  ${names.join(' ')}`);
}

type Options = Omit<AuditQuery, 'limit'> & { limit: string };

/** Registers `po admin audit`. */
export function registerAdminAudit(admin: Command): void {
  admin
    .command('audit')
    .description('who changed what, when: the audit trail, newest first (permission audit:read)')
    .option(
      '--actor <id>',
      'only what this staff member did (or customer, or operator tool)',
      parseId(AUDIT_ACTOR_PATTERN, '--actor is a staff or customer ID'),
    )
    .option(
      '--target <id>',
      'only what was done to this SKU, customer, order, staff member or key',
      parseId(AUDIT_TARGET_PATTERN, '--target is a SKU or a customer, order, staff or key ID'),
    )
    .option('--action <name>', 'only this action, e.g. product.update (listed below)', parseAction)
    .option('--since <time>', 'from this time (default: 30 days before --until)', (text) => parseTimeOption(text))
    .option('--until <time>', 'up to this time (default: now)', (text) => parseTimeOption(text))
    .option('--limit <n>', 'records per page (1–100)', parseLimit, '25')
    .option('--cursor <cursor>', 'continue after the previous page (its "More:" line)')
    .addHelpText(
      'after',
      [
        '',
        'A time is an ISO 8601 date or time with its zone (2026-12-07, 2026-12-07T10:00Z, 2026-12-07T11:00+01:00)',
        'or a span back from now: 30m, 12h, 2d, 1w. Without --actor or --target the trail is read day by day,',
        'at most 7 days a page. A page reads a bounded number of records (a filter skips some): it may hold fewer',
        'than --limit, even none, and still have a "More:" line.',
        '',
        'Each record: when, who with their roles then, the action, what it was done to, what changed',
        '(before → after for prices, stock, roles; amount and ledger entry for money; the reason). --json shows',
        "every field, the API request's ID too.",
        '',
        'Actions (--action):',
        ...actionLines(),
        '',
        'Examples:',
        '  po admin audit --target WIDGET-1              who changed WIDGET-1, and how',
        '  po admin audit --actor fran --since 7d        what fran did this week',
        '  po admin audit --action account.credit --since 2026-12-01 --until 2026-12-02',
      ].join('\n'),
    )
    .action((o: Options, command: Command) => {
      if (o.cursor !== undefined && (o.since !== undefined || o.until !== undefined))
        return runWithGlobals(command, () =>
          Promise.reject(
            new InputError('usage', '--cursor carries its time range: give it with the filters, not --since/--until'),
          ),
        );
      return runAdmin(
        command,
        (admin) => admin.listAudit(o),
        (page, globals) => {
          const filters = (['actor', 'target', 'action'] as const).flatMap((name) =>
            o[name] === undefined ? [] : [`--${name} ${word(o[name])}`],
          );
          return pageText(
            page.records.length === 0
              ? `no audit records from ${page.since} to ${page.until}`
              : `audit records from ${page.since} to ${page.until}, newest first:`,
            ['TIME', 'ACTOR (ROLES)', 'ACTION', 'TARGET', 'CHANGES'],
            page.records.map((record) => [
              record.time,
              `${record.actor} (${record.actorRoles.length > 0 ? record.actorRoles.join(', ') : record.actorKind})`,
              record.action,
              record.target,
              changesText(record.changes, record.reason),
            ]),
            page.next &&
              `More (older): ${[`${poFor(globals.profile)} admin audit`, ...filters, `--limit ${o.limit}`, `--cursor ${page.next}`].join(' ')}`,
          );
        },
      );
    });
}
