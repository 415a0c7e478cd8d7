/** What a console view is given: the shell's context (web/common/view.ts) and what the staff member may do. */
import type { Permission } from '../../shared/permissions.js';
import type { ViewContext } from '../common/view.js';

export { failure, show } from '../common/view.js';

/** A console view's context. */
export interface ConsoleContext extends ViewContext {
  /** Whether the logged-in staff member's roles give `permission`. */
  can(permission: Permission): boolean;
}
