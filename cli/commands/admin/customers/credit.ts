/**
 * `po admin customers credit <customer> <amount>`: credits an account (or, negative, adjusts it). The credit is sent
 * again with the same Idempotency-Key while the OPD cannot be reached, and applied once.
 */
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { InputError } from '../../../../shared/errors.js';
import { formatMoney, parseMoney } from '../../../../shared/money.js';
import { runAdmin } from '../../../admin.js';
import { sendAgainOnNetworkError } from '../../../api.js';
import { runWithGlobals } from '../../../globals.js';

/** Registers `po admin customers credit`. */
export function registerAdminCustomersCredit(customers: Command): void {
  customers
    .command('credit')
    .description('credit an account (or, with a negative amount, adjust it: never below 0)')
    .argument('<customer>')
    .argument('<amount>', 'in currency units, e.g. 150 or 12.50 or -20.05')
    .requiredOption('--reference <text>', 'why: kept in the ledger entry')
    .action((customer: string, amount: string, o: { reference: string }, command: Command) => {
      const amountCents = parseMoney(amount);
      if (amountCents === undefined || amountCents === 0)
        return runWithGlobals(command, () =>
          Promise.reject(
            new InputError(
              'usage',
              'the amount must be a non-zero number with at most two decimals, e.g. 150 or -20.05',
            ),
          ),
        );
      // One key per command: a credit whose answer is lost is sent again with it, and the OPD applies it once.
      const idempotencyKey = randomBytes(16).toString('base64url');
      return runAdmin(
        command,
        (admin) =>
          sendAgainOnNetworkError('the same credit (same Idempotency-Key)', () =>
            admin.customer(customer).credit({ amountCents, reference: o.reference }, idempotencyKey),
          ),
        (entry) =>
          `${entry.amountCents > 0 ? 'Credited' : 'Debited'} ${customer} ${formatMoney(Math.abs(entry.amountCents), entry.currency)}` +
          ` (ledger entry ${entry.entry}, ${entry.type}); balance now ${formatMoney(entry.balanceAfterCents, entry.currency)}`,
      );
    });
}
