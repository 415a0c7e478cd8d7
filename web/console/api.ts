/** The console's session: a staff member's (the calls themselves are web/common/api.ts). */
import type { StaffRole } from '../../shared/permissions.js';
import { currentSession as anySession, logInAt } from '../common/api.js';
import type { Session } from '../common/api.js';

export {
  ApiFailure,
  call,
  changePassword,
  idempotencyKey,
  logOut,
  query,
  segment,
  whenSessionEnds,
} from '../common/api.js';

/** The staff session, as `POST /staff/login` and `POST /refresh` answer it. */
export interface StaffSession extends Session {
  readonly kind: 'staff';
  readonly staffId: string;
  readonly roles: StaffRole[];
}

/** The staff member logged in, if any. */
export const currentSession = (): StaffSession | undefined => anySession<StaffSession>();

/** `POST /staff/login`: the session is kept in memory for the calls that follow. */
export const logIn = (staffId: string, password: string): Promise<StaffSession> =>
  logInAt<StaffSession>('/staff/login', { staffId, password });
