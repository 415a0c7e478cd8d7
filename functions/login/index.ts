/** POST /login — customer ID and password in, a short-lived session token out. */
import * as z from 'zod/mini';
import { sessionKeyRing } from '../../shared/aws/keystore.js';
import { apiHandler } from '../../shared/handler.js';
import { jsonResponse, parseJsonBody } from '../../shared/http.js';
import { metrics } from '../../shared/observability.js';
import { login } from '../../shared/services/sessions.js';

const body = z.strictObject({
  customerId: z.string().check(z.minLength(1), z.maxLength(128)),
  password: z.string().check(z.minLength(1), z.maxLength(1024)),
});

const sessionKeys = sessionKeyRing();

export const handler = apiHandler(async (event) => {
  const { customerId, password } = parseJsonBody(event, body);
  const session = await login(customerId, password, sessionKeys);
  metrics.addMetric('LoginSucceeded', 'Count', 1);
  return jsonResponse(200, session);
});
