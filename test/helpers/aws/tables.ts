/**
 * In-memory DynamoDB tables over the world (./world.ts), with DynamoDB's semantics for what the project writes:
 * conditional puts and updates (./expressions.ts); transactions of puts, updates, deletes and condition checks that
 * apply all their actions or none, cancelled with one reason per action (the old item where the action asked for it),
 * refused if two actions touch one item; keys that must match the table's schema (no attribute missing, none extra,
 * of the key's type); the reads of ./table-reads.ts. The world's customers and products are these tables' items, so a
 * test sees every write where it would look; the other tables start empty. Installed over a world by the tests that
 * need writes to take effect (staff, account control, own keys, notices, the order transaction's guards); the other
 * tests keep the world's plainer mocks. The keys and idempotency tables stay the world's: a transaction that writes
 * them is refused here.
 */
import { PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { TABLES } from '../../../contract/tables.js';
import type { TableDefinition } from '../../../contract/tables.js';
import type { AuditRecord } from '../../../shared/audit.js';
import { STAFF_WRITERS_KEY } from '../../../shared/aws/staff.js';
import { meets, updated, validationError } from './expressions.js';
import type { Bindings, Item } from './expressions.js';
import { ddb, transactionCancelled } from './mocks.js';
import { answerReads, compareKeys, keyNames, projectPaths } from './table-reads.js';
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

const MODELLED = ['customers', 'inventory', 'orders', 'ledger', 'staff', 'audit', 'notices'] as const;

interface Action {
  readonly TableName: string;
  readonly Key?: Item;
  readonly Item?: Item;
  readonly UpdateExpression?: string;
  readonly ConditionExpression?: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, unknown>;
  readonly ReturnValues?: string;
  readonly ReturnValuesOnConditionCheckFailure?: string;
}

/** What an action would do: the item after it (none: deleted), or `failed` with the item as it was. */
interface Plan {
  readonly key: string;
  readonly old?: Item;
  readonly after?: Item;
  readonly failed?: true;
  readonly touched?: { written: string[][]; removed: string[][] };
}

const conditionFailed = (old: Item | undefined) =>
  Object.assign(new Error('The conditional request failed'), {
    name: 'ConditionalCheckFailedException',
    $fault: 'client',
    $metadata: {},
    ...(old ? { Item: marshall(old, { removeUndefinedValues: true }) } : {}),
  });

/** Installs the tables over `world`'s mocks (call after installWorld). */
export function installTables(world: World): Tables {
  const definitions = new Map<string, TableDefinition>(TABLES.map((table) => [table.name, table]));
  const stores = new Map<string, Map<string, Item>>(MODELLED.map((table) => [table, new Map()]));
  stores.set('customers', world.customers as unknown as Map<string, Item>);
  stores.set('inventory', world.products as unknown as Map<string, Item>);
  const definition = (table: string) => {
    const found = definitions.get(table);
    if (!found || !stores.has(table)) throw new Error(`table ${table} is not modelled`);
    return found;
  };
  const store = (table: string) => (definition(table), stores.get(table)!);
  /** Where an item with these key values is stored (the world's maps are keyed by the bare ID). */
  const storeKey = (table: string, source: Item) => {
    const values = keyNames(definition(table)).map((name) => source[name]);
    return values.length === 1 ? String(values[0]) : JSON.stringify(values);
  };
  /** The store key of `source`'s key attributes, which must all be there, of their types (`exact`: and only they). */
  const checked = (table: string, source: Item, exact: boolean) => {
    const { partitionKey, sortKey } = definition(table);
    const attributes = [partitionKey, ...(sortKey ? [sortKey] : [])];
    const typed = attributes.every(({ name, type }) => typeof source[name] === (type === 'S' ? 'string' : 'number'));
    if (!typed || (exact && Object.keys(source).length !== attributes.length))
      throw validationError(
        exact
          ? 'The provided key element does not match the schema'
          : `One or more parameter values were invalid: the item's key does not match the schema of ${table}`,
      );
    return storeKey(table, source);
  };
  const bindings = (action: Action): Bindings => ({
    names: action.ExpressionAttributeNames,
    values: action.ExpressionAttributeValues,
  });
  const sorted = (table: string) => {
    const names = keyNames(definition(table));
    const position = (item: Item) => names.map((name) => item[name]);
    return [...store(table).values()].sort((a, b) => compareKeys(position(a), position(b)));
  };
  answerReads({
    names: MODELLED,
    definition,
    stored: (table, key) => store(table).get(checked(table, key, true)),
    sorted,
  });

  /** What an action of `kind` (Put, Update, Delete, ConditionCheck) would write, checked against the table now. */
  function plan(kind: string, action: Action): Plan {
    if (!['Put', 'Update', 'Delete', 'ConditionCheck'].includes(kind)) throw new Error(`no ${kind} action in DynamoDB`);
    const key =
      kind === 'Put' ? checked(action.TableName, action.Item!, false) : checked(action.TableName, action.Key!, true);
    const old = store(action.TableName).get(key);
    const was = old ? { old: structuredClone(old) } : {};
    if (!meets(old, action.ConditionExpression, bindings(action))) return { key, failed: true, ...was };
    if (kind === 'Put') return { key, after: structuredClone(action.Item!), ...was };
    if (kind === 'Delete' || kind === 'ConditionCheck') return { key, ...was }; // a check writes nothing
    const touched: NonNullable<Plan['touched']> = { written: [], removed: [] };
    const after = updated(old ?? structuredClone(action.Key!), action.UpdateExpression!, bindings(action), touched);
    const keyNamesOf = keyNames(definition(action.TableName));
    if ([...touched.written, ...touched.removed].some((path) => keyNamesOf.includes(path[0]!)))
      throw validationError('One or more parameter values were invalid: Cannot update attribute of the key');
    return { key, after, touched, ...was };
  }
  function apply(table: string, { key, after }: Plan): void {
    if (after) store(table).set(key, after);
    else store(table).delete(key);
  }
  /** What a PutItem or UpdateItem answers, by its `ReturnValues`. */
  function returned(kind: 'Put' | 'Update', wanted = 'NONE', { old, after, touched }: Plan): { Attributes?: Item } {
    if (kind === 'Put' && wanted !== 'NONE' && wanted !== 'ALL_OLD')
      throw validationError(`ReturnValues ${wanted} is not valid for PutItem`);
    const changed = touched && { new: touched.written, old: [...touched.written, ...touched.removed] };
    const chosen: Record<string, Item | undefined> = {
      ALL_OLD: old,
      ALL_NEW: after,
      UPDATED_NEW: after && changed && projectPaths(after, changed.new),
      UPDATED_OLD: old && changed && projectPaths(old, changed.old),
    };
    const attributes = chosen[wanted];
    return attributes && Object.keys(attributes).length > 0 ? { Attributes: structuredClone(attributes) } : {};
  }
  function single(kind: 'Put' | 'Update', input: Action) {
    const planned = plan(kind, input);
    if (planned.failed)
      throw conditionFailed(input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? planned.old : undefined);
    apply(input.TableName, planned);
    return returned(kind, input.ReturnValues, planned);
  }
  for (const table of MODELLED) {
    ddb.on(PutCommand, { TableName: table }).callsFake((input: Action) => single('Put', input));
    ddb.on(UpdateCommand, { TableName: table }).callsFake((input: Action) => single('Update', input));
  }

  const tables: Tables = {
    items: (table) => sorted(table).map((item) => structuredClone(item)),
    item: (table, ...values) => {
      const names = keyNames(definition(table));
      const found = store(table).get(storeKey(table, Object.fromEntries(names.map((name, i) => [name, values[i]]))));
      return found && structuredClone(found);
    },
    put: (table, item) => void store(table).set(checked(table, item, false), structuredClone(item)),
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
      throw validationError('Transaction request cannot include multiple operations on one item');
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
    for (const { kind, action, planned } of actions) if (kind !== 'ConditionCheck') apply(action.TableName, planned);
    return {};
  });
  return tables;
}
