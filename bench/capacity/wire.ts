/**
 * DynamoDB's JSON wire format, as the recorder reads it (bench/capacity/recorder.ts): attribute values to plain values
 * (numbers kept as their digits), the items a write request touches, and the partition key value a Query names.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { TableShape } from './partitions.js';
import type { Item } from './sizing.js';

/** An attribute value as JSON carries it (binaries in base64). */
export type WireValue = Record<string, unknown>;
/** An item or a key as JSON carries it. */
export type WireItem = Record<string, WireValue>;

/** The same value with its binaries as bytes, as the SDK would hand it over. */
function withBytes(value: WireValue): AttributeValue {
  if (typeof value.B === 'string') return { B: Buffer.from(value.B, 'base64') };
  if (Array.isArray(value.BS)) return { BS: value.BS.map((member) => Buffer.from(String(member), 'base64')) };
  if (Array.isArray(value.L)) return { L: value.L.map((member) => withBytes(member as WireValue)) };
  if (typeof value.M === 'object' && value.M !== null) return { M: toSdk(value.M as WireItem) };
  return value as unknown as AttributeValue;
}

/** A wire item as the low-level SDK takes it. */
export function toSdk(item: WireItem): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, withBytes(value)]));
}

/** A wire (or SDK) item as plain values, numbers wrapped so that their digits are kept. */
export function plain(item: WireItem | Record<string, AttributeValue> | undefined): Item | undefined {
  if (item === undefined) return undefined;
  const sdk = Object.values(item).some((value) => typeof (value as WireValue).B === 'string' || 'BS' in value)
    ? toSdk(item as WireItem)
    : (item as Record<string, AttributeValue>);
  return unmarshall(sdk, { wrapNumbers: true });
}

/** The key attributes of `item` in `table`, in the table's order (so that equal keys have equal texts). */
export function keyOf(table: TableShape, item: WireItem): WireItem {
  return Object.fromEntries(
    [table.partitionKey, ...(table.sortKey ? [table.sortKey] : [])].map((name) => [name, item[name]!]),
  );
}

/** One item a write request touches. */
export interface WriteTarget {
  readonly physical: string;
  readonly action: 'Put' | 'Update' | 'Delete' | 'ConditionCheck';
  /** The key as sent (for a Put, taken from its item). */
  readonly key: WireItem;
  /** A Put's item. */
  readonly item?: WireItem;
}

interface Action {
  TableName: string;
  Key?: WireItem;
  Item?: WireItem;
}

/** The items a write request touches, in its order; `keyNames` gives a Put's key from its item. */
export function writeTargets(
  operation: string,
  input: Record<string, unknown>,
  keyFor: (physical: string, item: WireItem) => WireItem | undefined,
): WriteTarget[] {
  const target = (action: WriteTarget['action'], request: Action): WriteTarget[] => {
    const key = request.Key ?? (request.Item ? keyFor(request.TableName, request.Item) : undefined);
    return key ? [{ physical: request.TableName, action, key, ...(request.Item ? { item: request.Item } : {}) }] : [];
  };
  switch (operation) {
    case 'PutItem':
      return target('Put', input as unknown as Action);
    case 'UpdateItem':
      return target('Update', input as unknown as Action);
    case 'DeleteItem':
      return target('Delete', input as unknown as Action);
    case 'TransactWriteItems':
      return (input.TransactItems as Array<Record<string, Action>>).flatMap((entry) => {
        const [action, request] = Object.entries(entry)[0]!;
        return target(action as WriteTarget['action'], request);
      });
    case 'BatchWriteItem':
      return Object.entries(
        input.RequestItems as Record<string, Array<Record<string, { Item?: WireItem; Key?: WireItem }>>>,
      ).flatMap(([TableName, requests]) =>
        requests.flatMap((request) =>
          request.PutRequest
            ? target('Put', { TableName, Item: request.PutRequest.Item! })
            : target('Delete', { TableName, Key: request.DeleteRequest!.Key! }),
        ),
      );
    default:
      return [];
  }
}

/** The names and values of an expression request that `expression` uses (DynamoDB refuses unused ones). */
export function usedBy(
  expression: string,
  input: { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: WireItem },
): { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, AttributeValue> } {
  const used = (token: string) => new RegExp(`${token}(?![\\w])`).test(expression);
  const names = Object.entries(input.ExpressionAttributeNames ?? {}).filter(([token]) => used(token));
  const values = Object.entries(input.ExpressionAttributeValues ?? {}).filter(([token]) => used(token));
  return {
    ...(names.length ? { ExpressionAttributeNames: Object.fromEntries(names) } : {}),
    ...(values.length ? { ExpressionAttributeValues: toSdk(Object.fromEntries(values)) } : {}),
  };
}

/** The partition key value a Query's key condition names (`#pk = :v` or `pk = :v`), as text. */
export function queriedKey(
  input: {
    KeyConditionExpression?: string;
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: WireItem;
  },
  partitionKey: string,
): string {
  for (const match of (input.KeyConditionExpression ?? '').matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
    const name = match[1]!.startsWith('#') ? input.ExpressionAttributeNames?.[match[1]!] : match[1];
    const value = input.ExpressionAttributeValues?.[match[2]!];
    if (name === partitionKey && value) return String(Object.values(value)[0]);
  }
  return '(unknown)';
}
