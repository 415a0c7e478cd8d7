/** `po admin emails list` (the group's default): mail not yet sent (owed) or given up (failed), oldest first. */
import type { Command } from 'commander';
import { runAdmin } from '../../../admin.js';
import { parseLimit } from '../../../input.js';
import { pageText, poFor } from '../../../view.js';

/** Registers `po admin emails list`. */
export function registerAdminEmailsList(emails: Command): void {
  emails
    .command('list', { isDefault: true })
    .description('confirmations and notices not yet sent (owed) or given up (failed), oldest first')
    .option('--status <status>', 'owed or failed', 'owed')
    .option('--limit <n>', 'emails per page (1–100)', parseLimit, '25')
    .option('--cursor <cursor>', 'continue after the previous page (its "More:" line)')
    .action((o: { status: string; limit: string; cursor?: string }, command: Command) =>
      runAdmin(
        command,
        (admin) => admin.listEmails(o.status, o),
        (page, globals) =>
          pageText(
            page.emails.length === 0
              ? `no ${page.status} emails`
              : `${page.status} emails, oldest first (po admin emails retry <order-id> re-sends a failed one):`,
            ['ORDER', 'CUSTOMER', 'KIND', 'SINCE', 'STATUS'],
            page.emails.map((mail) => [
              mail.orderId,
              mail.customerId,
              mail.kind,
              mail.since,
              `${mail.status}${mail.failure ? `: ${mail.failure}` : ''}`,
            ]),
            page.next &&
              `More: ${poFor(globals.profile)} admin emails list --status ${page.status} --cursor ${page.next}`,
          ),
      ),
    );
}
