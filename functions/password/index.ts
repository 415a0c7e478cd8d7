/** POST /password — old and new password in; every older session is revoked and a fresh token comes back. */
import { apiHandler } from '../../shared/handler.js';
import { jsonResponse } from '../../shared/http.js';
import { serveRoutes } from '../../shared/router.js';
import { changeOwnPassword } from '../../shared/services/sessions.js';
import { sessionKeyRing } from '../../shared/aws/key-ring.js';

const sessionKeys = sessionKeyRing();

export const handler = apiHandler(
  serveRoutes('password', {
    // The policy (length in code points after NFKC, not the old one, not the ID) is checked in shared/passwords.ts.
    'POST /password': async ({ session, body }) =>
      jsonResponse(200, await changeOwnPassword(session.customerId, body.oldPassword, body.newPassword, sessionKeys)),
  }),
);
