/**
 * The credentials function: what only the account's password may change, re-checked against the lockout on each call
 * (a stolen session token alone changes nothing).
 *
 * - POST /password — a customer's or a staff member's old and new password in; every older session is revoked, the
 *   change is audited, and a fresh token comes back.
 * - GET /account/keys, POST /account/keys, DELETE /account/keys/{kid} — a customer's own signing keys: listed; added
 *   with a proof of possession signed by the new key and the password; revoked with the password. Each change is
 *   audited and owes the customer an email (an account notice), in the change's own transaction.
 */
import { apiHandler } from '../../shared/handler.js';
import { jsonResponse } from '../../shared/http.js';
import { serveRoutes } from '../../shared/router.js';
import { addOwnKey, listOwnKeys, revokeOwnKey } from '../../shared/services/own-keys.js';
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
    'GET /account/keys': async ({ session }) => jsonResponse(200, await listOwnKeys(session.customerId)),
    'POST /account/keys': async ({ session, actor, body }) => jsonResponse(201, await addOwnKey(session, actor, body)),
    'DELETE /account/keys/{kid}': async ({ session, actor, params, body }) =>
      jsonResponse(200, await revokeOwnKey(session, actor, params.kid, body.password)),
  }),
);
