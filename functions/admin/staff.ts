/**
 * The OPD's staff, for staff administrators: list and show them (staff:read); add them, change their roles, disable
 * and re-enable them, end their sessions, reset their passwords (staff:write). The services guard the rest: nobody
 * changes their own roles, the last active holder of staff:write keeps it, and every change is one transaction with
 * its audit record.
 */
import { getStaff, listStaff } from '../../shared/aws/staff.js';
import type { AccountRef } from '../../shared/aws/credentials.js';
import { ApiError } from '../../shared/errors.js';
import { jsonResponse, pageLimit } from '../../shared/http.js';
import { queryParameter } from '../../shared/router.js';
import type { Implementations } from '../../shared/router.js';
import { STAFF_ID_PATTERN } from '../../shared/rules.js';
import { disableAccount, enableAccount, endSessions, resetPassword } from '../../shared/services/account-control.js';
import { addStaff, setStaffRoles } from '../../shared/services/staff.js';
import {
  accountStateView,
  passwordResetView,
  roleChangeView,
  sessionsEndedView,
  staffDetailView,
  staffSummaryView,
} from '../../shared/staff-views.js';

const member = (staffId: string): AccountRef => ({ kind: 'staff', id: staffId });

/** `/admin/staff…` */
export const staffRoutes = {
  'GET /admin/staff': async ({ event }) => {
    const cursor = queryParameter(event, 'cursor', STAFF_ID_PATTERN);
    const page = await listStaff(pageLimit(event), cursor);
    return jsonResponse(200, {
      staff: page.staff.map(staffSummaryView),
      ...(page.next ? { next: page.next } : {}),
    });
  },
  'GET /admin/staff/{staffId}': async ({ params }) => {
    const found = await getStaff(params.staffId);
    if (!found) throw new ApiError('not_found', `no staff member ${params.staffId}`);
    return jsonResponse(200, staffDetailView(found));
  },
  'POST /admin/staff': async ({ body, actor }) => jsonResponse(201, staffDetailView(await addStaff(body, actor))),
  'PUT /admin/staff/{staffId}/roles': async ({ params, body, actor }) =>
    jsonResponse(200, roleChangeView(params.staffId, await setStaffRoles(params.staffId, body.roles, actor))),
  'POST /admin/staff/{staffId}/disable': async ({ params, actor }) =>
    jsonResponse(
      200,
      accountStateView(member(params.staffId), true, await disableAccount(member(params.staffId), actor)),
    ),
  'POST /admin/staff/{staffId}/enable': async ({ params, actor }) =>
    jsonResponse(
      200,
      accountStateView(member(params.staffId), false, await enableAccount(member(params.staffId), actor)),
    ),
  'POST /admin/staff/{staffId}/logout': async ({ params, actor }) => {
    await endSessions(member(params.staffId), actor);
    return jsonResponse(200, sessionsEndedView(member(params.staffId)));
  },
  // The one-time password goes into this answer only: the router logs the route and the status, never a body.
  'POST /admin/staff/{staffId}/password-reset': async ({ params, actor }) =>
    jsonResponse(200, passwordResetView(member(params.staffId), await resetPassword(member(params.staffId), actor))),
} satisfies Partial<Implementations<'admin'>>;
