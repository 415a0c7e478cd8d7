/**
 * Sessions: POST /login (a customer's ID and password in, a short-lived session token out), POST /staff/login (the
 * same for a staff member), POST /refresh (a fresh token for a live session, within its limit from the login), POST
 * /logout (every session of the account ends).
 */
import { apiHandler } from '../../shared/handler.js';
import { jsonResponse } from '../../shared/http.js';
import { metrics } from '../../shared/observability.js';
import { serveRoutes } from '../../shared/router.js';
import { login, logout, refreshSession, sessionView } from '../../shared/services/sessions.js';
import { sessionKeyRing } from '../../shared/aws/key-ring.js';

const sessionKeys = sessionKeyRing();

export const handler = apiHandler(
  serveRoutes('login', {
    'POST /login': async ({ body }) => {
      const session = await login({ kind: 'customer', id: body.customerId }, body.password, sessionKeys);
      metrics.addMetric('LoginSucceeded', 'Count', 1);
      return jsonResponse(200, sessionView(session));
    },
    'POST /staff/login': async ({ body }) => {
      const session = await login({ kind: 'staff', id: body.staffId }, body.password, sessionKeys);
      metrics.addMetric('StaffLoginSucceeded', 'Count', 1);
      return jsonResponse(200, sessionView(session));
    },
    'POST /refresh': async ({ session }) => jsonResponse(200, sessionView(await refreshSession(session, sessionKeys))),
    'POST /logout': async ({ session }) => {
      await logout(session);
      return jsonResponse(200, { loggedOut: true });
    },
  }),
);
