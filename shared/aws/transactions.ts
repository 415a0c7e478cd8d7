/**
 * TransactWriteItems built from named parts. DynamoDB answers a cancelled transaction with one reason per action, by
 * position in the order the actions were sent; a transaction sent from parts is answered with its reasons in the same
 * parts, so that no caller counts positions.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { CancellationReason } from '../order-outcomes.js';
import { currentStaffCaller } from '../caller.js';
import type { StaffCaller } from '../caller.js';
import { config } from '../config.js';
import { sessionInvalid } from '../errors.js';
import { dynamo, guarded } from './clients.js';

/** One action of a TransactWriteItems. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * A transaction's parts by name: one action, a list of actions (one per order line, say), or none (`undefined`).
 * They are sent in the order the object lists them (its own keys' insertion order).
 */
export type TransactionParts = Readonly<Record<string, TransactItem | readonly TransactItem[] | undefined>>;

/** The reasons a cancelled transaction gave, by part: one for an action (if any), a list for a list. */
export type ReasonsByPart<P extends TransactionParts> = {
  readonly [K in keyof P]: P[K] extends readonly TransactItem[] ? CancellationReason[] : CancellationReason | undefined;
};

/** How a transaction ended: committed, or cancelled with its reasons by part. */
export type TransactionResult<P extends TransactionParts> =
  { readonly committed: true } | { readonly committed: false; readonly reasons: ReasonsByPart<P> };

const actionsOf = (part: TransactionParts[string]): readonly TransactItem[] =>
  part === undefined ? [] : isList(part) ? part : [part];

function isList(part: TransactItem | readonly TransactItem[]): part is readonly TransactItem[] {
  return Array.isArray(part);
}

/**
 * Sends the parts as one TransactWriteItems (through {@link guarded}, as `service`). A cancelled transaction is an
 * answer, not an error: its reasons come back by part, items unmarshalled. Any other error propagates.
 *
 * In a staff request (shared/caller.ts), one more action checks at commit that the caller may still act: their token
 * version unchanged and their account not disabled — unless the transaction changes the caller's own staff item,
 * whose own condition then decides (DynamoDB allows one action per item).
 * @throws ApiError `unauthorized` when the caller's sessions ended (a role change, a disable) before the commit
 */
export async function transact<P extends TransactionParts>(service: string, parts: P): Promise<TransactionResult<P>> {
  const actions = Object.values(parts).flatMap(actionsOf);
  const caller = currentStaffCaller();
  const check = caller && !actions.some((action) => changesStaffItem(action, caller)) ? callerCheck(caller) : undefined;
  for (let sending = 1; ; sending++) {
    try {
      await guarded(service, 'TransactWriteItems', () =>
        dynamo().send(new TransactWriteCommand({ TransactItems: check ? [...actions, check] : actions })),
      );
      return { committed: true };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = reasonsOf(error);
      if (check && reasons[actions.length]?.code === 'ConditionalCheckFailed') throw sessionInvalid();
      // A staff request's transactions all check the same staff item, so that one person's requests at once (a
      // script's credits, a restock while orders take the same stock) conflict with each other and with orders.
      // Cancelled for conflicts alone, nothing was written: send it again, a few times, after a short random pause.
      const conflictOnly =
        reasons.some((reason) => reason.code === 'TransactionConflict') &&
        reasons.every((reason) => reason.code === 'TransactionConflict' || reason.code === 'None');
      if (check && conflictOnly && sending < STAFF_CONFLICT_SENDINGS) {
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 35 * sending));
        continue;
      }
      return { committed: false, reasons: reasonsByPart(parts, reasons) };
    }
  }
}

/** How many times a staff request's transaction is sent while it is cancelled for conflicts alone. */
const STAFF_CONFLICT_SENDINGS = 6;

/** The action that lets a staff request's transaction commit only while its caller may still act. */
function callerCheck(caller: StaffCaller): TransactItem {
  return {
    ConditionCheck: {
      TableName: config().tables.staff,
      Key: { staffId: caller.staffId },
      ConditionExpression: 'tokenVersion = :callerTokenVersion AND attribute_not_exists(disabledAt)',
      ExpressionAttributeValues: { ':callerTokenVersion': caller.tokenVersion },
    },
  };
}

/** Whether `action` acts on the caller's own staff item. */
function changesStaffItem(action: TransactItem, caller: StaffCaller): boolean {
  const staff = config().tables.staff;
  const on = (table: string | undefined, key: Record<string, unknown> | undefined) =>
    table === staff && key?.staffId === caller.staffId;
  return (
    on(action.Put?.TableName, action.Put?.Item) ||
    on(action.Update?.TableName, action.Update?.Key) ||
    on(action.Delete?.TableName, action.Delete?.Key) ||
    on(action.ConditionCheck?.TableName, action.ConditionCheck?.Key)
  );
}

/** The cancellation reasons of a cancelled transaction, in the order of its actions, items unmarshalled. */
function reasonsOf(error: TransactionCanceledException): CancellationReason[] {
  return (error.CancellationReasons ?? []).map((reason) => ({
    code: reason.Code,
    ...(reason.Item ? { item: unmarshall(reason.Item) } : {}),
  }));
}

/** Deals the reasons out to the parts they answer, in the order the parts were sent. */
function reasonsByPart<P extends TransactionParts>(parts: P, reasons: readonly CancellationReason[]): ReasonsByPart<P> {
  const byPart: Record<string, CancellationReason | CancellationReason[] | undefined> = {};
  let next = 0;
  for (const [name, part] of Object.entries(parts)) {
    const count = actionsOf(part).length;
    byPart[name] = part === undefined ? undefined : isList(part) ? reasons.slice(next, next + count) : reasons[next];
    next += count;
  }
  return byPart as ReasonsByPart<P>;
}
