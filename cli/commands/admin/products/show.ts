/** `po admin products show <sku>`: one product, its price and stock. */
import type { Command } from 'commander';
import { describeProduct, runAdmin } from '../../../admin.js';
import { pathSegment } from '../../../api.js';

/** Registers `po admin products show`. */
export function registerAdminProductsShow(products: Command): void {
  products
    .command('show')
    .description('one product: name, price, stock (and what each shard holds, when it is split)')
    .argument('<sku>')
    .action((sku: string, _o: unknown, command: Command) => {
      pathSegment(sku);
      return runAdmin(command, (admin) => admin.product(sku).show(), describeProduct());
    });
}
