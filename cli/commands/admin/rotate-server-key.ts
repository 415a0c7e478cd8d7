/** `po admin rotate-server-key`: a new server key; the admin announces its fingerprint to customers. */
import type { Command } from 'commander';
import { announceKey, runAdmin } from '../../admin.js';

/** Registers `po admin rotate-server-key`. */
export function registerAdminRotateServerKey(admin: Command): void {
  admin
    .command('rotate-server-key')
    .description('create a new server key; the old one decrypts for 7 more days')
    .action((_o: unknown, command: Command) =>
      runAdmin(
        command,
        (client) => client.rotateKey('server'),
        (key) => announceKey('server', key),
      ),
    );
}
