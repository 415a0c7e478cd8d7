/** Sending email through SES (the SES emulator locally). */
import { SendEmailCommand } from '@aws-sdk/client-ses';
import { config } from '../config.js';
import { ses } from './clients.js';

/** Sends a plain-text email. Errors propagate: the caller (notify) retries and dead-letters. */
export async function sendEmail(to: string, subject: string, text: string): Promise<void> {
  const sender = config().sesSender;
  if (!sender) throw new Error('SES_SENDER is not configured');
  await ses().send(
    new SendEmailCommand({
      Source: sender,
      Destination: { ToAddresses: [to] },
      Message: { Subject: { Data: subject, Charset: 'UTF-8' }, Body: { Text: { Data: text, Charset: 'UTF-8' } } },
    }),
  );
}
