/**
 * Sessions: POST /login (customer ID and password in, a short-lived session token out), POST /refresh (a fresh token
 * for a live session, within its limit from the login), POST /logout (every session of the customer ends).
 */
import * as z from 'zod/mini';
import { sessionKeyRing } from '../../shared/aws/key-ring.js';
import { apiHandler, sessionOf } from '../../shared/handler.js';
import { jsonResponse, parseJsonBody } from '../../shared/http.js';
import { metrics } from '../../shared/observability.js';
import { router } from '../../shared/router.js';
import { login, logout, refreshSession } from '../../shared/services/sessions.js';

const body = z.strictObject({
  customerId: z.string().check(z.minLength(1), z.maxLength(128)),
  password: z.string().check(z.minLength(1), z.maxLength(1024)),
});

const sessionKeys = sessionKeyRing();

export const handler = apiHandler(
  router({
    'POST /login': async (event) => {
      const { customerId, password } = parseJsonBody(event, body);
      const session = await login(customerId, password, sessionKeys);
      metrics.addMetric('LoginSucceeded', 'Count', 1);
      return jsonResponse(200, session);
    },
    'POST /refresh': async (event) => jsonResponse(200, await refreshSession(sessionOf(event), sessionKeys)),
    'POST /logout': async (event) => {
      await logout(sessionOf(event));
      return jsonResponse(200, { loggedOut: true });
    },
  }),
);
