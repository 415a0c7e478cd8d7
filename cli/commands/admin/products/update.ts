/** `po admin products update <sku>`: a product's new name and/or price. */
import type { Command } from 'commander';
import { describeProduct, runAdmin } from '../../../admin.js';
import { priceCents } from '../../../input.js';

/** Registers `po admin products update`. */
export function registerAdminProductsUpdate(products: Command): void {
  products
    .command('update')
    .description('change a product’s name and/or price')
    .argument('<sku>')
    .option('--name <name>', 'new name')
    .option('--price <amount>', 'new unit price in the catalogue currency, e.g. 24.50')
    .action((sku: string, o: { name?: string; price?: string }, command: Command) =>
      runAdmin(
        command,
        (admin) =>
          admin.product(sku).update({
            ...(o.name ? { name: o.name } : {}),
            ...(o.price ? { priceCents: priceCents(o.price) } : {}),
          }),
        describeProduct('updated'),
      ),
    );
}
