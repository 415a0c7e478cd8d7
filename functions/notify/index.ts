/**
 * Orders stream → emails: a confirmation for each new order (INSERT), a notice for each status change that owes one
 * (MODIFY with `noticeStatus` pending: cancelled, fulfilled). Notices stream → emails: each new account notice (a key
 * added or revoked, INSERT). Each event source mapping filters on the same; a record's stream ARN says which it is.
 * Transient failures are reported per record (partial batch response) so only they are retried; a record that keeps
 * failing ends in the SQS dead-letter queue after the mapping's retry limit, and the sweeper (functions/sweeper)
 * sends the email anyway: the order itself stays marked as owing it. A permanent rejection marks the email `failed`.
 */
import middy from '@middy/core';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { errorName, logger, metrics, observed } from '../../shared/observability.js';
import type { AccountNotice } from '../../shared/notices.js';
import type { OrderRecord } from '../../shared/orders.js';
import type { MailOutcome } from '../../shared/services/deliver.js';
import { fromNoticesTable, owesNoticeEmail, sendAccountNotice } from '../../shared/services/notices.js';
import { owesEmail, sendConfirmation, sendNotice } from '../../shared/services/notify.js';

export async function notify(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const batchItemFailures: DynamoDBBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    const image = record.dynamodb?.NewImage;
    const notice = fromNoticesTable(record);
    if (!image || !(notice ? owesNoticeEmail(record) : owesEmail(record))) continue;
    try {
      const item = unmarshall(image as Record<string, AttributeValue>);
      let outcome: MailOutcome;
      if (notice) outcome = await sendAccountNotice(item as AccountNotice);
      else if (record.eventName === 'INSERT') outcome = await sendConfirmation(item as OrderRecord);
      else outcome = await sendNotice(item as OrderRecord);
      // A permanent rejection is recorded as `failed` (and counted) by deliverOnce: retrying the record cannot help.
      if (outcome !== 'failed')
        metrics.addMetric(outcome === 'sent' ? 'ConfirmationSent' : 'ConfirmationSkipped', 'Count', 1);
    } catch (error) {
      logger.warn('confirmation failed; will retry', {
        sequenceNumber: record.dynamodb?.SequenceNumber,
        errorName: errorName(error),
      });
      metrics.addMetric('ConfirmationFailed', 'Count', 1);
      batchItemFailures.push({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' });
    }
  }
  return { batchItemFailures };
}

export const handler = middy(notify).use(observed());
