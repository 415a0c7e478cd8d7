/** `po admin products add`: a new product in the catalogue. */
import type { Command } from 'commander';
import { describeProduct, runAdmin } from '../../../admin.js';
import { priceCents, wholeNumber } from '../../../input.js';

/** Registers `po admin products add`. */
export function registerAdminProductsAdd(products: Command): void {
  products
    .command('add')
    .description('add a product')
    .requiredOption('--sku <sku>', 'SKU')
    .requiredOption('--name <name>', 'name')
    .requiredOption('--price <amount>', 'unit price in the catalogue currency, e.g. 24.50')
    .option('--stock <n>', 'initial stock', '0')
    .action((o: { sku: string; name: string; price: string; stock: string }, command: Command) =>
      runAdmin(
        command,
        (admin) =>
          admin.addProduct({
            sku: o.sku,
            name: o.name,
            priceCents: priceCents(o.price),
            stock: wholeNumber(o.stock, '--stock'),
          }),
        describeProduct('added'),
      ),
    );
}
