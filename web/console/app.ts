/**
 * The console: the shell (web/common/shell.ts) with the staff's views. A view or action the roles lack is not shown;
 * the API refuses it anyway (the permission check is the router's, on the OPD).
 */
import { allows } from '../../shared/permissions.js';
import type { Permission } from '../../shared/permissions.js';
import { startShell } from '../common/shell.js';
import { verifyFileView } from '../common/verify-view.js';
import type { ShellView } from '../common/shell.js';
import type { StaffSession } from './api.js';
import type { ConsoleContext } from './view.js';
import { auditView } from './views/audit.js';
import { customerView, customersView } from './views/customers.js';
import { mailView } from './views/mail.js';
import { orderView } from './views/order.js';
import { productsView } from './views/products.js';
import { queueView } from './views/queue.js';
import { staffMemberView, staffView } from './views/staff.js';
import { verdictOn } from './views/order.js';

/** The views, the permission each needs to be shown, and the header's name for it. */
const VIEWS: ReadonlyArray<ShellView<ConsoleContext> & { permission: Permission | null }> = [
  { name: 'queue', title: 'Queue', permission: 'orders:read', view: queueView, nav: true },
  { name: 'orders', title: 'Order', permission: 'orders:read', view: orderView, nav: false, under: 'queue' },
  { name: 'customers', title: 'Customers', permission: 'accounts:read', view: customersView, nav: true },
  {
    name: 'customer',
    title: 'Customer',
    permission: 'accounts:read',
    view: customerView,
    nav: false,
    under: 'customers',
  },
  { name: 'products', title: 'Products', permission: 'products:read', view: productsView, nav: true },
  { name: 'mail', title: 'Mail', permission: 'orders:read', view: mailView, nav: true },
  { name: 'audit', title: 'Audit', permission: 'audit:read', view: auditView, nav: true },
  { name: 'staff', title: 'Staff', permission: 'staff:read', view: staffView, nav: true },
  {
    name: 'member',
    title: 'Staff member',
    permission: 'staff:read',
    view: staffMemberView,
    nav: false,
    under: 'staff',
  },
  { name: 'verify', title: 'Check evidence', permission: null, view: checkFileView, nav: true },
];

/** Check an evidence file: the checks of po verify, and its receipt keys against those the OPD publishes. */
function checkFileView(context: ConsoleContext): Promise<void> {
  return verifyFileView(
    context,
    'Choose an evidence file (as po orders export writes it), or drop it here: it is checked here in the browser with the checks of po verify, and its receipt keys against the ones the OPD publishes. The file is not sent anywhere.',
    (value) => verdictOn(value),
  );
}

/** Starts the console in `root`. */
export function startConsole(root: HTMLElement): void {
  startShell<StaffSession, ConsoleContext>(root, {
    brand: 'OPD console',
    login: {
      path: '/staff/login',
      idMember: 'staffId',
      idLabel: 'Staff ID',
      help: 'Staff of the Order Processing Department log in here with their staff ID.',
    },
    views: (session) => VIEWS.filter((view) => view.permission === null || allows(session.roles, view.permission)),
    who: (session) => `${session.staffId} (${session.roles.join(', ')})`,
    context: (base, session) => ({ ...base, can: (permission: Permission) => allows(session.roles, permission) }),
  });
}
