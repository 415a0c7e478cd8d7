/**
 * Account notices' emails (a key added or revoked), against a stateful notices table: the notifier sends each once
 * (the claim), a transient SES failure leaves it owed and the sweeper sends it, a dead sender's claim is taken over,
 * a notice with nobody to write to is given up.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { keyNotice } from '../../shared/notices.js';
import type { AccountNotice, KeyChange } from '../../shared/notices.js';
import type { SweepResult } from '../../shared/services/notify.js';
import { addCustomer, awsError, installWorld, SendEmailCommand, ses } from '../helpers/aws.js';
import type { World } from '../helpers/aws.js';
import { installTables } from '../helpers/aws/tables.js';
import type { Tables } from '../helpers/aws/tables.js';

const NOW = Date.parse('2026-12-07T10:00:00.000Z');
const NOTICES_STREAM = 'arn:aws:dynamodb:eu-west-1:123456789012:table/notices/stream/2026-12-01T00:00:00.000';
const ADDED: KeyChange = {
  kind: 'key-added',
  keyId: 'laptop-2026',
  fingerprint: 'n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg',
  alg: 'EdDSA',
  activeKeys: 2,
  requestId: 'req-1',
};

let world: World;
let tables: Tables;
let notify: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;
let sweep: () => Promise<SweepResult>;

beforeEach(async () => {
  world = installWorld();
  tables = installTables(world);
  vi.resetModules();
  notify = (await import('../../functions/notify/index.js')).notify;
  sweep = (await import('../../functions/sweeper/index.js')).sweep;
  await addCustomer(world, 'alice', 'correct horse battery');
});

/** A notice of `change`, stored as the key change's transaction writes it. */
function stored(change: KeyChange = ADDED, extra: Partial<AccountNotice> = {}): AccountNotice {
  const notice = { ...keyNotice('alice', change, NOW), ...extra };
  tables.put('notices', { ...notice });
  return notice;
}

const now = (notice: AccountNotice) => tables.item('notices', 'alice', notice.noticeId)!;

/** The notices stream's record of `notice` (as written: INSERT). */
const inserted = (notice: AccountNotice, eventName: 'INSERT' | 'MODIFY' = 'INSERT'): DynamoDBStreamEvent => ({
  Records: [
    {
      eventName,
      eventSourceARN: NOTICES_STREAM,
      dynamodb: { SequenceNumber: '7', NewImage: marshall(notice) as never },
    },
  ],
});

const sent = () => ses.commandCalls(SendEmailCommand).map((call) => call.args[0].input);

async function sweepAt(time: number): Promise<SweepResult> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(time);
  try {
    return await sweep();
  } finally {
    vi.useRealTimers();
  }
}

describe('account notices', () => {
  it('the notifier sends the notice once: a retried record finds it claimed and sent', async () => {
    const notice = stored();
    expect((await notify(inserted(notice))).batchItemFailures).toEqual([]);
    expect((await notify(inserted(notice))).batchItemFailures).toEqual([]);
    expect(sent()).toHaveLength(1);
    const [email] = sent();
    expect(email).toMatchObject({
      Source: 'orders@opd.example',
      Destination: { ToAddresses: ['alice@customer.example'] },
      Message: { Subject: { Data: 'A key was added to your account' } },
    });
    const text = email!.Message!.Body!.Text!.Data!;
    expect(text).toContain('A signing key was added to your account alice.');
    expect(text).toContain('Key ID:      laptop-2026');
    expect(text).toContain(`Fingerprint: ${ADDED.fingerprint}`);
    expect(text).toContain('Added:       2026-12-07T10:00:00.000Z');
    expect(text).toMatch(/If you did not add this key.*change your password.*contact the OPD/s);
    expect(now(notice)).toMatchObject({ mailStatus: 'sent', mailSentAt: expect.any(String) as unknown });
    expect(now(notice).mailOwed).toBeUndefined(); // out of the owed index
  });

  it('a revocation that leaves no active key says the customer cannot order until they add one', async () => {
    const notice = stored({ ...ADDED, kind: 'key-revoked', activeKeys: 0 });
    await notify(inserted(notice));
    const [email] = sent();
    expect(email!.Message!.Subject!.Data).toBe('A key was revoked from your account');
    const text = email!.Message!.Body!.Text!.Data!;
    expect(text).toContain('Orders signed with this key are refused from now on');
    expect(text).toContain('you cannot order until you add one');
    expect(text).toMatch(/If you did not revoke this key/);
  });

  it('a transient SES failure leaves it owed (reported for retry); the sweeper sends it, once', async () => {
    ses.on(SendEmailCommand).rejectsOnce(awsError('ServiceUnavailable')).resolves({ MessageId: 'm-1' });
    const notice = stored();
    expect((await notify(inserted(notice))).batchItemFailures).toEqual([{ itemIdentifier: '7' }]);
    expect(now(notice)).toMatchObject({ mailStatus: 'pending', mailOwed: 'owed', mailOwedSince: NOW });

    // Within the grace period the sweeper leaves it to the stream; after it, it sends it.
    expect(await sweepAt(NOW + 30_000)).toMatchObject({ sent: 0 });
    expect(await sweepAt(NOW + 120_000)).toMatchObject({ sent: 1, errors: 0, oldestOwedSeconds: 120 });
    expect(sent()).toHaveLength(2); // the failed attempt, and the sweeper's
    expect(now(notice)).toMatchObject({ mailStatus: 'sent' });
    expect(await sweepAt(NOW + 600_000)).toMatchObject({ sent: 0, oldestOwedSeconds: 0 });
    expect(sent()).toHaveLength(2);
  });

  it('a claim left by a sender that died is taken over by the sweeper after 5 minutes', async () => {
    const notice = stored(ADDED, { mailStatus: 'sending', mailClaimedAt: NOW });
    expect(await sweepAt(NOW + 4 * 60_000)).toMatchObject({ sent: 0, skipped: 1 });
    expect(await sweepAt(NOW + 6 * 60_000)).toMatchObject({ sent: 1 });
    expect(now(notice)).toMatchObject({ mailStatus: 'sent' });
  });

  it('nobody to write to (the customer is gone): given up, marked failed, not retried', async () => {
    world.customers.delete('alice');
    const notice = stored();
    expect((await notify(inserted(notice))).batchItemFailures).toEqual([]);
    expect(sent()).toHaveLength(0);
    expect(now(notice)).toMatchObject({
      mailStatus: 'failed',
      mailOwed: 'failed',
      mailFailure: 'NoAddress: no customer alice to send to',
    });
  });

  it('the notices stream’s own updates (a claim, a sent mark) owe nothing', async () => {
    const notice = stored(ADDED, { mailStatus: 'sent' });
    await notify(inserted(notice, 'MODIFY'));
    expect(sent()).toHaveLength(0);
  });
});
