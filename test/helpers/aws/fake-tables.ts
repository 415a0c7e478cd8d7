/**
 * Stateful tables over a world (./world.ts), for tests that must see what DynamoDB would have done, not only what was
 * asked: UpdateItem, GetItem, Query (of a table or of a sparse index) and TransactWriteItems answered from in-memory
 * items, every condition and update evaluated (./expressions.ts). A transaction is checked whole, then applied whole;
 * a cancelled one is answered as DynamoDB does: one reason per action, the old item where the action asked for it.
 * Customers are the world's map and products the world's catalogue; the other tables start empty.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TransactWriteCommandInput, UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { TABLES } from '../../../contract/tables.js';
import type { TableName } from '../../../contract/tables.js';
import { applyUpdate, conditionHolds, valueAt } from './fake-expressions.js';
import type { Item } from './fake-expressions.js';
import { ddb, transactionCancelled } from './mocks.js';
import type { World } from './world.js';

/** One table's items, by key. */
export interface TableItems {
  get(key: Item): Item | undefined;
  set(key: Item, item: Item): void;
  all(): Item[];
}

/** Items in a plain map: a table that starts empty. */
function memoryTable(): TableItems {
  const items = new Map<string, Item>();
  return {
    get: (key) => structuredClone(items.get(JSON.stringify(key))),
    set: (key, item) => void items.set(JSON.stringify(key), structuredClone(item)),
    all: () => [...items.values()].map((item) => structuredClone(item)),
  };
}

/** Items in one of the world's maps (customers by ID, products by SKU): the world and the table are one. */
function worldTable<T>(map: Map<string, T>, keyName: string): TableItems {
  return {
    get: (key) => structuredClone(map.get(key[keyName] as string)) as Item | undefined,
    set: (key, item) => void map.set(key[keyName] as string, structuredClone(item) as T),
    all: () => [...map.values()].map((item) => structuredClone(item) as Item),
  };
}

/** The names of a table's key attributes (its partition key, and its sort key if it has one). */
function keyNames(table: TableName): string[] {
  const definition = TABLES.find((each) => each.name === table)!;
  return [definition.partitionKey.name, ...(definition.sortKey ? [definition.sortKey.name] : [])];
}

/** The key attributes of an item of `table`. */
function keyOf(table: TableName, item: Item): Item {
  return Object.fromEntries(keyNames(table).map((name) => [name, item[name]]));
}

/** A request's `Key`, which must name exactly the table's key attributes (or DynamoDB refuses the request). */
function checkedKey(table: TableName, key: Item): Item {
  const names = keyNames(table);
  if (Object.keys(key).length !== names.length || names.some((name) => key[name] === undefined))
    throw Object.assign(new Error('The provided key element does not match the schema'), {
      name: 'ValidationException',
      $fault: 'client',
      $metadata: {},
    });
  return keyOf(table, key);
}

const conditionFailed = (item?: Item) =>
  Object.assign(new Error('The conditional request failed'), {
    name: 'ConditionalCheckFailedException',
    $fault: 'client',
    $metadata: {},
    ...(item ? { Item: marshall(item, { removeUndefinedValues: true }) } : {}),
  });

/** One write of a transaction (or an UpdateItem): checked against the table as it is, then applied. */
interface Write {
  readonly table: TableName;
  readonly key: Item;
  readonly holds: () => boolean;
  readonly apply: () => void;
  readonly old: () => Item | undefined;
}

/**
 * Makes `names` stateful (customers and inventory on the world's maps): answers their GetItem (but customers',
 * which the world answers with projections), UpdateItem, Query and every TransactWriteItems, which may touch these
 * tables only. Returns each table's items.
 */
export function installTables(world: World, names: readonly TableName[]): Record<TableName, TableItems> {
  const tables = {} as Record<TableName, TableItems>;
  for (const name of names)
    tables[name] =
      name === 'customers'
        ? worldTable(world.customers, 'customerId')
        : name === 'inventory'
          ? worldTable(world.products, 'sku')
          : memoryTable();
  const table = (name: string | undefined): TableItems => {
    if (name === undefined || !(name in tables)) throw new Error(`tables fake: ${name ?? 'no table'} is not faked`);
    return tables[name as TableName];
  };

  const updateOf = (input: UpdateCommandInput): Write => {
    const items = table(input.TableName);
    const key = checkedKey(input.TableName as TableName, input.Key as Item);
    const context = { names: input.ExpressionAttributeNames, values: input.ExpressionAttributeValues };
    return {
      table: input.TableName as TableName,
      key,
      old: () => items.get(key),
      holds: () => conditionHolds(items.get(key), input.ConditionExpression, context),
      apply: () => items.set(key, applyUpdate(items.get(key), key, input.UpdateExpression!, context)),
    };
  };
  type Action = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
  const writeOf = (action: Action): Write => {
    if (action.Update) return updateOf(action.Update);
    const put = action.Put;
    if (!put) throw new Error('tables fake: only Put and Update are faked in transactions');
    const items = table(put.TableName);
    const key = keyOf(put.TableName as TableName, put.Item as Item);
    const context = { names: put.ExpressionAttributeNames, values: put.ExpressionAttributeValues };
    return {
      table: put.TableName as TableName,
      key,
      old: () => items.get(key),
      holds: () => conditionHolds(items.get(key), put.ConditionExpression, context),
      apply: () => items.set(key, put.Item as Item),
    };
  };

  for (const name of names) {
    if (name !== 'customers')
      ddb
        .on(GetCommand, { TableName: name })
        .callsFake((input: { Key: Item }) => ({ Item: table(name).get(input.Key) }));
    ddb.on(UpdateCommand, { TableName: name }).callsFake((input: UpdateCommandInput) => {
      const write = updateOf(input);
      if (!write.holds())
        throw conditionFailed(input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? write.old() : undefined);
      write.apply();
      return input.ReturnValues === 'UPDATED_NEW' ? { Attributes: write.old() } : {}; // old() reads it as it now is
    });
    ddb.on(QueryCommand, { TableName: name }).callsFake((input: Parameters<typeof queryOf>[1]) => queryOf(name, input));
  }
  const queryOf = (
    name: TableName,
    input: {
      IndexName?: string;
      KeyConditionExpression: string;
      ExpressionAttributeNames?: Record<string, string>;
      ExpressionAttributeValues?: Record<string, unknown>;
      Limit?: number;
    },
  ) => {
    const definition = TABLES.find((each) => each.name === name)!;
    const index = definition.indexes?.find((each) => each.name === input.IndexName) ?? definition;
    const sortKey = index.sortKey?.name;
    const context = { names: input.ExpressionAttributeNames, values: input.ExpressionAttributeValues };
    const items = table(name)
      .all()
      .filter((item) => item[index.partitionKey.name] !== undefined) // a sparse index holds only items with its key
      .filter((item) => conditionHolds(item, input.KeyConditionExpression, context))
      .sort((a, b) => {
        if (sortKey === undefined) return 0;
        const [x, y] = [a[sortKey], b[sortKey]];
        return typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      });
    return { Items: items.slice(0, input.Limit ?? items.length) };
  };

  ddb.on(TransactWriteCommand).callsFake((input: TransactWriteCommandInput) => {
    const actions = input.TransactItems ?? [];
    const writes = actions.map(writeOf);
    const held = writes.map((write) => write.holds());
    if (held.some((holds) => !holds))
      throw transactionCancelled(
        writes.map((write, index) => {
          if (held[index]) return { Code: 'None' };
          const action = actions[index]!;
          const wantsOld = (action.Update ?? action.Put)?.ReturnValuesOnConditionCheckFailure === 'ALL_OLD';
          const old = wantsOld ? write.old() : undefined;
          return { Code: 'ConditionalCheckFailed', ...(old ? { Item: old } : {}) };
        }),
      );
    for (const write of writes) write.apply();
    return {};
  });
  return tables;
}

/** What a table holds at `path` of the item with `key` (a test's read of stored state). */
export function storedAt(items: TableItems, key: Item, path: readonly string[]): unknown {
  return valueAt(items.get(key), path);
}
