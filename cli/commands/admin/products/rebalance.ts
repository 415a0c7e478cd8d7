/** `po admin products rebalance <sku>`: evens out a product's stock over the shards it is split over. */
import type { Command } from 'commander';
import { describeProduct, runAdmin } from '../../../admin.js';

/** Registers `po admin products rebalance`. */
export function registerAdminProductsRebalance(products: Command): void {
  products
    .command('rebalance')
    .description(
      'even out a product’s stock over its shards, in one transaction (the total never changes); ' +
        'orders already take from several shards when one is short',
    )
    .argument('<sku>')
    .action((sku: string, _o: unknown, command: Command) =>
      runAdmin(command, (admin) => admin.product(sku).rebalance(), describeProduct('rebalanced')),
    );
}
