/**
 * Products: the catalogue with its stock; for `products:write`, add a product, re-price one (the old price shown
 * beside the new), restock one. Each form checks its input with the API's own request schemas before sending.
 */
import type { Catalogue, CatalogueProduct } from '../../../contract/admin-api.js';
import type { Product } from '../../../shared/orders.js';
import { newProduct, productChanges, restock } from '../../../shared/requests.js';
import { call, segment } from '../api.js';
import { failure, show } from '../view.js';
import type { ConsoleContext } from '../view.js';
import { field, h, notice, replace, table } from '../../common/dom.js';
import { auditLink, figure, money } from '../../common/format.js';
import { centsOf } from './customers.js';

/** The first problem zod found, as a sentence. */
const problem = (result: {
  success: boolean;
  error?: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> };
}) => {
  const issue = result.error?.issues[0];
  return issue ? `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}` : 'Invalid.';
};

export async function productsView(context: ConsoleContext): Promise<void> {
  const catalogue = await call<Catalogue>('GET', '/admin/products');
  const writer = context.can('products:write');
  const outcome = h('div', { 'aria-live': 'polite' });
  show(
    context,
    'Products',
    outcome,
    table(
      `The catalogue, prices in ${catalogue.currency}`,
      [
        'SKU',
        'Name',
        'Price',
        'Stock',
        ...(writer ? ['Re-price', 'Restock'] : []),
        ...(context.can('audit:read') ? ['History'] : []),
      ],
      catalogue.products.map((product) => [
        h('code', { class: 'figure' }, product.sku),
        product.name,
        figure(money(product.priceCents, catalogue.currency)),
        figure(String(product.stock)),
        ...(writer ? [repriceForm(product), restockForm(product)] : []),
        ...(context.can('audit:read') ? [auditLink(product.sku, `Audit of ${product.sku}`)] : []),
      ]),
      'No products yet.',
    ),
    writer && addForm(),
  );

  function send(
    button: HTMLButtonElement,
    request: () => Promise<CatalogueProduct>,
    done: (product: CatalogueProduct) => string,
  ) {
    if (button.disabled) return;
    button.disabled = true;
    request()
      .then((product) => context.refresh(done(product)))
      .catch((error: unknown) => {
        button.disabled = false;
        replace(outcome, failure(error));
      });
  }

  function repriceForm(product: Product): HTMLElement {
    const price = h('input', {
      id: `price-${product.sku}`,
      name: 'price',
      inputmode: 'decimal',
      required: true,
      size: 8,
      autocomplete: 'off',
      'aria-label': `New price of ${product.sku} (now ${money(product.priceCents, catalogue.currency)})`,
    });
    const button = h('button', { type: 'submit' }, 'Re-price');
    const form = h('form', { class: 'inline' }, price, ' ', button);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const checked = productChanges().safeParse({ priceCents: centsOf(price.value) ?? Number.NaN });
      if (!checked.success)
        return replace(
          outcome,
          notice('error', `${product.sku}: the price must be an amount like 13.50 (${problem(checked)})`),
        );
      send(
        button,
        () => call<CatalogueProduct>('PATCH', `/admin/products/${segment(product.sku)}`, checked.data),
        (after) =>
          `${after.sku} re-priced: ${money(product.priceCents, catalogue.currency)} → ${money(after.priceCents, after.currency)}.`,
      );
    });
    return form;
  }

  function restockForm(product: Product): HTMLElement {
    const quantity = h('input', {
      id: `restock-${product.sku}`,
      name: 'quantity',
      inputmode: 'numeric',
      required: true,
      size: 6,
      autocomplete: 'off',
      'aria-label': `Units of ${product.sku} to add to its stock of ${product.stock}`,
    });
    const button = h('button', { type: 'submit' }, 'Restock');
    const form = h('form', { class: 'inline' }, quantity, ' ', button);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const checked = restock().safeParse({
        quantity: /^\d+$/.test(quantity.value.trim()) ? Number(quantity.value) : Number.NaN,
      });
      if (!checked.success)
        return replace(
          outcome,
          notice('error', `${product.sku}: the quantity must be a whole number of units (${problem(checked)})`),
        );
      send(
        button,
        () => call<CatalogueProduct>('POST', `/admin/products/${segment(product.sku)}/restock`, checked.data),
        (after) => `${after.sku} restocked: +${checked.data.quantity} units.`,
      );
    });
    return form;
  }

  function addForm(): HTMLElement {
    const sku = h('input', { id: 'new-sku', name: 'sku', required: true, autocomplete: 'off' });
    const name = h('input', { id: 'new-name', name: 'name', required: true, autocomplete: 'off' });
    const price = h('input', {
      id: 'new-price',
      name: 'price',
      inputmode: 'decimal',
      required: true,
      autocomplete: 'off',
    });
    const stock = h('input', { id: 'new-stock', name: 'stock', inputmode: 'numeric', value: '0', autocomplete: 'off' });
    const button = h('button', { type: 'submit' }, 'Add product');
    const form = h(
      'form',
      { class: 'add-product', 'aria-label': 'Add a product' },
      h('h2', null, 'Add a product'),
      field('SKU', sku),
      field('Name', name),
      field(`Price (${catalogue.currency})`, price),
      field('Stock', stock),
      button,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const checked = newProduct().safeParse({
        sku: sku.value.trim(),
        name: name.value,
        priceCents: centsOf(price.value) ?? Number.NaN,
        stock: /^\d+$/.test(stock.value.trim()) ? Number(stock.value) : Number.NaN,
      });
      if (!checked.success) return replace(outcome, notice('error', `The new product: ${problem(checked)}`));
      send(
        button,
        () => call<CatalogueProduct>('POST', '/admin/products', checked.data),
        (after) => `${after.sku} added at ${money(after.priceCents, after.currency)}, stock ${after.stock}.`,
      );
    });
    return form;
  }
}
