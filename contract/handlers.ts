/**
 * The Lambda handlers, as plain data: the CDK stack deploys one function per entry, the local API names them, and
 * `npm run bundles` (size and init-time report) bundles the same list, so what is measured is what is deployed. How
 * they are bundled is the infrastructure's (infra/bundling.ts).
 */

/** One Lambda handler: its source entry point and the function settings it is deployed with. */
export interface HandlerDefinition {
  readonly name: 'login' | 'password' | 'order' | 'authorizer' | 'read' | 'admin' | 'notify' | 'sweeper' | 'provision';
  readonly entry: string;
  /**
   * MiB. scrypt (N = 2^17, r = 8) needs 128 MiB of its own: login, password (its key routes check the password too)
   * and admin (new customers) get more.
   */
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  readonly description: string;
}

/** A handler's name: its function's name in the stack, and what routes name as their handler. */
export type HandlerName = HandlerDefinition['name'];

/**
 * How often the mail sweeper runs (its EventBridge schedule), in seconds. Each run ends before the next begins: its
 * timeout is 5 seconds shorter, and it stops starting sends 10 seconds before that (shared/services/deliver.ts).
 */
export const SWEEP_PERIOD_SECONDS = 300;

/** Every handler, one function each. */
export const HANDLERS: readonly HandlerDefinition[] = [
  {
    name: 'login',
    entry: 'functions/login/index.ts',
    memorySize: 1024,
    timeoutSeconds: 10,
    description: 'POST /login, /refresh, /logout',
  },
  {
    name: 'password',
    entry: 'functions/password/index.ts',
    memorySize: 1024,
    timeoutSeconds: 10,
    description: 'POST /password; a customer’s own keys (/account/keys): what needs the password',
  },
  {
    name: 'order',
    entry: 'functions/order/index.ts',
    memorySize: 512,
    timeoutSeconds: 15,
    description: 'POST /orders, order cancellations',
  },
  {
    name: 'authorizer',
    entry: 'functions/authorizer/index.ts',
    memorySize: 256,
    timeoutSeconds: 5,
    description: 'session token authorizer',
  },
  { name: 'read', entry: 'functions/read/index.ts', memorySize: 256, timeoutSeconds: 10, description: 'GET routes' },
  {
    name: 'admin',
    entry: 'functions/admin/index.ts',
    memorySize: 1024,
    timeoutSeconds: 15,
    description: 'admin routes',
  },
  {
    name: 'notify',
    entry: 'functions/notify/index.ts',
    memorySize: 256,
    timeoutSeconds: 30,
    description: 'orders stream → SES (confirmations, cancellation and fulfilment notices)',
  },
  {
    name: 'sweeper',
    entry: 'functions/sweeper/index.ts',
    memorySize: 256,
    timeoutSeconds: SWEEP_PERIOD_SECONDS - 5,
    description: 'every 5 minutes: sends mail the stream did not get out (owed-mail indexes → SES, paced)',
  },
  {
    name: 'provision',
    entry: 'functions/provision/index.ts',
    memorySize: 256,
    timeoutSeconds: 60,
    description: 'first server and session keys',
  },
];
