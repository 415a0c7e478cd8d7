/** `po admin products`: the group of the catalogue commands (`list` when no command is named). */
import type { Command } from 'commander';

/** Registers the `po admin products` group; returns it, for its commands. */
export function registerAdminProducts(admin: Command): Command {
  return admin.command('products').description('catalogue');
}
