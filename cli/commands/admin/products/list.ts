/** `po admin products list` (the group's default): the catalogue as a table, with stock. */
import type { Command } from 'commander';
import { showable } from '../../../../shared/display.js';
import { formatMoney } from '../../../../shared/money.js';
import { runAdmin } from '../../../admin.js';
import { table } from '../../../view.js';

/** Registers `po admin products list`. */
export function registerAdminProductsList(products: Command): void {
  products
    .command('list', { isDefault: true })
    .description('list the catalogue: SKU, price, stock, name')
    .action((_o: unknown, command: Command) =>
      runAdmin(
        command,
        (admin) => admin.listProducts(),
        (catalogue) =>
          catalogue.products.length === 0
            ? 'no products yet: po admin products add'
            : table(
                ['SKU', `PRICE (${catalogue.currency})`, 'STOCK', 'NAME'],
                catalogue.products.map((p) => [p.sku, formatMoney(p.priceCents), String(p.stock), showable(p.name)]),
              ),
      ),
    );
}
