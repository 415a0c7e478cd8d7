/**
 * In-memory DynamoDB tables over the world (./world.ts), with DynamoDB's semantics for what the account, staff and
 * order code writes: conditional puts and updates (./expressions.ts), transactions that apply all their actions or none
 * and are cancelled with one reason per action, scans with `Limit` counted before the filter, index queries in key
 * order, batch reads. The world's customers and products are these tables' items, so a test sees every write where it
 * would look. Installed over a world by the tests that need writes to take effect (staff, account control, the order
 * transaction's guards); the other tests keep the world's plainer mocks.
 */
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { TABLES } from '../../../contract/tables.js';
import type { IndexDefinition, TableDefinition } from '../../../contract/tables.js';
import type { AuditRecord } from '../../../shared/audit.js';
import { STAFF_WRITERS_KEY } from '../../../shared/aws/staff.js';
import { meets, updated, valueAt } from './expressions.js';
import type { Bindings, Item } from './expressions.js';
import { ddb, transactionCancelled } from './mocks.js';
import type { World } from './world.js';

/** The tables as tests read them, and a hook into each transaction. */
export interface Tables {
  /** A table's items, copies, in key order. */
  items(table: string): Item[];
  /** One item by its key's values (a copy), or undefined. */
  item(table: string, ...key: unknown[]): Item | undefined;
  /** Puts an item as it is (a fixture). */
  put(table: string, item: Item): void;
  /** The audit records written, oldest first. */
  audit(): AuditRecord[];
  /** The count of `staff:write` holders (shared/aws/staff.ts), or undefined while there is none. */
  holders(): number | undefined;
  /** Awaited by every transaction before it is applied: a test may hold transactions back to make them race. */
  beforeTransaction?: () => Promise<void>;
}

const MODELLED = ['customers', 'inventory', 'orders', 'ledger', 'staff', 'audit'] as const;

interface Action {
  readonly TableName: string;
  readonly Key?: Item;
  readonly Item?: Item;
  readonly UpdateExpression?: string;
  readonly ConditionExpression?: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, unknown>;
  readonly ReturnValuesOnConditionCheckFailure?: string;
}

const conditionFailed = (old: Item | undefined, returned: boolean) =>
  Object.assign(new Error('The conditional request failed'), {
    name: 'ConditionalCheckFailedException',
    ...(returned && old ? { Item: marshall(old, { removeUndefinedValues: true }) } : {}),
  });

/** Installs the tables over `world`'s mocks (call after installWorld). */
export function installTables(world: World): Tables {
  const definitions = new Map<string, TableDefinition>(TABLES.map((table) => [table.name, table]));
  const stores = new Map<string, Map<string, Item>>([
    ['customers', world.customers as unknown as Map<string, Item>],
    ['inventory', world.products as unknown as Map<string, Item>],
    ['orders', new Map()],
    ['ledger', new Map()],
    ['staff', new Map()],
    ['audit', new Map()],
  ]);
  const definition = (table: string) => {
    const found = definitions.get(table);
    if (!found || !stores.has(table)) throw new Error(`table ${table} is not modelled`);
    return found;
  };
  const keyOf = (table: string, source: Item) => {
    const { partitionKey, sortKey } = definition(table);
    const values = [source[partitionKey.name], ...(sortKey ? [source[sortKey.name]] : [])];
    if (values.some((value) => value === undefined)) throw new Error(`incomplete key for ${table}`);
    return values.length === 1 ? String(values[0]) : JSON.stringify(values);
  };
  const store = (table: string) => (definition(table), stores.get(table)!);
  const bindings = (action: Action): Bindings => ({
    names: action.ExpressionAttributeNames ?? {},
    values: action.ExpressionAttributeValues ?? {},
  });

  /** What an action would write: its item after, or `failed` with the item as it was. */
  function plan(kind: string, action: Action): { key: string; after?: Item; failed?: true; old?: Item } {
    const key = keyOf(action.TableName, action.Key ?? action.Item!);
    const old = store(action.TableName).get(key);
    if (action.ConditionExpression && !meets(old, action.ConditionExpression, bindings(action)))
      return { key, failed: true, ...(old ? { old } : {}) };
    if (kind === 'Put') return { key, after: structuredClone(action.Item!) };
    if (kind === 'Delete') return { key };
    if (kind === 'ConditionCheck') return { key, ...(old ? { after: old } : {}) };
    const base = old ?? structuredClone(action.Key!);
    return { key, after: updated(base, action.UpdateExpression!, bindings(action)) };
  }
  function apply(table: string, key: string, after: Item | undefined): void {
    if (after) store(table).set(key, after);
    else store(table).delete(key);
  }
  function single(kind: 'Put' | 'Update', input: Action & { ReturnValues?: string }) {
    const planned = plan(kind, input);
    if (planned.failed) throw conditionFailed(planned.old, input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD');
    apply(input.TableName, planned.key, planned.after);
    return input.ReturnValues && input.ReturnValues !== 'NONE' ? { Attributes: structuredClone(planned.after) } : {};
  }

  const sorted = (table: string) =>
    [...store(table).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, item]) => item);
  /** A projection of document paths (`#a.#b, c`): only the named paths come back, nested as stored. */
  const project = (item: Item, expression: string | undefined, names: Record<string, string> = {}) => {
    if (expression === undefined) return structuredClone(item);
    const projected: Item = {};
    for (const path of expression.split(',').map((part) =>
      part
        .trim()
        .split('.')
        .map((name) => names[name] ?? name),
    )) {
      const value = valueAt(item, path);
      if (value === undefined) continue;
      let target = projected;
      for (const name of path.slice(0, -1)) target = (target[name] ??= {}) as Item;
      target[path.at(-1)!] = structuredClone(value);
    }
    return projected;
  };
  const tableKey = (table: string, item: Item) => {
    const { partitionKey, sortKey } = definition(table);
    return Object.fromEntries(
      [partitionKey, sortKey].flatMap((attribute) => (attribute ? [[attribute.name, item[attribute.name]]] : [])),
    );
  };

  for (const table of MODELLED) {
    ddb
      .on(GetCommand, { TableName: table })
      .callsFake(
        (input: { Key: Item; ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string> }) => {
          const item = store(table).get(keyOf(table, input.Key));
          return item ? { Item: project(item, input.ProjectionExpression, input.ExpressionAttributeNames) } : {};
        },
      );
    ddb.on(PutCommand, { TableName: table }).callsFake((input: Action) => single('Put', input));
    ddb.on(UpdateCommand, { TableName: table }).callsFake((input: Action) => single('Update', input));
    // Limit counts the items read, before the filter: a page may hold fewer, and end on an item it filtered out.
    ddb.on(ScanCommand, { TableName: table }).callsFake(
      (
        input: Action & {
          Limit?: number;
          ExclusiveStartKey?: Item;
          FilterExpression?: string;
          ProjectionExpression?: string;
        },
      ) => {
        const all = sorted(table);
        const start = input.ExclusiveStartKey ? keyOf(table, input.ExclusiveStartKey) : undefined;
        const from = start === undefined ? 0 : all.findIndex((item) => keyOf(table, item) > start);
        const read = (from === -1 ? [] : all.slice(from)).slice(0, input.Limit ?? Infinity);
        const more = from !== -1 && from + read.length < all.length;
        const items = read.filter(
          (item) => !input.FilterExpression || meets(item, input.FilterExpression, bindings(input)),
        );
        return {
          Items: items.map((item) => project(item, input.ProjectionExpression, input.ExpressionAttributeNames)),
          ...(more && read.length > 0 ? { LastEvaluatedKey: tableKey(table, read.at(-1)!) } : {}),
        };
      },
    );
  }

  ddb.on(QueryCommand, { TableName: 'orders' }).callsFake(
    (
      input: Action & {
        IndexName?: string;
        KeyConditionExpression: string;
        ScanIndexForward?: boolean;
        Limit?: number;
        ExclusiveStartKey?: Item;
      },
    ) => {
      const index: IndexDefinition | undefined = definition('orders').indexes?.find((i) => i.name === input.IndexName);
      const keys = [
        ...new Set(
          [index?.partitionKey.name, index?.sortKey?.name, 'customerId', 'orderId'].filter((k) => k !== undefined),
        ),
      ];
      const order = (item: Item) => JSON.stringify(keys.slice(1).map((k) => item[k]));
      let items = sorted('orders')
        .filter((item) => keys.every((k) => item[k] !== undefined))
        .filter((item) => meets(item, input.KeyConditionExpression, bindings(input)))
        .sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
      if (input.ScanIndexForward === false) items.reverse();
      if (input.ExclusiveStartKey) {
        const at = items.findIndex((item) => order(item) === order(input.ExclusiveStartKey!));
        items = items.slice(at + 1);
      }
      const page = items.slice(0, input.Limit ?? Infinity);
      const last = page.length < items.length ? page.at(-1) : undefined;
      const shown = (item: Item) =>
        index?.include === 'all' || !index
          ? structuredClone(item)
          : Object.fromEntries([...keys, ...(index.include ?? [])].map((k) => [k, structuredClone(item[k])]));
      return {
        Items: page.map(shown),
        ...(last ? { LastEvaluatedKey: Object.fromEntries(keys.map((k) => [k, last[k]])) } : {}),
      };
    },
  );

  ddb.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, { Keys: Item[] }> }) => ({
    Responses: Object.fromEntries(
      Object.entries(input.RequestItems).map(([table, { Keys }]) => [
        table,
        Keys.flatMap((key) => {
          const item = store(table).get(keyOf(table, key));
          return item ? [structuredClone(item)] : [];
        }),
      ]),
    ),
  }));

  const tables: Tables = {
    items: (table) => sorted(table).map((item) => structuredClone(item)),
    item: (table, ...values) => {
      const { partitionKey, sortKey } = definition(table);
      const key = { [partitionKey.name]: values[0], ...(sortKey ? { [sortKey.name]: values[1] } : {}) };
      const found = store(table).get(keyOf(table, key));
      return found && structuredClone(found);
    },
    put: (table, item) => store(table).set(keyOf(table, item), structuredClone(item)),
    audit: () =>
      (tables.items('audit') as unknown as AuditRecord[]).sort((a, b) => a.recordedAt.localeCompare(b.recordedAt)),
    holders: () => tables.item('staff', STAFF_WRITERS_KEY.staffId)?.holders as number | undefined,
  };

  ddb.on(TransactWriteCommand).callsFake(async (input: { TransactItems: Array<Record<string, Action>> }) => {
    await tables.beforeTransaction?.();
    const actions = input.TransactItems.map((entry) => {
      const [kind, action] = Object.entries(entry)[0]!;
      return { kind, action, planned: plan(kind, action) };
    });
    const keys = actions.map(({ action, planned }) => `${action.TableName} ${planned.key}`);
    if (new Set(keys).size !== keys.length)
      throw Object.assign(new Error('Transaction request cannot include multiple operations on one item'), {
        name: 'ValidationException',
      });
    if (actions.some(({ planned }) => planned.failed))
      throw transactionCancelled(
        actions.map(({ action, planned }) =>
          planned.failed
            ? {
                Code: 'ConditionalCheckFailed',
                ...(action.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && planned.old
                  ? { Item: planned.old }
                  : {}),
              }
            : { Code: 'None' },
        ),
      );
    for (const { kind, action, planned } of actions)
      if (kind !== 'ConditionCheck') apply(action.TableName, planned.key, planned.after);
    return {};
  });
  return tables;
}
