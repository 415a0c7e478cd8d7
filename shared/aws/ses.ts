/** Sending email through SES (the SES emulator locally). */
import { SendEmailCommand } from '@aws-sdk/client-ses';
import { config } from '../config.js';
import { ses } from './clients.js';

/**
 * SES errors that no retry can cure: the message or its recipient is refused as it is. Anything else (throttling,
 * timeouts, outages) is transient.
 */
const PERMANENT_SES_ERRORS = new Set([
  'MessageRejected',
  'InvalidParameterValue',
  'MailFromDomainNotVerifiedException',
  'ConfigurationSetDoesNotExistException',
]);

/** An email that will never go out as it is (no recipient, content that cannot be encoded, a permanent rejection). */
export class MailRejected extends Error {
  override readonly name = 'MailRejected';
}

/**
 * Whether a send failure is permanent: our own refusal, a value the SDK cannot encode (a URIError, for text that is
 * not well-formed), or one of SES's permanent rejections.
 */
export function isPermanentMailFailure(error: unknown): boolean {
  return (
    error instanceof MailRejected ||
    error instanceof URIError ||
    (error instanceof Error && PERMANENT_SES_ERRORS.has(error.name))
  );
}

/** Sends an email as plain text and HTML (multipart/alternative). @throws MailRejected without a recipient; SES errors as they come */
export async function sendEmail(
  to: string | undefined,
  { subject, text, html }: { subject: string; text: string; html: string },
): Promise<void> {
  const sender = config().sesSender;
  if (!sender) throw new Error('SES_SENDER is not configured');
  if (!to) throw new MailRejected('the order has no recipient address');
  await ses().send(
    new SendEmailCommand({
      Source: sender,
      Destination: { ToAddresses: [to] },
      Message: {
        Subject: { Data: subject, Charset: 'UTF-8' },
        Body: { Text: { Data: text, Charset: 'UTF-8' }, Html: { Data: html, Charset: 'UTF-8' } },
      },
    }),
  );
}
