/** The portal's session: a customer's (the calls themselves are web/common/api.ts). */
import { currentSession as anySession } from '../common/api.js';
import type { Session } from '../common/api.js';

export { ApiFailure, call, idempotencyKey, query, segment } from '../common/api.js';

/** The customer session, as `POST /login` and `POST /refresh` answer it. */
export interface CustomerSession extends Session {
  readonly kind: 'customer';
  readonly customerId: string;
}

/** The customer logged in, if any. */
export const currentSession = (): CustomerSession | undefined => anySession<CustomerSession>();
