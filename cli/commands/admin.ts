/** `po admin`: the group of the OPD's admin commands (the profile must be logged in as an admin). */
import type { Command } from 'commander';

/** Registers the `po admin` group; returns it, for its commands. */
export function registerAdmin(program: Command): Command {
  return program
    .command('admin')
    .description('administer products, customers and their accounts, the order queue, keys (role admin)');
}
