/** `po orders export <id>`: the order's evidence bundle, checked as `po verify` checks it, then written. */
import type { Command } from 'commander';
import { opdClient } from '../../client.js';
import { evidenceFileText } from '../../../shared/evidence-format.js';
import { orderEvidence } from '../../evidence.js';
import { runWithGlobals } from '../../globals.js';
import { parseOrderId } from '../../input.js';
import { writeNewFile } from '../../io.js';
import { readProfile } from '../../profile.js';
import { customerSessionFor } from '../../session.js';

/** Registers `po orders export` on `po orders`. */
export function registerOrdersExport(orders: Command): void {
  orders
    .command('export')
    .description(
      'write the evidence bundle of one order (signed order, receipt, public keys; the cancellation if any), checked first',
    )
    .argument('<id>', 'order ID', parseOrderId)
    .option('--out <file>', 'write it to this file (0600) instead of standard output')
    .option('--force', 'replace --out if it exists')
    .addHelpText(
      'after',
      '\nThe bundle is checked exactly as `po verify` checks it before it is written; anyone can check it offline\nwith `po verify <file>` or with openssl (docs/evidence.md). Receipt keys are pinned like the server key.',
    )
    .action((id: string, options: { out?: string; force?: boolean }, command: Command) =>
      runWithGlobals(command, async (globals) => {
        const { profile: name } = globals;
        const opd = opdClient(readProfile(name).apiUrl);
        const order = await opd.getOrder((await customerSessionFor(name)).token, id);
        const { bundle } = await orderEvidence(opd, name, order);
        const text = evidenceFileText(bundle);
        if (options.out === undefined) {
          process.stdout.write(text);
          return;
        }
        await writeNewFile(options.out, text, 0o600, options.force === true, 'choose another --out or pass --force');
        process.stderr.write(`wrote the evidence of order ${order.orderId} to ${options.out} (checked)\n`);
      }),
    );
}
