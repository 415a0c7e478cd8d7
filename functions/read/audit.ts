/**
 * The audit trail, for staff who may read it: records filtered by actor, target, action and time, newest first. Served
 * by the read function, whose role may query the audit table and write nothing: no role of the stack can both find a
 * record's key and put over it (the admin function puts records and cannot query them).
 */
import { auditRecordView } from '../../shared/admin-views.js';
import { auditCursor, parseAuditQuery } from '../../shared/audit-query.js';
import { queryAudit } from '../../shared/aws/audit.js';
import { jsonResponse } from '../../shared/http.js';
import type { Implementations } from '../../shared/router.js';

/** `/admin/audit` */
export const auditRoutes = {
  // The answer says the range it read (`since` defaults to 30 days before `until`, which defaults to now).
  'GET /admin/audit': async ({ event }) => {
    const query = parseAuditQuery(event.queryStringParameters, Date.now());
    const page = await queryAudit(query.filter, query.position, query.limit);
    return jsonResponse(200, {
      since: query.since,
      until: query.until,
      records: page.records.map(auditRecordView),
      ...(page.next === undefined ? {} : { next: auditCursor(query, page.next) }),
    });
  },
} satisfies Partial<Implementations<'read'>>;
