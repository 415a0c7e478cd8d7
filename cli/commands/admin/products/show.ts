/** `po admin products show <sku>`: one product, its price and stock. */
import type { Command } from 'commander';
import { showable } from '../../../../shared/display.js';
import { formatMoney } from '../../../../shared/money.js';
import { runAdmin } from '../../../admin.js';
import { pathSegment } from '../../../api.js';

/** Registers `po admin products show`. */
export function registerAdminProductsShow(products: Command): void {
  products
    .command('show')
    .description('one product: name, price, stock')
    .argument('<sku>')
    .action((sku: string, _o: unknown, command: Command) => {
      pathSegment(sku);
      return runAdmin(
        command,
        (admin) => admin.product(sku).show(),
        (p) => `${p.sku} "${showable(p.name)}": ${formatMoney(p.priceCents, p.currency)} each, ${p.stock} in stock`,
      );
    });
}
