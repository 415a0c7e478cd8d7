/** `po orders`: the customer's orders, newest first, a page at a time (or every page with --all). */
import type { Command } from 'commander';
import type { OrderView } from '../../shared/orders.js';
import { formatMoney } from '../../shared/money.js';
import { opdClient } from '../client.js';
import { runWithGlobals } from '../globals.js';
import { parseLimit } from '../input.js';
import { readProfile } from '../profile.js';
import { customerSessionFor } from '../session.js';
import { poFor, print, table } from '../view.js';

/** Registers `po orders`; returns it, for its subcommands. */
export function registerOrders(program: Command): Command {
  return program
    .command('orders')
    .description('list your orders, newest first (po orders show <id> for one)')
    .option('--limit <n>', 'how many per page (1–100)', parseLimit, '25')
    .option('--cursor <c>', 'the page after this one (printed under a full page)')
    .option('--all', 'every page, one after another')
    .action((options: { limit: string; cursor?: string; all?: boolean }, command: Command) =>
      runWithGlobals(command, async (globals) => {
        const { profile: name } = globals;
        const opd = opdClient(readProfile(name).apiUrl);
        const token = (await customerSessionFor(name)).token;
        const listed: OrderView[] = [];
        let cursor = options.cursor;
        let next: string | undefined;
        do {
          const page = await opd.listOrders(token, {
            limit: options.limit,
            ...(cursor === undefined ? {} : { cursor }),
          });
          listed.push(...page.orders);
          next = page.next;
          cursor = next;
        } while (options.all && next !== undefined);
        print(globals, { orders: listed, ...(next === undefined ? {} : { next }) }, () =>
          listed.length === 0
            ? 'no orders yet'
            : [
                table(
                  ['ORDER', 'ACCEPTED', 'STATUS', 'TOTAL', 'LINES', 'EMAIL'],
                  listed.map((o) => [
                    o.orderId,
                    o.acceptedAt,
                    o.status,
                    formatMoney(o.totalCents, o.currency),
                    String(o.lines.length),
                    o.email.status,
                  ]),
                ),
                ...(next === undefined
                  ? []
                  : [`More: ${poFor(name)} orders --cursor ${next}   (or ${poFor(name)} orders --all)`]),
              ].join('\n'),
        );
      }),
    );
}
