/**
 * What the OPD's staff may do: every permission named once, and the roles as named sets of them. A route of the
 * administrators' API names the one permission it needs (contract/routes.ts); the router checks it (shared/router.ts);
 * docs/api.md and the README print the same matrix (test/permissions.test.ts compares them). Pure data.
 */

/** Every permission, with what it allows, in the order the matrix lists them. */
export const PERMISSIONS = {
  'orders:read': 'see the order queue, an order with its evidence, and the mail owed',
  'orders:fulfil': 'mark an accepted order fulfilled (shipped)',
  'orders:cancel': 'cancel an accepted order for the OPD, with a reason (stock back, money refunded)',
  'emails:retry': 'send again an email that failed',
  'products:read': 'list and show products, with their stock',
  'products:write': 'add products, rename and re-price them, restock them, split their stock',
  'accounts:read': 'list and show customers, their balances and ledgers',
  'accounts:credit': 'credit or adjust a customer’s balance',
  'customers:write': 'add customers; unlock, disable, re-enable them; end their sessions; reset their passwords',
  'customer-keys:write': 'add and revoke customers’ public keys',
  'opd-keys:rotate': 'rotate the OPD’s server and receipt keys, revoke a receipt key',
  'staff:read': 'list and show staff and their roles',
  'staff:write': 'add staff; change their roles; disable, re-enable them; end their sessions; reset their passwords',
  'audit:read': 'read the audit trail',
} as const;

/** A permission's name. */
export type Permission = keyof typeof PERMISSIONS;

/** Every permission, in the matrix's order. */
export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as Permission[];

/** The roles: named sets of permissions. `admin` has them all. */
export const ROLES = {
  clerk: {
    description: 'ships orders: works the queue, fulfils and cancels orders, retries failed mail',
    permissions: ['orders:read', 'orders:fulfil', 'orders:cancel', 'emails:retry', 'products:read'],
  },
  finance: {
    description: 'tops up balances: reads accounts, credits and adjusts them',
    permissions: ['orders:read', 'products:read', 'accounts:read', 'accounts:credit', 'audit:read'],
  },
  catalog: {
    description: 'keeps the catalogue: adds, re-prices and restocks products',
    permissions: ['orders:read', 'products:read', 'products:write'],
  },
  security: {
    description: 'keeps accounts and keys safe: customers, their keys, the OPD’s keys; reads staff and the audit',
    permissions: [
      'accounts:read',
      'customers:write',
      'customer-keys:write',
      'opd-keys:rotate',
      'staff:read',
      'audit:read',
    ],
  },
  admin: { description: 'everything, staff included', permissions: PERMISSION_NAMES },
} as const satisfies Record<string, { description: string; permissions: readonly Permission[] }>;

/** A role's name. */
export type StaffRole = keyof typeof ROLES;

/** Every role, in the matrix's order. */
export const ROLE_NAMES = Object.keys(ROLES) as StaffRole[];

/** The most roles one person holds (there are only so many). */
export const MAX_ROLES = ROLE_NAMES.length;

/** Whether `value` names a role. */
export function isStaffRole(value: unknown): value is StaffRole {
  return typeof value === 'string' && Object.hasOwn(ROLES, value);
}

/** The permissions a set of roles gives, in the matrix's order. */
export function permissionsOf(roles: readonly StaffRole[]): Permission[] {
  const granted = new Set<Permission>(roles.flatMap((role) => ROLES[role].permissions));
  return PERMISSION_NAMES.filter((permission) => granted.has(permission));
}

/** Whether roles give `permission`. */
export function allows(roles: readonly StaffRole[], permission: Permission): boolean {
  return roles.some((role) => (ROLES[role].permissions as readonly Permission[]).includes(permission));
}

/** The permission that lets staff manage staff: its last holder cannot lose it (shared/services/staff.ts). */
export const STAFF_ADMIN_PERMISSION: Permission = 'staff:write';
