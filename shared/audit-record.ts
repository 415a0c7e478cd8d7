/**
 * Making an audit record (shared/audit.ts has its shape): its random ID, its time-index shard, its members. Apart
 * from shared/audit.ts because it needs node:crypto, which the console (a reader of the trail) has no use for.
 */
import { createHash, randomBytes } from 'node:crypto';
import { AUDIT_TIME_SHARDS } from '../contract/tables.js';
import { AUDIT_ACTIONS } from './audit.js';
import type { Actor, AuditEntry, AuditRecord } from './audit.js';

/** The day's shard a record goes to in the time index, from its ID. */
function timeBucketOf(time: string, auditId: string): string {
  const shard = createHash('sha256').update(auditId).digest()[0]! % AUDIT_TIME_SHARDS;
  return `${time.slice(0, 10)}#${shard}`;
}

/** The record of `entry`, done by `actor` at `now`. */
export function auditRecord(actor: Actor, entry: AuditEntry, now = Date.now(), auditId = newAuditId()): AuditRecord {
  const time = new Date(now).toISOString();
  return {
    target: entry.target,
    targetType: AUDIT_ACTIONS[entry.action],
    recordedAt: `${time}#${auditId}`,
    auditId,
    time,
    actor: actor.id,
    actorKind: actor.kind,
    actorRoles: [...actor.roles],
    action: entry.action,
    changes: entry.changes ?? {},
    ...(entry.reason === undefined ? {} : { reason: entry.reason }),
    requestId: actor.requestId,
    timeBucket: timeBucketOf(time, auditId),
  };
}

/** A fresh record ID: 96 random bits, base64url. */
function newAuditId(): string {
  return randomBytes(12).toString('base64url');
}
