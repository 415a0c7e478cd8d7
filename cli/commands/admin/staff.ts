/** `po admin staff`: the group of the staff commands (`list` when no command is named). */
import type { Command } from 'commander';

/** Registers the `po admin staff` group; returns it, for its commands. */
export function registerAdminStaff(admin: Command): Command {
  return admin
    .command('staff')
    .description('the OPD’s staff: add them, set their roles, disable them, end their sessions, reset passwords');
}
