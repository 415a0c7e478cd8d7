/**
 * The DynamoDB tables, as plain data: the CDK stack builds them from this, and the local stack (DynamoDB Local)
 * creates the same tables from it, so the two never drift.
 */

export interface TableDefinition {
  /** Logical name; the environment variable `${NAME}_TABLE` carries the physical name. */
  readonly name: 'customers' | 'inventory' | 'orders' | 'keys';
  readonly partitionKey: string;
  readonly sortKey?: string;
  /** Orders stream their new images to the notifier. */
  readonly stream?: 'NEW_IMAGE';
  readonly description: string;
}

export const TABLES: readonly TableDefinition[] = [
  {
    name: 'customers',
    partitionKey: 'customerId',
    description: 'profile, role, password hash, lockout, token version, public keys',
  },
  { name: 'inventory', partitionKey: 'sku', description: 'products: name, price in cents, stock' },
  {
    name: 'orders',
    partitionKey: 'customerId',
    sortKey: 'orderId',
    stream: 'NEW_IMAGE',
    description: 'accepted orders with their signed evidence (JWS) and email status',
  },
  { name: 'keys', partitionKey: 'purpose', sortKey: 'kid', description: 'KMS-wrapped server and session keys' },
];

/** The environment variable that names a table for the handlers (shared/config.ts). */
export function tableEnvironmentVariable(name: TableDefinition['name']): string {
  return `${name.toUpperCase()}_TABLE`;
}
