/** `po orders show <id>`: one of the customer's orders, with its signed evidence. */
import type { Command } from 'commander';
import { opdClient } from '../../client.js';
import { runWithGlobals } from '../../globals.js';
import { parseOrderId } from '../../input.js';
import { readProfile } from '../../profile.js';
import { customerSessionFor } from '../../session.js';
import { describeOrder, print } from '../../view.js';

/** Registers `po orders show` on `po orders`. */
export function registerOrdersShow(orders: Command): void {
  orders
    .command('show')
    .description('show one order with its signed evidence')
    .argument('<id>', 'order ID', parseOrderId)
    .addHelpText(
      'after',
      '\nIDs made by po never start with "-"; for one that does (another client made it): po orders show -- <id>',
    )
    .action((id: string, _options: unknown, command: Command) =>
      runWithGlobals(command, async (globals) => {
        const { profile: name } = globals;
        const opd = opdClient(readProfile(name).apiUrl);
        const order = await opd.getOrder((await customerSessionFor(name)).token, id);
        print(globals, order, () =>
          [
            describeOrder(order),
            `  evidence (JWS): ${order.signature.jws}`,
            `  receipt (JWS):  ${order.receipt ?? 'none (accepted before the OPD issued receipts)'}`,
          ].join('\n'),
        );
      }),
    );
}
