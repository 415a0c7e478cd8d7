/**
 * The handler list is in contract/handlers.ts, its bundling in infra/bundling.ts. This re-export is only for
 * infra/routes.ts, which imports the handler type from here until it moves to contract/ itself; delete it then.
 */
export type { HandlerDefinition } from '../contract/handlers.js';
