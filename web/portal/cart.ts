/**
 * The cart: SKU → quantity, in this page's memory only (a reload empties it, as it logs out). Prices are not kept:
 * the cart view asks the OPD for the current ones (the quote) every time it is drawn, and those are what is signed.
 */
import { ORDER_LIMITS } from '../../shared/rules.js';

const lines = new Map<string, number>();

/** The cart's lines, in the order they were added. */
export function cartLines(): Array<{ sku: string; qty: number }> {
  return [...lines].map(([sku, qty]) => ({ sku, qty }));
}

/**
 * Sets a line's quantity (0 removes it).
 * @throws RangeError for a quantity that is not a whole number within the order rules, or a line too many
 */
export function setLine(sku: string, qty: number): void {
  if (!Number.isInteger(qty) || qty < 0 || qty > ORDER_LIMITS.maxQuantity)
    throw new RangeError(`A quantity is a whole number from 1 to ${ORDER_LIMITS.maxQuantity}.`);
  if (qty === 0) {
    lines.delete(sku);
    return;
  }
  if (!lines.has(sku) && lines.size >= ORDER_LIMITS.maxItems)
    throw new RangeError(`An order has at most ${ORDER_LIMITS.maxItems} lines.`);
  lines.set(sku, qty);
}

/** Empties the cart (after an order, or a logout). */
export function emptyCart(): void {
  lines.clear();
}
