/** The customer portal: the shell (web/common/shell.ts) with the customer's views. */
import { offlineVerdict } from '../common/evidence-view.js';
import { startShell } from '../common/shell.js';
import type { ShellView } from '../common/shell.js';
import { verifyFileView } from '../common/verify-view.js';
import type { ViewContext } from '../common/view.js';
import type { CustomerSession } from './api.js';
import { emptyCart } from './cart.js';
import { accountView } from './views/account.js';
import { cartView } from './views/cart.js';
import { catalogueView } from './views/catalogue.js';
import { keysView } from './views/keys.js';
import { orderView } from './views/order.js';
import { ordersView } from './views/orders.js';

/** Check an evidence file offline: the checks of po verify, in the page, nothing sent. */
function checkFileView(context: ViewContext): Promise<void> {
  return verifyFileView(
    context,
    'Choose an evidence file (as this page or po orders export writes it), or drop it here: it is checked in this browser with the checks of po verify. Nothing is sent anywhere; it works offline once the page is loaded.',
    offlineVerdict,
  );
}

const VIEWS: ReadonlyArray<ShellView<ViewContext>> = [
  { name: 'catalogue', title: 'Catalogue', view: catalogueView, nav: true },
  { name: 'cart', title: 'Cart', view: cartView, nav: true },
  {
    name: 'orders',
    title: 'Orders',
    view: (context) => (context.args.length > 0 ? orderView(context) : ordersView(context)),
    nav: true,
  },
  { name: 'account', title: 'Account', view: accountView, nav: true },
  { name: 'keys', title: 'Keys', view: keysView, nav: true },
  { name: 'verify', title: 'Check evidence', view: checkFileView, nav: true },
];

/** Starts the portal in `root`. */
export function startPortal(root: HTMLElement): void {
  startShell<CustomerSession, ViewContext>(root, {
    brand: 'Purchase orders',
    login: {
      path: '/login',
      idMember: 'customerId',
      idLabel: 'Customer ID',
      help: 'Customers of the Order Processing Department log in here with their customer ID.',
    },
    views: () => VIEWS,
    who: (session) => session.customerId,
    context: (base) => base,
    ended: emptyCart,
  });
}
