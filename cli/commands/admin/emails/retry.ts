/** `po admin emails retry <order-id>`: sends an order's failed email(s) again, now. */
import type { Command } from 'commander';
import { ORDER_CUSTOMER_OPTION, runAdmin } from '../../../admin.js';
import { parseOrderId } from '../../../input.js';
import { mailKindOf } from '../../../../shared/mail.js';

/** Registers `po admin emails retry`. */
export function registerAdminEmailsRetry(emails: Command): void {
  emails
    .command('retry')
    .description("send an order's failed email(s) again, now")
    .argument('<order-id>', 'order ID', parseOrderId)
    .option(ORDER_CUSTOMER_OPTION.flags, ORDER_CUSTOMER_OPTION.description)
    .action((id: string, o: { customer?: string }, command: Command) =>
      runAdmin(
        command,
        (admin) => admin.retryEmails(id, o.customer),
        (answer) =>
          answer.retried
            .map(
              (r) =>
                `${mailKindOf(r.kind)} for order ${answer.orderId}: ${r.outcome === 'sent' ? 'sent' : r.outcome === 'failed' ? `failed again: ${r.failure ?? 'rejected'}` : r.outcome}`,
            )
            .join('\n'),
      ),
    );
}
