/** The catalogue: every product with its price and stock, and a quantity to put in the cart. */
import type { Catalogue } from '../../../contract/customer-api.js';
import { ORDER_LIMITS } from '../../../shared/rules.js';
import { h, notice, replace, table } from '../../common/dom.js';
import { figure, money } from '../../common/format.js';
import { show } from '../../common/view.js';
import type { ViewContext } from '../../common/view.js';
import { call } from '../api.js';
import { cartLines, setLine } from '../cart.js';

export async function catalogueView(context: ViewContext): Promise<void> {
  const catalogue = await call<Catalogue>('GET', '/products');
  if (!context.current()) return;
  const inCart = new Map(cartLines().map((line) => [line.sku, line.qty]));
  const status = h('div', { 'aria-live': 'polite' });
  const rows = catalogue.products.map((product, index) => {
    const qty = h('input', {
      id: `qty-${index}`,
      type: 'number',
      inputmode: 'numeric',
      min: 0,
      max: ORDER_LIMITS.maxQuantity,
      step: 1,
      value: inCart.get(product.sku) ?? 0,
      'aria-label': `Quantity of ${product.sku}`,
    });
    const put = h(
      'button',
      {
        type: 'button',
        onclick: () => {
          try {
            setLine(product.sku, Number(qty.value));
            const count = cartLines().length;
            replace(
              status,
              notice(
                'ok',
                Number(qty.value) === 0
                  ? `${product.sku} is out of the cart.`
                  : `${qty.value} × ${product.sku} in the cart (${count} line${count === 1 ? '' : 's'}). `,
                Number(qty.value) > 0 && h('a', { href: '#/cart' }, 'Go to the cart'),
              ),
            );
          } catch (error) {
            replace(status, notice('error', (error as Error).message));
            qty.focus();
          }
        },
      },
      'Put in cart',
    );
    return [
      figure(product.sku),
      product.name,
      figure(money(product.priceCents, catalogue.currency)),
      figure(String(product.stock)),
      h('span', { class: 'row-action' }, qty, put),
    ];
  });
  show(
    context,
    'Catalogue',
    h('p', null, `Prices in ${catalogue.currency}. The cart shows the quote you sign.`),
    status,
    table('Products', ['SKU', 'Name', 'Price', 'In stock', 'Quantity'], rows, 'The catalogue is empty.'),
  );
}
