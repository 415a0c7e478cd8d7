/** POST /password — old and new password in; every older session is revoked and a fresh token comes back. */
import * as z from 'zod/mini';
import { sessionKeyRing } from '../../shared/aws/key-ring.js';
import { apiHandler, sessionOf } from '../../shared/handler.js';
import { jsonResponse, parseJsonBody } from '../../shared/http.js';
import { PASSWORD_POLICY } from '../../shared/passwords.js';
import { changeOwnPassword } from '../../shared/services/sessions.js';

const body = z.strictObject({
  oldPassword: z.string().check(z.minLength(1), z.maxLength(1024)),
  // The policy (length in code points after NFKC, not the old one, not the ID) is checked in shared/passwords.ts.
  newPassword: z.string().check(z.minLength(1), z.maxLength(PASSWORD_POLICY.maxLength * 4)),
});

const sessionKeys = sessionKeyRing();

export const handler = apiHandler(async (event) => {
  const { customerId } = sessionOf(event);
  const { oldPassword, newPassword } = parseJsonBody(event, body);
  return jsonResponse(200, await changeOwnPassword(customerId, oldPassword, newPassword, sessionKeys));
});
