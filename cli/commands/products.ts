/** `po products`: the catalogue, with prices in its currency and stock. */
import type { Command } from 'commander';
import { formatMoney } from '../../shared/money.js';
import { opdClient } from '../client.js';
import { runWithGlobals } from '../globals.js';
import { readProfile } from '../profile.js';
import { customerSessionFor } from '../session.js';
import { print } from '../view.js';

/** Registers `po products`. */
export function registerProducts(program: Command): void {
  program
    .command('products')
    .description('list the catalogue')
    .action((_options: unknown, command: Command) =>
      runWithGlobals(command, async (globals) => {
        const { profile: name } = globals;
        const opd = opdClient(readProfile(name).apiUrl);
        const catalogue = await opd.products((await customerSessionFor(name)).token);
        const { currency, products } = catalogue;
        print(globals, catalogue, () => {
          const width = Math.max(3, ...products.map((p) => p.sku.length));
          return [
            `${'SKU'.padEnd(width)}  ${`PRICE (${currency})`.padStart(12)}  ${'STOCK'.padStart(7)}  NAME`,
            ...products.map(
              (p) =>
                `${p.sku.padEnd(width)}  ${formatMoney(p.priceCents).padStart(12)}  ${String(p.stock).padStart(7)}  ${p.name}`,
            ),
          ].join('\n');
        });
      }),
    );
}
