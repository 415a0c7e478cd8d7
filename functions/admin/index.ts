/**
 * Admin routes (administrators only: the authorizer denies /admin/* to anyone else and the router checks again):
 * products (create, update, restock), customers (list, show, create, add/revoke a key, unlock, credit), the OPD's work
 * queue (orders by status, one order with its evidence, fulfil; mail owed or failed, retry), server and receipt key
 * rotation and receipt key revocation, the audit trail. One file per group; the route table says which routes there
 * are.
 */
import { apiHandler } from '../../shared/handler.js';
import { serveRoutes } from '../../shared/router.js';
import { auditRoutes } from './audit.js';
import { customerRoutes } from './customers.js';
import { keyRoutes } from './keys.js';
import { orderRoutes } from './orders.js';
import { productRoutes } from './products.js';

export const handler = apiHandler(
  serveRoutes('admin', { ...productRoutes, ...customerRoutes, ...orderRoutes, ...keyRoutes, ...auditRoutes }),
);
