/**
 * A customer's registered keys as the services use them: to verify a signature (only an active key whose stored
 * algorithm agrees with the key itself), and as the evidence bundle names them.
 */
import { parsePublicKeyPem, verificationKey } from '../keys.js';
import type { VerificationKey } from '../keys.js';
import { evidenceKeyIds } from '../orders.js';
import type { OrderRecord } from '../orders.js';
import { getCustomerKey } from '../aws/customer-keys.js';
import type { RegisteredKey } from '../aws/customers.js';

/**
 * A registered key as a verification key, if it is active and the stored algorithm agrees with the key itself; a
 * revoked or inconsistent key is treated as unknown.
 */
export function activeKey(stored: RegisteredKey | undefined, kid: string): VerificationKey | undefined {
  if (!stored || stored.status !== 'active') return undefined;
  const key = verificationKey(parsePublicKeyPem(stored.publicKeyPem), kid);
  return key.alg === stored.alg ? key : undefined;
}

/** The registered keys an order's signatures were verified with, so the customer can assemble the evidence bundle. */
export async function evidenceKeys(order: OrderRecord): Promise<Map<string, string>> {
  const keys = await Promise.all(
    evidenceKeyIds(order).map(
      async (kid) => [kid, (await getCustomerKey(order.customerId, kid))?.publicKeyPem] as const,
    ),
  );
  return new Map(keys.filter((entry): entry is readonly [string, string] => entry[1] !== undefined));
}
