/** `po admin customers show <customer>`: one customer's account, keys, lock state and latest ledger entries. */
import type { Command } from 'commander';
import { runAdmin } from '../../../admin.js';
import { pathSegment } from '../../../api.js';
import { parseLimit } from '../../../input.js';
import { describeAccount, poFor } from '../../../view.js';

/** Registers `po admin customers show`. */
export function registerAdminCustomersShow(customers: Command): void {
  customers
    .command('show')
    .description("one customer: account, keys, lock state and the latest ledger entries (never the password's hash)")
    .argument('<customer>')
    .option('--limit <n>', 'ledger entries per page (1–100)', parseLimit, '10')
    .option('--cursor <entry>', 'continue below this ledger entry')
    .action((customer: string, o: { limit: string; cursor?: string }, command: Command) => {
      // An ID no route can carry is refused first, before the profile and the session are read.
      pathSegment(customer);
      return runAdmin(
        command,
        (admin) => admin.customer(customer).show(o),
        (c, globals) =>
          [
            `${c.customerId} <${c.email}>${c.disabledAt ? ` · DISABLED since ${c.disabledAt}` : ''} · ${c.lock.locked ? `LOCKED until ${c.lock.until ?? '?'}` : 'not locked'} · ${c.lock.failedLogins} failed login(s)`,
            describeAccount(c, `${poFor(globals.profile)} admin customers show ${customer}`),
          ].join('\n'),
      );
    });
}
