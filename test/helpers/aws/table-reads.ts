/**
 * The reads of the in-memory tables (./tables.ts), answered as DynamoDB answers them: GetItem and BatchGetItem by a
 * key that must match the table's schema; Scan in key order with `Limit` counted before the filter; Query of a table
 * or of an index (sparse: only items holding the index's keys), in sort-key order either way, a keys-only index
 * projecting keys and what it includes, pages that continue from `ExclusiveStartKey`; projections of document paths.
 */
import { BatchGetCommand, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { TableDefinition } from '../../../contract/tables.js';
import { meets, valueAt } from './expressions.js';
import type { Item } from './expressions.js';
import { ddb } from './mocks.js';

/** What the reads need of the tables. */
export interface TableModel {
  readonly names: readonly string[];
  definition(table: string): TableDefinition;
  /** The item at `key` (checked against the schema), as stored. */
  stored(table: string, key: Item): Item | undefined;
  /** The table's items, as stored, in key order. */
  sorted(table: string): Item[];
}

/** Orders key values as DynamoDB does: numbers by value, strings by their characters. */
export function compareKeys(a: readonly unknown[], b: readonly unknown[]): number {
  for (const [index, x] of a.entries()) {
    const y = b[index];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

/** The names of a table's key attributes: its partition key, and its sort key if it has one. */
export const keyNames = (definition: Pick<TableDefinition, 'partitionKey' | 'sortKey'>) => [
  definition.partitionKey.name,
  ...(definition.sortKey ? [definition.sortKey.name] : []),
];

/** A copy of `item` with only the document paths given (as stored: nested maps keep their nesting). */
export function projectPaths(item: Item, paths: readonly (readonly string[])[]): Item {
  const projected: Item = {};
  for (const path of paths) {
    const value = valueAt(item, path);
    if (value === undefined) continue;
    let target = projected;
    for (const name of path.slice(0, -1)) target = (target[name] ??= {}) as Item;
    target[path.at(-1)!] = structuredClone(value);
  }
  return projected;
}

/** A projection (`#a.#b, c`) of `item`; none: a copy of it whole. */
function project(item: Item, expression: string | undefined, names: Record<string, string> = {}): Item {
  if (expression === undefined) return structuredClone(item);
  const paths = expression.split(',').map((part) =>
    part
      .trim()
      .split('.')
      .map((name) => names[name] ?? name),
  );
  return projectPaths(item, paths);
}

interface Read {
  readonly Key?: Item;
  readonly ProjectionExpression?: string;
  readonly FilterExpression?: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, unknown>;
  readonly Limit?: number;
  readonly ExclusiveStartKey?: Item;
}

/**
 * One page of `items` (in the order read), from after `start` (its position by `keys`; `reverse`: read backwards),
 * of at most `limit` items read, then filtered; with the key of the last item read if the page stopped before the end.
 */
function page(items: Item[], keys: readonly string[], input: Read, reverse = false) {
  const position = (item: Item) => keys.map((name) => item[name]);
  const start = input.ExclusiveStartKey;
  const after = start
    ? items.filter((item) => (reverse ? -1 : 1) * compareKeys(position(item), position(start)) > 0)
    : items;
  const read = after.slice(0, input.Limit ?? Infinity);
  const bindings = { names: input.ExpressionAttributeNames, values: input.ExpressionAttributeValues };
  const last = read.length < after.length ? read.at(-1) : undefined;
  return {
    Items: read
      .filter((item) => input.FilterExpression === undefined || meets(item, input.FilterExpression, bindings))
      .map((item) => project(item, input.ProjectionExpression, input.ExpressionAttributeNames)),
    ...(last ? { LastEvaluatedKey: Object.fromEntries(keys.map((name) => [name, structuredClone(last[name])])) } : {}),
  };
}

/** Answers GetItem, BatchGetItem, Scan and Query of the model's tables from their items. */
export function answerReads(model: TableModel): void {
  for (const table of model.names) {
    const { partitionKey, sortKey, indexes = [] } = model.definition(table);
    const tableKeys = keyNames({ partitionKey, sortKey });
    ddb.on(GetCommand, { TableName: table }).callsFake((input: Read & { Key: Item }) => {
      const item = model.stored(table, input.Key);
      return item ? { Item: project(item, input.ProjectionExpression, input.ExpressionAttributeNames) } : {};
    });
    ddb.on(ScanCommand, { TableName: table }).callsFake((input: Read) => page(model.sorted(table), tableKeys, input));
    ddb
      .on(QueryCommand, { TableName: table })
      .callsFake((input: Read & { IndexName?: string; KeyConditionExpression: string; ScanIndexForward?: boolean }) => {
        const index = input.IndexName === undefined ? undefined : indexes.find((i) => i.name === input.IndexName);
        if (input.IndexName !== undefined && !index) throw new Error(`table ${table} has no index ${input.IndexName}`);
        // An index's items are ordered by its keys, then (a fake's choice, where DynamoDB promises nothing) the table's.
        const keys = [...new Set([...keyNames(index ?? { partitionKey, sortKey }), ...tableKeys])];
        const bindings = { names: input.ExpressionAttributeNames, values: input.ExpressionAttributeValues };
        const found = model
          .sorted(table)
          .filter((item) => keys.every((name) => item[name] !== undefined))
          .filter((item) => meets(item, input.KeyConditionExpression, bindings))
          .sort((a, b) =>
            compareKeys(
              keys.slice(1).map((k) => a[k]),
              keys.slice(1).map((k) => b[k]),
            ),
          );
        if (input.ScanIndexForward === false) found.reverse();
        const projected =
          index === undefined || index.include === 'all'
            ? found
            : found.map((item) =>
                projectPaths(
                  item,
                  [...keys, ...(index.include ?? [])].map((name) => [name]),
                ),
              );
        return page(projected, keys, input, input.ScanIndexForward === false);
      });
  }
  ddb.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, Read & { Keys: Item[] }> }) => ({
    Responses: Object.fromEntries(
      Object.entries(input.RequestItems).map(([table, request]) => [
        table,
        request.Keys.flatMap((key) => {
          const item = model.stored(table, key);
          return item ? [project(item, request.ProjectionExpression, request.ExpressionAttributeNames)] : [];
        }),
      ]),
    ),
  }));
}
