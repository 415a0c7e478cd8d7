/** `po admin emails`: the group of the mail commands (`list` when no command is named). */
import type { Command } from 'commander';

/** Registers the `po admin emails` group; returns it, for its commands. */
export function registerAdminEmails(admin: Command): Command {
  return admin.command('emails').description('mail the OPD still owes customers, or gave up on (permanently rejected)');
}
