/** `po admin keys`: the group of the customer-key commands. */
import type { Command } from 'commander';

/** Registers the `po admin keys` group; returns it, for its commands. */
export function registerAdminKeys(admin: Command): Command {
  return admin.command('keys').description('customer keys');
}
