/** `po admin keys revoke <customer> <key-id>`: revokes a customer key; orders signed with it are refused from now on. */
import type { Command } from 'commander';
import { runAdmin } from '../../../admin.js';

/** Registers `po admin keys revoke`. */
export function registerAdminKeysRevoke(keys: Command): void {
  keys
    .command('revoke')
    .description('revoke a customer key (orders signed with it are refused from now on)')
    .argument('<customer>')
    .argument('<key-id>')
    .action((customer: string, kid: string, _o: unknown, command: Command) =>
      runAdmin(
        command,
        (admin) => admin.customer(customer).revokeKey(kid),
        (k) => `revoked key ${k.keyId} of ${k.customerId}: orders signed with it are refused from now on`,
      ),
    );
}
