/** `po account`: the customer's balance, registered keys and ledger (newest first, a page at a time). */
import type { Command } from 'commander';
import { opdClient } from '../client.js';
import { runWithGlobals } from '../globals.js';
import { parseLimit } from '../input.js';
import { readProfile } from '../profile.js';
import { customerSessionFor } from '../session.js';
import { describeAccount, poFor, print } from '../view.js';

/** Registers `po account`. */
export function registerAccount(program: Command): void {
  program
    .command('account')
    .description('your balance, registered keys and ledger (newest first, a page at a time)')
    .option('--limit <n>', 'ledger entries per page (1–100)', parseLimit, '10')
    .option('--cursor <entry>', 'continue below this entry (the "More:" line of the previous page)')
    .action((options: { limit: string; cursor?: string }, command: Command) =>
      runWithGlobals(command, async (globals) => {
        const { profile: name } = globals;
        const opd = opdClient(readProfile(name).apiUrl);
        const account = await opd.account((await customerSessionFor(name)).token, options);
        print(globals, account, () => describeAccount(account, `${poFor(name)} account`));
      }),
    );
}
