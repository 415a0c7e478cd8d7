/**
 * POST /password — a customer's or a staff member's old and new password in; every older session is revoked, the
 * change is audited, and a fresh token comes back.
 */
import { apiHandler } from '../../shared/handler.js';
import { jsonResponse } from '../../shared/http.js';
import { serveRoutes } from '../../shared/router.js';
import { changeOwnPassword, sessionView } from '../../shared/services/sessions.js';
import { sessionKeyRing } from '../../shared/aws/key-ring.js';

const sessionKeys = sessionKeyRing();

export const handler = apiHandler(
  serveRoutes('password', {
    // The policy (length in code points after NFKC, not the old one, not the ID) is checked in shared/passwords.ts.
    'POST /password': async ({ session, actor, body }) =>
      jsonResponse(
        200,
        sessionView(await changeOwnPassword(session, actor, body.oldPassword, body.newPassword, sessionKeys)),
      ),
  }),
);
