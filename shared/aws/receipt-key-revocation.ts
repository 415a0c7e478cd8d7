/**
 * Revoking a receipt key that leaked: it is rotated out if it signs now, and published as revoked, with the time, so
 * that a receipt it signed later is known not to be the OPD's. Warm order functions stop signing with it within the
 * receipt ring's freshness bound (shared/aws/key-ring.ts {@link RECEIPT_KEY_MAX_AGE_MS}).
 */
import type { Actor } from '../audit.js';
import { config } from '../config.js';
import { ApiError, serviceUnavailable } from '../errors.js';
import { logger } from '../observability.js';
import { auditAction } from './audit.js';
import { RECEIPT_KEY_MAX_AGE_MS } from './key-ring.js';
import { listKeys, listUsableKeys, newKeyPair, retireOlder } from './keystore.js';
import type { PublishedKey } from './keystore.js';
import { transact } from './transactions.js';

/** How failures of the keys table are named (in logs and 503 answers). */
const SERVICE = 'the key store';

/** A revoked receipt key: when, when every warm function stopped signing with it at the latest, which key signs now. */
export interface RevokedReceiptKey {
  readonly kid: string;
  readonly revokedAt: string;
  readonly signsNoMoreAfter: string;
  /** The key that signs now. */
  readonly current: PublishedKey;
  /** Whether the revoked key was the one signing, so that `current` is new (announce its fingerprint). */
  readonly rotated: boolean;
}

/**
 * How long after a receipt key's revocation no order function signs with it: the oldest key states one signs with,
 * and 1 s for the revocation's own write and for the functions' clocks.
 */
export const RECEIPT_KEY_REVOCATION_MS = RECEIPT_KEY_MAX_AGE_MS + 1_000;

/** When a receipt key revoked at `revokedAt` (ISO 8601) signs nothing more, at the latest. */
export function signsNoMoreAfter(revokedAt: string): string {
  return new Date(Date.parse(revokedAt) + RECEIPT_KEY_REVOCATION_MS).toISOString();
}

/**
 * Revokes a receipt key (one that leaked). If it is the one that signs, a new key takes over in the same transaction
 * that revokes it (so there is always one active key, and of two revocations at once only one rotates); otherwise it
 * is marked revoked. Either way the transaction holds its audit record (`receipt-key.revoke`, by `actor`). Warm order
 * functions stop signing with it by {@link signsNoMoreAfter}; it stays published, as revoked. Revoking a revoked key
 * changes nothing (records nothing) and answers as the first time.
 * @throws ApiError `not_found` (no receipt key with that ID)
 */
export async function revokeReceiptKey(kid: string, actor: Actor, now = Date.now()): Promise<RevokedReceiptKey> {
  const { keys: table } = config().tables;
  let rotated = false;
  for (let attempt = 1; ; attempt++) {
    const key = (await listKeys('receipt-key')).find((stored) => stored.kid === kid);
    if (!key) throw new ApiError('not_found', `no receipt key ${kid}`);
    if (key.status === 'revoked' || attempt > 3) break;
    const seen = key.status; // the state this attempt acts on: the write is conditioned on it
    const successor = seen === 'active' ? await newKeyPair('receipt-key', now) : undefined;
    const result = await transact(SERVICE, {
      successor: successor && {
        Put: { TableName: table, Item: successor, ConditionExpression: 'attribute_not_exists(kid)' },
      },
      revoke: {
        Update: {
          TableName: table,
          Key: { purpose: 'receipt-key', kid },
          UpdateExpression: 'SET #status = :revoked, revokedAt = :at',
          ConditionExpression: '#status = :seen',
          ExpressionAttributeNames: { '#status': 'status' },
          // Taken after the new key is made: the key stops being active no earlier than this.
          ExpressionAttributeValues: {
            ':revoked': 'revoked',
            ':at': new Date(Math.max(now, Date.now())).toISOString(),
            ':seen': seen,
          },
        },
      },
      audit: auditAction(
        actor,
        {
          action: 'receipt-key.revoke',
          target: kid,
          changes: {
            status: { before: seen, after: 'revoked' },
            ...(successor ? { activeKey: { before: kid, after: successor.kid } } : {}),
          },
        },
        now,
      ),
    });
    // Its state changed meanwhile (revoked or rotated by another call): look again.
    if (!result.committed) continue;
    if (successor) {
      rotated = true;
      await retireOlder('receipt-key', successor, 0, now); // an active key a concurrent rotation left, if any
    }
    logger.warn('receipt-key revoked', { kid, rotated });
    break;
  }
  const revoked = (await listKeys('receipt-key')).find((stored) => stored.kid === kid);
  const signing = (await listUsableKeys('receipt-key', now)).find((stored) => stored.status === 'active');
  if (revoked?.status !== 'revoked' || revoked.revokedAt === undefined || !signing?.publicKeyPem)
    throw serviceUnavailable('the key store');
  return {
    kid,
    revokedAt: revoked.revokedAt,
    signsNoMoreAfter: signsNoMoreAfter(revoked.revokedAt),
    current: { kid: signing.kid, publicKeyPem: signing.publicKeyPem },
    rotated,
  };
}
