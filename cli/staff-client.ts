/**
 * The staff routes and the routes that end an account, as `po admin` calls them (part of the admin client,
 * cli/admin-client.ts), answering with the server's own views (shared/staff-views.ts, imported as types only).
 */
import type { StaffPage } from '../contract/admin-api.js';
import type { StaffRole } from '../shared/permissions.js';
import type {
  AccountStateView,
  PasswordResetView,
  RoleChangeView,
  SessionsEndedView,
  StaffDetailView,
} from '../shared/staff-views.js';
import { pathSegment } from './api.js';
import type { Page } from './client.js';
import { pageQuery } from './paging.js';

/** Sends a request with the admin client's session. */
export type Send = <T>(method: string, path: string, body?: unknown) => Promise<T>;

/** What `POST /admin/staff` is sent. */
export interface NewStaffRequest {
  readonly staffId: string;
  readonly email: string;
  readonly password: string;
  readonly roles: readonly StaffRole[];
}

export type { StaffPage } from '../contract/admin-api.js';

/** The routes that end an account (a customer's or a staff member's), and open it again. */
export interface AccountControlRoutes<Whose> {
  /** `POST …/disable`: no login, no order; every session ends. */
  disable(): Promise<AccountStateView & Whose>;
  /** `POST …/enable`. */
  enable(): Promise<AccountStateView & Whose>;
  /** `POST …/logout`: every session ends. */
  logout(): Promise<SessionsEndedView & Whose>;
  /** `POST …/password-reset`: a one-time password, to be changed at the next login. */
  resetPassword(): Promise<PasswordResetView & Whose>;
}

/** The routes of one staff member. */
export interface StaffRoutes extends AccountControlRoutes<{ readonly staffId: string }> {
  /** `GET /admin/staff/{id}`. */
  show(): Promise<StaffDetailView>;
  /** `PUT /admin/staff/{id}/roles`: every role the member holds from now on. */
  setRoles(roles: readonly StaffRole[]): Promise<RoleChangeView>;
}

/** The staff routes of the admin client. */
export interface StaffClient {
  /** `POST /admin/staff`. */
  addStaff(member: NewStaffRequest): Promise<StaffDetailView>;
  /** `GET /admin/staff`. */
  listStaff(page: Page): Promise<StaffPage>;
  /** The routes of the staff member `staffId`. @throws InputError `usage` for an ID no route can carry */
  staff(staffId: string): StaffRoutes;
}

/** The routes that end the account at `path` (`/admin/customers/{id}`, `/admin/staff/{id}`). */
export function accountControl<Whose>(send: Send, path: string): AccountControlRoutes<Whose> {
  return {
    disable: () => send('POST', `${path}/disable`),
    enable: () => send('POST', `${path}/enable`),
    logout: () => send('POST', `${path}/logout`),
    resetPassword: () => send('POST', `${path}/password-reset`),
  };
}

/** The staff routes, sent with `send`. */
export function staffClient(send: Send): StaffClient {
  return {
    addStaff: (member) => send('POST', '/admin/staff', member),
    listStaff: (page) => send('GET', `/admin/staff${pageQuery(page)}`),
    staff: (staffId) => {
      const path = `/admin/staff/${pathSegment(staffId)}`;
      return {
        ...accountControl<{ readonly staffId: string }>(send, path),
        show: () => send('GET', path),
        setRoles: (roles) => send('PUT', `${path}/roles`, { roles }),
      };
    },
  };
}
