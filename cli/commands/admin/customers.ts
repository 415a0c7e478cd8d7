/** `po admin customers`: the group of the customer commands (`list` when no command is named). */
import type { Command } from 'commander';

/** Registers the `po admin customers` group; returns it, for its commands. */
export function registerAdminCustomers(admin: Command): Command {
  return admin.command('customers').description('customers');
}
