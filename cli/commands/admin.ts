/** `po admin`: the group of the OPD's staff commands (the profile must be logged in as staff). */
import type { Command } from 'commander';

/** Registers the `po admin` group; returns it, for its commands. */
export function registerAdmin(program: Command): Command {
  return program
    .command('admin')
    .description(
      'run the OPD: products, customers and their accounts, the order queue, keys, staff (each command needs a permission your roles give)',
    );
}
