/**
 * A staff request's transactions (shared/aws/transactions.ts `transact`, run as shared/caller.ts names the caller):
 * each also checks, at commit, that the caller may still act; one refused for that is `401`; one cancelled for
 * conflicts alone is sent again; a customer's or an operator's transaction is sent as it is.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { asStaffCaller } from '../shared/caller.js';
import { transact } from '../shared/aws/transactions.js';
import type { TransactItem } from '../shared/aws/transactions.js';
import { TransactWriteCommand, ddb, installWorld, transactionCancelled } from './helpers/aws.js';

beforeEach(() => {
  installWorld();
});

const change: TransactItem = {
  Update: { TableName: 'inventory', Key: { sku: 'WIDGET-1' }, UpdateExpression: 'ADD stock :n' },
};
const sent = () => ddb.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems!);
const asClerk = <T>(work: () => Promise<T>) => asStaffCaller({ staffId: 'clerk', tokenVersion: 7 }, work);

describe('a staff request’s transaction', () => {
  it('checks its caller at commit: the token version the authorizer saw, and not disabled', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    expect(await asClerk(() => transact('the catalogue', { product: change }))).toEqual({ committed: true });
    expect(sent()).toEqual([
      [
        change,
        {
          ConditionCheck: {
            TableName: 'staff',
            Key: { staffId: 'clerk' },
            ConditionExpression: 'tokenVersion = :callerTokenVersion AND attribute_not_exists(disabledAt)',
            ExpressionAttributeValues: { ':callerTokenVersion': 7 },
          },
        },
      ],
    ]);
  });

  it('is refused with 401 when the caller’s sessions ended (demoted, disabled) before the commit', async () => {
    ddb.on(TransactWriteCommand).rejects(transactionCancelled([{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }]));
    await expect(asClerk(() => transact('the catalogue', { product: change }))).rejects.toMatchObject({
      code: 'unauthorized',
    });
    expect(sent()).toHaveLength(1);
  });

  it('is sent again while it is cancelled for conflicts alone, and answered as it ends', async () => {
    const conflict = transactionCancelled([{ Code: 'TransactionConflict' }, { Code: 'None' }]);
    ddb.on(TransactWriteCommand).rejectsOnce(conflict).rejectsOnce(conflict).resolves({});
    expect(await asClerk(() => transact('the catalogue', { product: change }))).toEqual({ committed: true });
    expect(sent()).toHaveLength(3);
  });

  it('is not sent again when a condition failed: that is an answer', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejects(transactionCancelled([{ Code: 'ConditionalCheckFailed' }, { Code: 'TransactionConflict' }]));
    const result = await asClerk(() => transact('the catalogue', { product: change }));
    expect(result).toMatchObject({ committed: false, reasons: { product: { code: 'ConditionalCheckFailed' } } });
    expect(sent()).toHaveLength(1);
  });

  it('that changes the caller’s own staff item carries no second action on it (one action per item)', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const own: TransactItem = {
      Update: { TableName: 'staff', Key: { staffId: 'clerk' }, UpdateExpression: 'SET tokenVersion = :v' },
    };
    await asClerk(() => transact('the staff database', { account: own }));
    expect(sent()).toEqual([[own]]);
  });
});

describe('a transaction outside a staff request (a customer’s, an operator’s)', () => {
  it('is sent as it is, and once', async () => {
    ddb.on(TransactWriteCommand).rejects(transactionCancelled([{ Code: 'TransactionConflict' }]));
    const result = await transact('the catalogue', { product: change });
    expect(result).toMatchObject({ committed: false, reasons: { product: { code: 'TransactionConflict' } } });
    expect(sent()).toEqual([[change]]);
  });
});
