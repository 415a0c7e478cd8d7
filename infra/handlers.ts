/**
 * The Lambda handlers and how they are bundled: the CDK stack and `npm run bundles` (size and init-time report) read
 * this one list, so what is measured is what is deployed.
 */

export interface HandlerDefinition {
  readonly name: 'login' | 'password' | 'order' | 'authorizer' | 'read' | 'admin' | 'notify' | 'sweeper' | 'provision';
  readonly entry: string;
  /** MiB. scrypt (N = 2^17, r = 8) needs 128 MiB of its own: login, password and admin (new customers) get more. */
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  readonly description: string;
}

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
    description: 'POST /password',
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
    timeoutSeconds: 120,
    description: 'every 5 minutes: sends mail the stream did not get out (owed-mail indexes → SES)',
  },
  {
    name: 'provision',
    entry: 'functions/provision/index.ts',
    memorySize: 256,
    timeoutSeconds: 60,
    description: 'first server and session keys',
  },
];

/**
 * esbuild settings: ESM, minified, the AWS SDK bundled (pinned with the code, not whatever the runtime ships), syntax
 * for Node 24: the Lambda runtime (nodejs24.x), and the Node the project's own scripts run on. Decided on
 * measurements of the order function (`npm run bundles`, docs/operations.md):
 * - no source maps: with `--enable-source-maps` they cost every cold start ~15–20 ms here, and buy nothing — errors
 *   are logged by name, never with a stack trace;
 * - the credential chain reduced to what Lambda uses (shared/aws/lambda-credentials.ts): 90 KiB less to parse.
 */
export const BUNDLING = {
  minify: true,
  sourceMap: false,
  target: 'node24',
  format: 'esm',
  // Bundled CommonJS dependencies call require(); ESM output needs it defined.
  banner: "import { createRequire as __poRequire } from 'module'; const require = __poRequire(import.meta.url);",
  mainFields: ['module', 'main'],
  alias: { '@aws-sdk/credential-provider-node': './shared/aws/lambda-credentials.ts' },
} as const;
