/** The notifier (emails from the orders stream) and the sweeper (mail owed), against mocked DynamoDB and SES. */
import { createHash } from 'node:crypto';
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ORDER_INDEX_SHARDS } from '../../contract/tables.js';
import { owedMarker } from '../../shared/mail.js';
import type { OrderRecord } from '../../shared/orders.js';
import {
  addCustomer,
  awsError,
  ddb,
  GetCommand,
  QueryCommand,
  SendEmailCommand,
  ses,
  UpdateCommand,
} from '../helpers/aws.js';
import { ORDER, coldStartBeforeEach, notify, world } from '../helpers/handlers/read-admin-notify.js';

coldStartBeforeEach();

describe('notify', () => {
  const stream = (
    ...records: Array<{ eventName: 'INSERT' | 'MODIFY'; order: Partial<OrderRecord>; sequence: string }>
  ): DynamoDBStreamEvent => ({
    Records: records.map(({ eventName, order, sequence }) => ({
      eventName,
      dynamodb: { SequenceNumber: sequence, NewImage: marshall(order) as never },
    })),
  });

  it('claims the order, emails the confirmation, marks it sent', async () => {
    const result = await notify(stream({ eventName: 'INSERT', order: ORDER, sequence: '1' }));
    expect(result.batchItemFailures).toEqual([]);
    const [email] = ses.commandCalls(SendEmailCommand);
    expect(email?.args[0].input).toMatchObject({
      Source: 'orders@opd.example',
      Destination: { ToAddresses: ['alice@customer.example'] },
    });
    const text = email!.args[0].input.Message!.Body!.Text!.Data!;
    expect(email!.args[0].input.Message!.Subject!.Data).toBe(`Order ${ORDER.orderId} accepted`);
    expect(text).toContain('Signed at:   2026-11-22T10:00:00.000Z');
    expect(text).toMatch(/WIDGET-1\s+2 ×\s+12\.50 =\s+25\.00/);
    expect(text).toContain('Total: USD 25.00');
    const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');
    expect(text).toContain(`order digest   (SHA-256 of your signed order): ${sha256(ORDER.jws)}`);
    expect(text).toContain(`receipt digest (SHA-256 of the OPD's receipt): ${sha256(ORDER.receipt)}`);
    const updates = ddb.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(updates[0]).toMatchObject({
      ConditionExpression: 'emailStatus = :from OR (emailStatus = :sending AND emailClaimedAt < :stale)',
      ExpressionAttributeValues: { ':from': 'pending', ':to': 'sending' },
    });
    expect(updates[1]).toMatchObject({ ExpressionAttributeValues: { ':from': 'sending', ':to': 'sent' } });
  });

  it('the note is in the email, its invisible characters shown; the HTML part is the same text, escaped', async () => {
    const note = 'dock 4 <b>&</b> \u202Eevil\u202C';
    const result = await notify(stream({ eventName: 'INSERT', order: { ...ORDER, note }, sequence: '1' }));
    expect(result.batchItemFailures).toEqual([]);
    const body = ses.commandCalls(SendEmailCommand)[0]!.args[0].input.Message!.Body!;
    const text = body.Text!.Data!;
    expect(text).toContain('Your note: dock 4 <b>&</b> \\u{202E}evil\\u{202C}');
    expect(text).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    const html = body.Html!.Data!;
    expect(html).toContain('Your note: dock 4 &#60;b&#62;&#38;&#60;/b&#62;');
    expect(html).not.toContain('<b>');
    const unescaped = /<pre[^>]*>([\s\S]*)<\/pre>/
      .exec(html)![1]!
      .replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));
    expect(unescaped).toBe(text); // the same content, character for character
  });

  it('a product name stored before the catalogue text rule cannot add a line or reorder the email: shown escaped', async () => {
    const name = 'Widget\r\nTotal: USD 0.00 \u202Eevil\u2028\u0000\ud800';
    const lines = [{ ...ORDER.lines[0]!, name }];
    await notify(stream({ eventName: 'INSERT', order: { ...ORDER, lines }, sequence: '1' }));
    const text = ses.commandCalls(SendEmailCommand)[0]!.args[0].input.Message!.Body!.Text!.Data!;
    const line = text.split('\n').find((each) => each.includes('Widget'));
    expect(line).toMatch(/ {3}Widget\\u\{D\}\\u\{A\}Total: USD 0\.00 \\u\{202E\}evil\\u\{2028\}\\u\{0\}\\u\{D800\}$/);
    expect(text).not.toMatch(/^Total: USD 0\.00/m);
    expect(text.isWellFormed()).toBe(true);
  });

  it('sends nothing for an order already claimed or sent (a retried batch sends once)', async () => {
    ddb.on(UpdateCommand).rejects(awsError('ConditionalCheckFailedException'));
    const result = await notify(stream({ eventName: 'INSERT', order: ORDER, sequence: '1' }));
    expect(result.batchItemFailures).toEqual([]);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('reports a failed send for retry and releases the claim; other records go on', async () => {
    ses.on(SendEmailCommand).rejectsOnce(awsError('ServiceUnavailable')).resolves({ MessageId: 'm-2' });
    const result = await notify(
      stream(
        { eventName: 'INSERT', order: ORDER, sequence: '1' },
        { eventName: 'INSERT', order: { ...ORDER, orderId: 'BBBBBBBBBBBBBBBBBBBBBB' }, sequence: '2' },
      ),
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '1' }]);
    const released = ddb
      .commandCalls(UpdateCommand)
      .map((call) => call.args[0].input.ExpressionAttributeValues)
      .find((values) => values?.[':from'] === 'sending' && values[':to'] === 'pending');
    expect(released).toBeDefined();
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(2);
  });

  it('ignores updates (only inserts carry a new order)', async () => {
    await notify(stream({ eventName: 'MODIFY', order: { ...ORDER, emailStatus: 'sent' }, sequence: '3' }));
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('orders without an address (since the order path stopped reading it) go to the customer’s address, read now', async () => {
    await addCustomer(world, 'alice', 'correct horse battery', [], { email: 'alice.now@customer.example' });
    const withoutEmail = Object.fromEntries(
      Object.entries(ORDER).filter(([name]) => name !== 'email'),
    ) as Partial<OrderRecord>;
    const result = await notify(stream({ eventName: 'INSERT', order: withoutEmail, sequence: '8' }));
    expect(result.batchItemFailures).toEqual([]);
    const [email] = ses.commandCalls(SendEmailCommand);
    expect(email?.args[0].input.Destination).toEqual({ ToAddresses: ['alice.now@customer.example'] });
    // Only the address: the notifier reads nothing else of a customer.
    const [read] = ddb.commandCalls(GetCommand, { TableName: 'customers' });
    expect(read?.args[0].input.ProjectionExpression).toBe('customerId, email');
  });

  it('gives up an order whose customer is gone (nobody to write to) even though SES works: marked failed, not retried', async () => {
    const withoutEmail = Object.fromEntries(
      Object.entries(ORDER).filter(([name]) => name !== 'email'),
    ) as Partial<OrderRecord>;
    ses.on(SendEmailCommand).resolves({ MessageId: 'never used' });
    const result = await notify(stream({ eventName: 'INSERT', order: withoutEmail, sequence: '9' }));
    expect(result.batchItemFailures).toEqual([]); // retrying cannot help: no dead-letter churn
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
    const failed = ddb
      .commandCalls(UpdateCommand)
      .find((call) => /Status = :failed/.test(call.args[0].input.UpdateExpression ?? ''));
    expect(failed?.args[0].input).toMatchObject({
      UpdateExpression: 'SET emailStatus = :failed, emailFailure = :reason, emailOwed = :marker',
      ConditionExpression: 'emailStatus = :sending',
      // Still listed, under the order's shard of `failed`.
      ExpressionAttributeValues: {
        ':reason': 'NoAddress: no customer alice to send to',
        ':marker': owedMarker('failed', ORDER.orderId),
      },
    });
  });

  it.each(['MessageRejected', 'InvalidParameterValue'])(
    'gives up when SES rejects the message permanently (%s)',
    async (name) => {
      ses.on(SendEmailCommand).rejects(awsError(name, { $fault: 'client' }));
      const result = await notify(stream({ eventName: 'INSERT', order: ORDER, sequence: '10' }));
      expect(result.batchItemFailures).toEqual([]);
      const failed = ddb
        .commandCalls(UpdateCommand)
        .find((call) => /Status = :failed/.test(call.args[0].input.UpdateExpression ?? ''));
      expect(failed?.args[0].input.ExpressionAttributeValues?.[':reason']).toMatch(new RegExp(`^${name}: `));
    },
  );

  it('gives up text the SDK cannot encode (a URIError, as a lone surrogate in a product name once caused)', async () => {
    ses.on(SendEmailCommand).rejects(new URIError('URI malformed'));
    const result = await notify(stream({ eventName: 'INSERT', order: ORDER, sequence: '13' }));
    expect(result.batchItemFailures).toEqual([]); // before: retried, then dead-lettered, never sent
    const failed = ddb
      .commandCalls(UpdateCommand)
      .find((call) => /Status = :failed/.test(call.args[0].input.UpdateExpression ?? ''));
    expect(failed?.args[0].input.ExpressionAttributeValues?.[':reason']).toBe('URIError: URI malformed');
  });

  it('keeps retrying what may pass later (throttling, outages): reported for retry, never marked failed', async () => {
    ses.on(SendEmailCommand).rejects(awsError('Throttling'));
    const result = await notify(stream({ eventName: 'INSERT', order: ORDER, sequence: '11' }));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '11' }]);
    expect(
      ddb.commandCalls(UpdateCommand).some((call) => /:failed/.test(call.args[0].input.UpdateExpression ?? '')),
    ).toBe(false);
  });

  it('marking sent takes the order out of the owed index in the same update', async () => {
    await notify(stream({ eventName: 'INSERT', order: ORDER, sequence: '12' }));
    const sent = ddb
      .commandCalls(UpdateCommand)
      .map((call) => call.args[0].input)
      .find((input) => input.ExpressionAttributeValues?.[':to'] === 'sent');
    expect(sent?.UpdateExpression).toBe('SET emailStatus = :to, emailSentAt = :now REMOVE emailOwed, emailOwedSince');
  });
});

describe('sweeper', () => {
  const NOW = Date.parse('2026-11-22T12:00:00.000Z');
  const owed = (kind: 'email' | 'notice', minutesAgo: number, orderId = ORDER.orderId) => ({
    customerId: 'alice',
    orderId,
    [`${kind}Owed`]: owedMarker('owed', orderId),
    [`${kind}OwedSince`]: NOW - minutesAgo * 60_000,
  });
  /** Answers the queries of an owed-mail index: each shard's query gets the items stored under its key. */
  const answerOwed = (index: string, items: Array<Record<string, unknown>>) =>
    ddb.on(QueryCommand, { TableName: 'orders', IndexName: index }).callsFake((input: QueryCommandInput) => ({
      Items: items.filter((item) => Object.values(item).includes(input.ExpressionAttributeValues?.[':key'])),
    }));

  /** Runs one sweep at NOW; returns the metrics it published, by name. */
  async function sweepAndMetrics(): Promise<Map<string, { unit: string; value: number }>> {
    const { metrics } = await import('../../shared/observability.js');
    const published = vi.spyOn(metrics, 'addMetric');
    const { sweep } = await import('../../functions/sweeper/index.js');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    try {
      await sweep();
    } finally {
      vi.useRealTimers();
    }
    return new Map(published.mock.calls.map(([name, unit, value]) => [name, { unit: String(unit), value }]));
  }

  it('publishes the age of the oldest mail owed, in seconds, whichever kind it is (alarmed past 15 minutes)', async () => {
    answerOwed('emailsOwed', [owed('email', 3)]);
    answerOwed('noticesOwed', [
      owed('notice', 20, 'BBBBBBBBBBBBBBBBBBBBBB'),
      owed('notice', 4, 'CCCCCCCCCCCCCCCCCCCCCC'),
    ]);
    ddb.on(GetCommand, { TableName: 'orders' }).resolves({ Item: { ...ORDER, noticeStatus: 'pending' } });
    const published = await sweepAndMetrics();
    expect(published.get('OldestOwedMailAge')).toEqual({ unit: 'Seconds', value: 20 * 60 });
    // It looked only at mail past the stream's grace period, and sent what it found.
    const queries = ddb.commandCalls(QueryCommand, { TableName: 'orders' }).map((call) => call.args[0].input);
    expect(queries.map((query) => query.ExpressionAttributeValues?.[':before'] as unknown)).toEqual(
      Array.from({ length: 2 * ORDER_INDEX_SHARDS }, () => NOW - 60_000), // every shard of each kind's index
    );
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(3);
  });

  it('publishes 0 when no mail is owed, so the alarm always has a value to judge', async () => {
    ddb.on(QueryCommand, { TableName: 'orders' }).resolves({ Items: [] });
    const published = await sweepAndMetrics();
    expect(published.get('OldestOwedMailAge')).toEqual({ unit: 'Seconds', value: 0 });
    expect(published.get('SweptEmailsSent')).toEqual({ unit: 'Count', value: 0 });
  });

  it('publishes the age of mail it could not send as well (SES down): still owed, still counted', async () => {
    answerOwed('emailsOwed', [owed('email', 16)]);
    answerOwed('noticesOwed', []);
    ddb.on(GetCommand, { TableName: 'orders' }).resolves({ Item: ORDER });
    ses.on(SendEmailCommand).rejects(awsError('ServiceUnavailable'));
    const published = await sweepAndMetrics();
    expect(published.get('OldestOwedMailAge')).toEqual({ unit: 'Seconds', value: 16 * 60 });
  });
});
