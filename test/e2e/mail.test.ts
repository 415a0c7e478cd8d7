/**
 * End to end against a real local stack, started on random ports and stopped afterwards: no email is lost, whether
 * the SES emulator is down, a sender dies between sending and recording, or an email failed.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { owedMarker } from '../../shared/mail.js';
import type { OrderRecord } from '../../shared/orders.js';
import {
  call,
  emailsFor,
  newCustomer,
  newProduct,
  poWorkspace,
  seal,
  e2eStackForThisFile,
  tablesClient,
} from '../helpers/e2e.js';

// The mail sweeper's timer, fast: the crash test waits for it, nothing else.
const e2e = e2eStackForThisFile({ sweepIntervalMs: 1000 });

describe('no email lost', () => {
  it('orders succeed while the SES emulator is down; every confirmation arrives once it is back', async () => {
    await newProduct('MAIL-1', 100);
    const { signer, token } = await newCustomer('mail-outage', 'ed25519');
    await e2e.stack.stopInbox();
    const orderIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const reply = await call('POST', '/orders', {
        token,
        body: { envelope: seal('mail-outage', signer, [{ sku: 'MAIL-1', qty: 1 }]) },
      });
      expect(reply.status).toBe(201);
      orderIds.push(reply.body.orderId as string);
    }
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the poller tries, fails and backs off meanwhile
    await e2e.stack.startInbox();
    await e2e.stack.poller.drained();
    const subjects = (await emailsFor('mail-outage@customer.test')).map((email) => email.subject).sort();
    expect(subjects).toEqual(orderIds.map((id) => `Order ${id} accepted`).sort());
    expect(e2e.stack.poller.deadLetters).toEqual([]);
  });
});

describe('mail owed is sent at least once', () => {
  /** Puts an order's confirmation in the state a sender leaves when it dies between sending and recording. */
  async function crashedWhileSending(customerId: string, orderId: string, claimedAgoMs: number) {
    const since = Date.now() - claimedAgoMs;
    await tablesClient().send(
      new UpdateCommand({
        TableName: e2e.stack.tables.orders!,
        Key: { customerId, orderId },
        UpdateExpression:
          'SET emailStatus = :sending, emailClaimedAt = :since, emailOwed = :owed, emailOwedSince = :since REMOVE emailSentAt',
        ExpressionAttributeValues: { ':sending': 'sending', ':since': since, ':owed': owedMarker('owed', orderId) },
      }),
    );
  }

  async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  const stored = async (customerId: string, orderId: string) =>
    (
      await tablesClient().send(
        new GetCommand({ TableName: e2e.stack.tables.orders!, Key: { customerId, orderId }, ConsistentRead: true }),
      )
    ).Item as OrderRecord | undefined;

  it('a sender that died between sending and recording: the sweeper’s timer sends it again, no new order, no restart', async () => {
    await newProduct('SWEEP-1', 10);
    const { signer, token } = await newCustomer('sweep-crash', 'ed25519');
    const reply = await call('POST', '/orders', {
      token,
      body: { envelope: seal('sweep-crash', signer, [{ sku: 'SWEEP-1', qty: 1 }]) },
    });
    expect(reply.status).toBe(201);
    const orderId = reply.body.orderId as string;
    await e2e.stack.poller.drained();
    expect(await emailsFor('sweep-crash@customer.test')).toHaveLength(1);

    // A claim younger than the stale limit is left alone: its sender may still be at work.
    await crashedWhileSending('sweep-crash', orderId, 2 * 60_000);
    await e2e.stack.sweep();
    expect((await stored('sweep-crash', orderId))?.emailStatus).toBe('sending');

    // Six minutes old: its sender is gone. Nothing else happens; the timer's sweep sends it.
    await crashedWhileSending('sweep-crash', orderId, 6 * 60_000);
    const emails = await waitFor('the swept email', async () => {
      const found = await emailsFor('sweep-crash@customer.test');
      return found.length === 2 ? found : undefined;
    });
    expect(emails.map((email) => email.subject)).toEqual([`Order ${orderId} accepted`, `Order ${orderId} accepted`]);
    const after = await waitFor('the recorded send', async () => {
      const order = await stored('sweep-crash', orderId);
      return order?.emailStatus === 'sent' ? order : undefined;
    });
    expect(after.emailOwed).toBeUndefined(); // out of the owed index
  });

  it('a failed email is listed for the OPD and re-sent by po admin emails retry', async () => {
    await newProduct('SWEEP-2', 10);
    const { signer, token } = await newCustomer('sweep-failed', 'ed25519');
    const reply = await call('POST', '/orders', {
      token,
      body: { envelope: seal('sweep-failed', signer, [{ sku: 'SWEEP-2', qty: 1 }]) },
    });
    const orderId = reply.body.orderId as string;
    await e2e.stack.poller.drained();
    await tablesClient().send(
      new UpdateCommand({
        TableName: e2e.stack.tables.orders!,
        Key: { customerId: 'sweep-failed', orderId },
        UpdateExpression:
          'SET emailStatus = :failed, emailOwed = :marker, emailOwedSince = :since, emailFailure = :why REMOVE emailSentAt',
        ExpressionAttributeValues: {
          ':failed': 'failed',
          ':marker': owedMarker('failed', orderId), // as the notifier lists a failed email: under the order's shard
          ':since': Date.now(),
          ':why': 'MessageRejected: test',
        },
      }),
    );
    const failed = await call('GET', '/admin/emails?status=failed&limit=100', { token: e2e.adminToken });
    expect(failed.status).toBe(200);
    expect(failed.body.emails).toContainEqual(
      expect.objectContaining({
        orderId,
        customerId: 'sweep-failed',
        kind: 'confirmation',
        status: 'failed',
        failure: 'MessageRejected: test',
      }),
    );
    const { run } = await poWorkspace('po-e2e-emails-');
    const listed = await run(['--profile', 'admin', 'admin', 'emails', '--status', 'failed', '--limit', '100']);
    expect(listed.stdout).toMatch(
      new RegExp(`${orderId}\\s+sweep-failed\\s+confirmation.*failed: MessageRejected: test`),
    );
    const retried = await run(['--profile', 'admin', 'admin', 'emails', 'retry', orderId]);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toContain(`confirmation for order ${orderId}: sent`);
    expect(await emailsFor('sweep-failed@customer.test')).toHaveLength(2);
    expect((await stored('sweep-failed', orderId))?.emailOwed).toBeUndefined();
    const again = await run(['--profile', 'admin', 'admin', 'emails', 'retry', orderId]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('[not_found]');
    const bad = await call('GET', '/admin/emails?status=lost', { token: e2e.adminToken });
    expect(bad.status).toBe(400);
  });
});
