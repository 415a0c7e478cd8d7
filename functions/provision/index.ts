/**
 * CloudFormation custom resource (via the CDK Provider framework): on create and update, makes sure a server key and
 * a session-token key exist, with the same code the admin rotation route uses. Keys outlive the stack's updates and
 * are never deleted by CloudFormation (the table is retained).
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { ensureServerKey, ensureSessionKey } from '../../shared/aws/keystore.js';

export async function handler(
  event: CloudFormationCustomResourceEvent,
): Promise<{ PhysicalResourceId: string; Data?: Record<string, string> }> {
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  const server = await ensureServerKey();
  await ensureSessionKey();
  return { PhysicalResourceId: 'po-key-provisioning', Data: { ServerKeyId: server.kid } };
}
