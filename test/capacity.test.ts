/**
 * The capacity model's unit counting (bench/capacity/) against items sized by hand with DynamoDB's rules: attribute
 * names and string values in UTF-8 bytes, a number 1 byte per two significant digits plus 1; 1 write unit per KiB
 * (twice in a transaction), 1 read unit per 4 KiB (half eventually consistent, twice transactional), an index entry
 * its attributes plus 100 bytes. Every expected figure below is worked out in the comment beside it.
 */
import { describe, expect, it } from 'vitest';
import { indexWrites, itemReadCost, queryCost, writeCost } from '../bench/capacity/count.js';
import type { ItemWrite, Units } from '../bench/capacity/count.js';
import { belongsTo, ceilings } from '../bench/capacity/model.js';
import { TABLE_SHAPES, partitionOf } from '../bench/capacity/partitions.js';
import type { IndexShape, TableShape } from '../bench/capacity/partitions.js';
import { itemSize, sizeOf } from '../bench/capacity/sizing.js';

const byStatus: IndexShape = {
  name: 'byStatus',
  label: 't/byStatus',
  partitionKey: 'status',
  sortKey: 'at',
  granularity: 'key',
  projection: ['status', 'at', 'pk', 'sk', 'total', 'lines'],
};
const table: TableShape = {
  name: 'orders',
  label: 't',
  partitionKey: 'pk',
  sortKey: 'sk',
  granularity: 'item',
  indexes: [byStatus],
};

// pk 2+2, sk 2+2, status 6+8, at 2+10, total 5+3 (1250: significant digits "125", 2 bytes + 1), note 4+n:
// 4 + 4 + 14 + 12 + 8 + 4 + n = 46 + n bytes. Its byStatus entry (no note): 42 bytes + 100 = 142: 1 unit.
const order = (n: number, changes: Record<string, unknown> = {}) => ({
  pk: 'c1',
  sk: 'o1',
  status: 'accepted',
  at: '2026-01-01',
  total: 1250,
  note: 'x'.repeat(n),
  ...changes,
});
const write = (w: Partial<ItemWrite>): Units[] =>
  writeCost(table, {
    action: 'Update',
    key: { pk: 'c1', sk: 'o1' },
    before: undefined,
    after: undefined,
    transactional: false,
    refused: false,
    operation: 'UpdateItem',
    ...w,
  });
const summary = (units: Units[]) => units.map((u) => `${u.shape} ${u.partition} ${u.operation} ${u.units}`);

describe('item sizes by DynamoDB’s rules', () => {
  it('sizes strings, numbers, maps and lists', () => {
    expect(itemSize(order(1454))).toBe(1500);
    expect(sizeOf(1250)).toBe(3); // "125": 2 + 1
    expect(sizeOf(123456)).toBe(4); // 6 digits: 3 + 1
    expect(sizeOf(-0.05)).toBe(2); // "5": 1 + 1
    expect(sizeOf({ a: 'xy' })).toBe(7); // 3 + (1 + 1 + 2)
    expect(sizeOf(['ab', 1])).toBe(9); // 3 + (1 + 2) + (1 + 2)
    expect(sizeOf('é')).toBe(2); // UTF-8
  });
});

describe('write units', () => {
  it('a put of a 1,500-byte item in a transaction costs 4 units, and its index entry 1 (not doubled)', () => {
    const units = write({ action: 'Put', after: order(1454), transactional: true, operation: 'TransactWriteItems' });
    expect(summary(units)).toEqual(['t c1|o1 TransactWriteItems Put 4', 't/byStatus accepted index put 1']);
  });

  it('an update that moves an index key deletes the old entry and puts the new one', () => {
    // After: status 'fulfilled' is 1 byte longer (1,501 bytes): still 2 units.
    const units = write({ before: order(1454), after: order(1454, { status: 'fulfilled' }) });
    expect(summary(units)).toEqual([
      't c1|o1 UpdateItem 2',
      't/byStatus accepted index delete 1',
      't/byStatus fulfilled index put 1',
    ]);
  });

  it('a change of a projected attribute alone is one entry write; of another attribute, none', () => {
    const projected = write({ before: order(100), after: order(100, { total: 1300 }) });
    expect(summary(projected)).toEqual(['t c1|o1 UpdateItem 1', 't/byStatus accepted index update 1']);
    const other = write({ before: order(100), after: order(200) });
    expect(summary(other)).toEqual(['t c1|o1 UpdateItem 1']);
  });

  it('an index entry over 1 KiB costs 1 unit per KiB of it, never doubled', () => {
    // Entry: 42 + lines (5 + 1,000) = 1,047 bytes + 100 = 1,147: 2 units. Item: 46 + 0 + 1,005 = 1,051: 2, ×2.
    const units = write({ action: 'Put', after: order(0, { lines: 'y'.repeat(1000) }), transactional: true });
    expect(summary(units)).toEqual(['t c1|o1 TransactWriteItems Put 4', 't/byStatus accepted index put 2']);
  });

  it('a delete costs the item it removes and its entry; an item without the index keys has no entry', () => {
    expect(summary(write({ action: 'Delete', before: order(1454), operation: 'DeleteItem' }))).toEqual([
      't c1|o1 DeleteItem 2',
      't/byStatus accepted index delete 1',
    ]);
    const sparse: Record<string, unknown> = order(10);
    delete sparse.at;
    expect(summary(write({ action: 'Put', after: sparse, operation: 'PutItem' }))).toEqual(['t c1|o1 PutItem 1']);
  });

  it('a refused write is charged on the table, writes no entry, and is marked refused', () => {
    const units = write({ before: order(1454), after: order(1454), refused: true, transactional: true });
    expect(units).toHaveLength(1);
    expect(units[0]).toMatchObject({ units: 4, refused: true });
  });

  it('a transactional condition check is counted as a write of its item (2 per KiB), with no entry', () => {
    const units = write({ action: 'ConditionCheck', before: order(1454), transactional: true });
    expect(summary(units)).toEqual(['t c1|o1 TransactWriteItems ConditionCheck 4']);
  });

  it('an index entry that did not change costs nothing', () => {
    expect(indexWrites(byStatus, order(5), order(5))).toEqual([]);
  });
});

describe('read units', () => {
  // pk 2+2, blob 4+4,089: 4,097 bytes, one byte over 4 KiB.
  const big = { pk: 'c1', sk: 'o1', blob: 'x'.repeat(4097 - 4 - 4 - 4) };
  it('a 4,097-byte item: 2 units strongly consistent, 1 eventually, 4 in a transaction', () => {
    expect(itemSize(big)).toBe(4097);
    expect(itemReadCost(table, { pk: 'c1', sk: 'o1' }, big, 'consistent').units).toBe(2);
    expect(itemReadCost(table, { pk: 'c1', sk: 'o1' }, big, 'eventual').units).toBe(1);
    expect(itemReadCost(table, { pk: 'c1', sk: 'o1' }, big, 'transactional').units).toBe(4);
  });

  it('an item that is not there still costs the minimum', () => {
    expect(itemReadCost(table, { pk: 'c9', sk: 'o9' }, undefined, 'consistent').units).toBe(1);
    expect(itemReadCost(table, { pk: 'c9', sk: 'o9' }, undefined, 'eventual').units).toBe(0.5);
  });

  it('a Query sums its items’ sizes, then rounds: three 1,500-byte items are 4,500 bytes, 2 units', () => {
    const items = [order(1454), order(1454), order(1454)];
    expect(queryCost(table, 'c1', items, 'consistent', 'Query').units).toBe(2); // not 3, one per item
    expect(queryCost(table, 'c1', items, 'eventual', 'Query').units).toBe(1);
  });
});

describe('partitions and ceilings', () => {
  it('binds the limit per item under a random sort key, per key value under a growing one', () => {
    const shape = (label: string) => TABLE_SHAPES.flatMap((t) => [t, ...t.indexes]).find((s) => s.label === label)!;
    expect(shape('orders').granularity).toBe('item');
    expect(shape('ledger').granularity).toBe('key');
    expect(shape('audit').granularity).toBe('key');
    expect(shape('orders/byStatusShard').granularity).toBe('key');
    expect(shape('inventory').granularity).toBe('key');
    expect(partitionOf(shape('orders'), { customerId: 'c1', orderId: 'o1' })).toBe('c1|o1');
    expect(partitionOf(shape('ledger'), { customerId: 'c1', entry: 7 })).toBe('c1');
  });

  it('puts the ceiling where the hottest partition reaches 1,000 write units a second', () => {
    // 100 orders; 'owed' took 200 units (2 per order: 1,000 / 2 = 500 orders/s); 'c1' 50, 'c2' 10.
    const unit = (partition: string, units: number): Units => ({
      shape: 'orders/emailsOwed',
      partition,
      kind: 'write',
      units,
      refused: false,
      operation: 'index put',
    });
    const view = ceilings([unit('owed', 200), unit('c1', 50), unit('c2', 10)], 100, () => true);
    const row = view.find((r) => r.shape === 'orders/emailsOwed')!;
    expect(row.ceiling).toBe(500);
    expect(row.hottest).toMatchObject({ partition: 'owed', binding: 'write', unitsPerOrder: 2 });
    expect(row.hottest!.share).toBeCloseTo(200 / 260);
    // Leaving 'owed' out (an entity's partition), 'c1' binds: 0.5 per order, 2,000 orders/s.
    const without = ceilings([unit('owed', 200), unit('c1', 50)], 100, (p) => p !== 'owed');
    expect(without.find((r) => r.shape === 'orders/emailsOwed')!.ceiling).toBe(2000);
  });

  it('tells an entity’s partitions by whole key parts', () => {
    expect(belongsTo('CAP-HOT#3', 'CAP-HOT')).toBe(true);
    expect(belongsTo('cap-c-1|o1', 'cap-c-1')).toBe(true);
    expect(belongsTo('cap-c-10', 'cap-c-1')).toBe(false);
  });
});
