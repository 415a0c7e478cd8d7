/**
 * Every `po` command, registered on the program in the order `po --help` lists them. Each command is one file whose
 * path is the command's (`po admin customers list` is admin/customers/list.ts); a group's file registers the group
 * and returns it for its commands. Command files import shared CLI modules only, never one another.
 */
import type { Command } from 'commander';
import { registerAccount } from './account.js';
import { registerAdmin } from './admin.js';
import { registerAdminAudit } from './admin/audit.js';
import { registerAdminCustomers } from './admin/customers.js';
import { registerAdminCustomersAdd } from './admin/customers/add.js';
import { registerAdminCustomersCredit } from './admin/customers/credit.js';
import { registerAdminCustomersList } from './admin/customers/list.js';
import { registerAdminCustomersShow } from './admin/customers/show.js';
import { registerAdminCustomersUnlock } from './admin/customers/unlock.js';
import { registerAdminEmails } from './admin/emails.js';
import { registerAdminEmailsList } from './admin/emails/list.js';
import { registerAdminEmailsRetry } from './admin/emails/retry.js';
import { registerAdminKeys } from './admin/keys.js';
import { registerAdminKeysAdd } from './admin/keys/add.js';
import { registerAdminKeysRevoke } from './admin/keys/revoke.js';
import { registerAdminOrders } from './admin/orders.js';
import { registerAdminOrdersCancel } from './admin/orders/cancel.js';
import { registerAdminOrdersFulfil } from './admin/orders/fulfil.js';
import { registerAdminOrdersList } from './admin/orders/list.js';
import { registerAdminOrdersShow } from './admin/orders/show.js';
import { registerAdminProducts } from './admin/products.js';
import { registerAdminProductsAdd } from './admin/products/add.js';
import { registerAdminProductsRestock } from './admin/products/restock.js';
import { registerAdminProductsUpdate } from './admin/products/update.js';
import { registerAdminRevokeReceiptKey } from './admin/revoke-receipt-key.js';
import { registerAdminRotateReceiptKey } from './admin/rotate-receipt-key.js';
import { registerAdminRotateServerKey } from './admin/rotate-server-key.js';
import { registerCompletion } from './completion.js';
import { registerConfig } from './config.js';
import { registerEnvelope } from './envelope.js';
import { registerEnvelopeOpen } from './envelope/open.js';
import { registerEnvelopeSeal } from './envelope/seal.js';
import { registerKeygen } from './keygen.js';
import { registerLogin } from './login.js';
import { registerLogout } from './logout.js';
import { registerOrder } from './order.js';
import { registerOrders } from './orders.js';
import { registerOrdersCancel } from './orders/cancel.js';
import { registerOrdersExport } from './orders/export.js';
import { registerOrdersShow } from './orders/show.js';
import { registerPassword } from './password.js';
import { registerProducts } from './products.js';
import { registerProfiles } from './profiles.js';
import { registerTest } from './test.js';
import { registerTrust } from './trust.js';
import { registerVerify } from './verify.js';
import { registerWhoami } from './whoami.js';

/** Registers every command on `program`, in `po --help` order (commander lists them as they are registered). */
export function registerCommands(program: Command): void {
  registerConfig(program);
  registerLogin(program);
  registerLogout(program);
  registerWhoami(program);
  registerProfiles(program);
  registerPassword(program);
  registerProducts(program);
  const orders = registerOrders(program);
  registerOrdersShow(orders);
  registerOrdersExport(orders);
  registerOrdersCancel(orders);
  registerAccount(program);
  registerTest(program);
  registerTrust(program);
  registerOrder(program);
  registerVerify(program);

  const admin = registerAdmin(program);
  const products = registerAdminProducts(admin);
  registerAdminProductsAdd(products);
  registerAdminProductsUpdate(products);
  registerAdminProductsRestock(products);
  const customers = registerAdminCustomers(admin);
  registerAdminCustomersAdd(customers);
  registerAdminCustomersUnlock(customers);
  registerAdminCustomersList(customers);
  registerAdminCustomersShow(customers);
  registerAdminCustomersCredit(customers);
  const queue = registerAdminOrders(admin);
  registerAdminOrdersList(queue);
  registerAdminOrdersShow(queue);
  registerAdminOrdersFulfil(queue);
  registerAdminOrdersCancel(queue);
  const emails = registerAdminEmails(admin);
  registerAdminEmailsList(emails);
  registerAdminEmailsRetry(emails);
  const keys = registerAdminKeys(admin);
  registerAdminKeysAdd(keys);
  registerAdminKeysRevoke(keys);
  registerAdminRotateServerKey(admin);
  registerAdminRotateReceiptKey(admin);
  registerAdminRevokeReceiptKey(admin);
  registerAdminAudit(admin);

  registerKeygen(program);
  const envelope = registerEnvelope(program);
  registerEnvelopeSeal(envelope);
  registerEnvelopeOpen(envelope);
  registerCompletion(program);
}
