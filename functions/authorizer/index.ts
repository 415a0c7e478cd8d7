/**
 * The Lambda authorizer (TOKEN type) for every route that needs a session: verifies the session token (signature,
 * type, expiry), then reads the account it names — a customer's or a staff member's — for its current token version,
 * whether it is disabled, and a staff member's roles: so a password change, a role change, a disabled account or ended
 * sessions take effect at once. Customers get every route except /admin/*; the router checks each route's permission.
 */
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { getAccount } from '../../shared/aws/credentials.js';
import { sessionKeyRing } from '../../shared/aws/key-ring.js';
import { ApiError } from '../../shared/errors.js';
import { SESSION_REFUSED_MESSAGE } from '../../shared/metrics.js';
import { logger, observed } from '../../shared/observability.js';
import { verifySessionToken } from '../../shared/tokens.js';
import middy from '@middy/core';

const sessionKeys = sessionKeyRing();

/** `arn:aws:execute-api:region:account:apiId/stage/METHOD/path` → `arn:…:apiId/stage` */
function stageArn(methodArn: string): string {
  return methodArn.split('/').slice(0, 2).join('/');
}

export async function authorize(event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const token = /^Bearer ([A-Za-z0-9._-]+)$/.exec(event.authorizationToken ?? '')?.[1];
  try {
    if (!token) throw new ApiError('unauthorized', 'no bearer token');
    const session = await verifySessionToken(token, (kid) => sessionKeys.get(kid));
    const account = await getAccount({ kind: session.kind, id: session.subject });
    if (!account || account.tokenVersion !== session.tokenVersion || account.disabledAt !== undefined)
      throw new ApiError('unauthorized', 'token revoked');
    const base = stageArn(event.methodArn);
    const statements: APIGatewayAuthorizerResult['policyDocument']['Statement'] = [
      { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: `${base}/*` },
    ];
    if (session.kind !== 'staff')
      statements.push({ Effect: 'Deny', Action: 'execute-api:Invoke', Resource: `${base}/*/admin/*` });
    return {
      principalId: `${session.kind}:${session.subject}`,
      policyDocument: { Version: '2012-10-17', Statement: statements },
      // Context values reach the functions as strings (shared/handler.ts sessionOf reads them back). The token version
      // goes on to the order transaction, which checks it again at commit; authTime (when the person logged in) bounds
      // how long POST /refresh may extend the session.
      context: {
        kind: session.kind,
        subject: session.subject,
        tokenVersion: session.tokenVersion,
        roles: 'roles' in account ? account.roles.join(',') : '',
        mustChangePassword: account.mustChangePassword === true ? 'true' : 'false',
        ...(session.authTime === undefined ? {} : { authTime: session.authTime }),
      },
    };
  } catch (error) {
    if (error instanceof ApiError && error.code === 'unauthorized') {
      logger.info(SESSION_REFUSED_MESSAGE); // counted: tells a refusal from a failure (infra/constructs/alarms.ts)
      // API Gateway answers 401 exactly when the authorizer throws "Unauthorized".
      throw new Error('Unauthorized');
    }
    // A dependency failure: API Gateway answers with its AUTHORIZER_CONFIGURATION_ERROR response (503, contract/gateway.ts).
    throw error;
  }
}

export const handler = middy(authorize).use(observed());
