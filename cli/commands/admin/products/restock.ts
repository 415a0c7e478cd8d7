/** `po admin products restock <sku> <quantity>`: more of a product in stock. */
import type { Command } from 'commander';
import { describeProduct, runAdmin } from '../../../admin.js';
import { wholeNumber } from '../../../input.js';

/** Registers `po admin products restock`. */
export function registerAdminProductsRestock(products: Command): void {
  products
    .command('restock')
    .description('add stock')
    .argument('<sku>')
    .argument('<quantity>')
    .action((sku: string, quantity: string, _o: unknown, command: Command) =>
      runAdmin(
        command,
        (admin) => admin.product(sku).restock(wholeNumber(quantity, 'quantity')),
        describeProduct('restocked'),
      ),
    );
}
