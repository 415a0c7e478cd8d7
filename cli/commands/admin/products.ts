/** `po admin products`: the group of the catalogue commands. */
import type { Command } from 'commander';

/** Registers the `po admin products` group; returns it, for its commands. */
export function registerAdminProducts(admin: Command): Command {
  return admin.command('products').description('catalogue');
}
