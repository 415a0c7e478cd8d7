/**
 * CloudFormation custom resource (via the CDK Provider framework): on create and update, makes sure a server key, a
 * receipt key and a session-token key exist, with the same code the admin rotation routes use. Keys outlive the stack's
 * updates and are never deleted by CloudFormation (the table is retained).
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { ensureReceiptKey, ensureServerKey, ensureSessionKey } from '../../shared/aws/keystore.js';

export async function handler(
  event: CloudFormationCustomResourceEvent,
): Promise<{ PhysicalResourceId: string; Data?: Record<string, string> }> {
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  const server = await ensureServerKey();
  const receipt = await ensureReceiptKey();
  await ensureSessionKey();
  return { PhysicalResourceId: 'po-key-provisioning', Data: { ServerKeyId: server.kid, ReceiptKeyId: receipt.kid } };
}
