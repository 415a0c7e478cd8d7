/** `po admin rotate-receipt-key`: a new receipt signing key; the admin announces its fingerprint to customers. */
import type { Command } from 'commander';
import { announceKey, runAdmin } from '../../admin.js';

/** Registers `po admin rotate-receipt-key`. */
export function registerAdminRotateReceiptKey(admin: Command): void {
  admin
    .command('rotate-receipt-key')
    .description('create a new receipt signing key; the old one signs no more and stays published for old receipts')
    .action((_o: unknown, command: Command) =>
      runAdmin(
        command,
        (client) => client.rotateKey('receipt'),
        (key) => announceKey('receipt', key),
      ),
    );
}
