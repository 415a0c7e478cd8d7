/**
 * The request bodies the API accepts, as zod schemas built from the rules (shared/rules.ts, shared/text.ts,
 * shared/accounts.ts). Each route names its body in the route table (contract/routes.ts); the router parses it before
 * the route runs, so a route never sees a body that does not match.
 *
 * Each is built on its first use (shared/lazy.ts): every function imports the whole route table, and building all the
 * API's bodies at import cost each cold start a few milliseconds for schemas most functions never parse.
 */
import * as z from 'zod/mini';
import { onFirstUse } from './lazy.js';
import { MAX_BALANCE_CENTS } from './accounts.js';
import { MAX_ROLES, ROLE_NAMES } from './permissions.js';
import type { StaffRole } from './permissions.js';
import {
  CUSTOMER_ID_MAX_LENGTH,
  CUSTOMER_ID_PATTERN,
  CUSTOMER_LIMITS,
  KEY_ID_PATTERN,
  ORDER_LIMITS,
  PASSWORD_POLICY,
  PRODUCT_LIMITS,
  SKU_PATTERN,
  STAFF_ID_PATTERN,
  STAFF_ID_RULE,
} from './rules.js';
import { oneLine, reasonSchema } from './text.js';

/** A password as any route takes it: the policy (shared/passwords.ts) is checked on new ones only. */
const password = onFirstUse(() => z.string().check(z.minLength(1), z.maxLength(PASSWORD_POLICY.maxInputLength)));

/** `POST /login`. */
export const loginRequest = onFirstUse(() =>
  z.strictObject({
    customerId: z.string().check(z.minLength(1), z.maxLength(CUSTOMER_ID_MAX_LENGTH)),
    password: password(),
  }),
);

/** `POST /staff/login`. */
export const staffLoginRequest = onFirstUse(() =>
  z.strictObject({
    staffId: z.string().check(z.minLength(1), z.maxLength(CUSTOMER_ID_MAX_LENGTH)),
    password: password(),
  }),
);

/** `POST /password`. The policy (length in code points after NFKC, not the old one, not the ID) is checked later. */
export const passwordChange = onFirstUse(() => z.strictObject({ oldPassword: password(), newPassword: password() }));

/** `POST /orders`. The body limit bounds the envelope; its own bound is openOrder's first check (413). */
export const orderRequest = onFirstUse(() => z.strictObject({ envelope: z.string().check(z.minLength(1)) }));

/** `POST /orders/{id}/cancel`: the customer's signed cancellation. */
export const customerCancellation = onFirstUse(() =>
  z.strictObject({
    cancellation: z.string().check(z.minLength(1), z.maxLength(ORDER_LIMITS.maxEnvelopeChars)),
  }),
);

/** `POST /admin/orders/{id}/cancel`: the OPD's reason, and whose order it is when the ID alone is ambiguous. */
export const opdCancellation = onFirstUse(() =>
  z.strictObject({
    reason: reasonSchema(),
    customerId: z.optional(z.string().check(z.regex(CUSTOMER_ID_PATTERN))),
  }),
);

const productName = onFirstUse(() => oneLine('name', PRODUCT_LIMITS.maxNameLength));
const priceCents = onFirstUse(() => z.int().check(z.minimum(0), z.maximum(PRODUCT_LIMITS.maxPriceCents)));
const stock = (least: number) => z.int().check(z.minimum(least), z.maximum(PRODUCT_LIMITS.maxStock));

/** `POST /admin/products`. */
export const newProduct = onFirstUse(() =>
  z.strictObject({
    sku: z.string().check(z.regex(SKU_PATTERN)),
    name: productName(),
    priceCents: priceCents(),
    stock: stock(0),
  }),
);

/**
 * `PATCH /admin/products/{sku}`: a new name, a new price, and/or how many items its stock is split over
 * (shared/stock.ts).
 */
export const productChanges = onFirstUse(() =>
  z
    .strictObject({
      name: z.optional(productName()),
      priceCents: z.optional(priceCents()),
      stockShards: z.optional(z.int().check(z.minimum(1), z.maximum(PRODUCT_LIMITS.maxStockShards))),
    })
    .check(
      z.refine(
        (changes) =>
          changes.name !== undefined || changes.priceCents !== undefined || changes.stockShards !== undefined,
        'give name, priceCents and/or stockShards',
      ),
    ),
);

/** `POST /admin/products/{sku}/restock`. */
export const restock = onFirstUse(() => z.strictObject({ quantity: stock(1) }));

/** A customer's public key: `POST /admin/customers/{customerId}/keys`, and each key of a new customer. */
export const publicKey = onFirstUse(() => z.strictObject(publicKeyShape()));

/** The members of {@link publicKey}, which {@link ownKey} has too. */
function publicKeyShape() {
  return {
    publicKeyPem: z.string().check(z.minLength(1), z.maxLength(CUSTOMER_LIMITS.maxPublicKeyPemLength)),
    keyId: z.optional(z.string().check(z.regex(KEY_ID_PATTERN))),
  };
}

/**
 * `POST /account/keys`: a key the customer adds themself, with its proof of possession (docs/envelope.md §11) and
 * their current password (a session alone may not add a key).
 */
export const ownKey = onFirstUse(() =>
  z.strictObject({
    ...publicKeyShape(),
    proof: z.string().check(z.minLength(1), z.maxLength(CUSTOMER_LIMITS.maxKeyProofChars)),
    password: password(),
  }),
);

/** `DELETE /account/keys/{kid}`: the customer's current password (a session alone may not revoke a key). */
export const reauthentication = onFirstUse(() => z.strictObject({ password: password() }));

/** `POST /admin/customers`. */
export const newCustomer = onFirstUse(() =>
  z.strictObject({
    customerId: z.string().check(z.regex(CUSTOMER_ID_PATTERN)),
    email: z.email().check(z.maxLength(CUSTOMER_LIMITS.maxEmailLength)),
    password: password(),
    keys: z._default(z.array(publicKey()).check(z.maxLength(CUSTOMER_LIMITS.maxKeysAtCreation)), []),
  }),
);

/** `POST /admin/customers/{customerId}/credit`: a credit (> 0) or an adjustment (< 0), with its reference. */
export const credit = onFirstUse(() =>
  z.strictObject({
    amountCents: z.int('amountCents must be a whole number of cents').check(
      z.minimum(-MAX_BALANCE_CENTS, 'amountCents is too small'),
      z.maximum(MAX_BALANCE_CENTS, 'amountCents is too large'),
      z.refine((amount) => amount !== 0, 'amountCents must not be 0'),
    ),
    reference: oneLine('reference'),
  }),
);

/** A staff member's roles: one or more of the roles' names (each counts once; their order does not matter). */
const staffRoles = onFirstUse(() =>
  z
    .array(
      z.enum(ROLE_NAMES as [StaffRole, ...StaffRole[]], {
        error: (issue) =>
          `${typeof issue.input === 'string' && issue.input.length <= 32 ? JSON.stringify(issue.input) : 'that'} is not a role; the roles are ${ROLE_NAMES.join(', ')}`,
      }),
    )
    .check(
      z.minLength(1, 'roles must name at least one role (to stop someone, disable them)'),
      z.maxLength(MAX_ROLES, `roles must name at most ${MAX_ROLES} roles, each once`),
    ),
);

/** `POST /admin/staff`: a new staff member, with an initial password and their roles. */
export const newStaff = onFirstUse(() =>
  z.strictObject({
    staffId: z.string().check(z.regex(STAFF_ID_PATTERN, `staffId must be ${STAFF_ID_RULE}`)),
    email: z.email().check(z.maxLength(CUSTOMER_LIMITS.maxEmailLength)),
    password: password(),
    roles: staffRoles(),
  }),
);

/** `PUT /admin/staff/{staffId}/roles`: the roles the staff member holds from now on (all of them). */
export const staffRolesChange = onFirstUse(() => z.strictObject({ roles: staffRoles() }));
