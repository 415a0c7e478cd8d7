/** `po admin products update <sku>`: a product's new name, price and/or stock split. */
import type { Command } from 'commander';
import { PRODUCT_LIMITS } from '../../../../shared/rules.js';
import { describeProduct, runAdmin } from '../../../admin.js';
import { priceCents, wholeNumber } from '../../../input.js';
import { InputError } from '../../../../shared/errors.js';

/** `--stock-shards` as typed: a whole number from 1 to the most the OPD allows. */
function stockShards(value: string): number {
  const count = wholeNumber(value, '--stock-shards');
  if (count < 1 || count > PRODUCT_LIMITS.maxStockShards)
    throw new InputError('usage', `--stock-shards must be from 1 to ${PRODUCT_LIMITS.maxStockShards}, not ${count}`);
  return count;
}

/** Registers `po admin products update`. */
export function registerAdminProductsUpdate(products: Command): void {
  products
    .command('update')
    .description('change a product’s name, price and/or how many items its stock is split over')
    .argument('<sku>')
    .option('--name <name>', 'new name')
    .option('--price <amount>', 'new unit price in the catalogue currency, e.g. 24.50')
    .option(
      '--stock-shards <count>',
      `split the stock over this many items (1–${PRODUCT_LIMITS.maxStockShards}), so that more orders a second can take it: ` +
        'one item takes about 500 orders/s; fewer shards merge their stock back',
    )
    .action((sku: string, o: { name?: string; price?: string; stockShards?: string }, command: Command) =>
      runAdmin(
        command,
        (admin) =>
          admin.product(sku).update({
            ...(o.name ? { name: o.name } : {}),
            ...(o.price ? { priceCents: priceCents(o.price) } : {}),
            ...(o.stockShards ? { stockShards: stockShards(o.stockShards) } : {}),
          }),
        describeProduct('updated'),
      ),
    );
}
