/**
 * Admin routes (staff only: the authorizer denies /admin/* to customers and the router checks each route's permission):
 * products (list, show, create, update, restock), customers (list, show, create, add/revoke a key, unlock, credit,
 * disable/enable, end sessions, reset a password), the OPD's work queue (orders by status or by customer, one order
 * with its evidence, fulfil; mail owed or failed, retry), server and receipt key rotation and receipt key revocation,
 * the staff (list, show, add, roles, disable/enable, end sessions, reset a password). One file per group; the
 * route table says which routes there are.
 */
import { apiHandler } from '../../shared/handler.js';
import { serveRoutes } from '../../shared/router.js';
import { customerRoutes } from './customers.js';
import { keyRoutes } from './keys.js';
import { orderRoutes } from './orders.js';
import { productRoutes } from './products.js';
import { staffRoutes } from './staff.js';

export const handler = apiHandler(
  serveRoutes('admin', {
    ...productRoutes,
    ...customerRoutes,
    ...orderRoutes,
    ...keyRoutes,
    ...staffRoutes,
  }),
);
