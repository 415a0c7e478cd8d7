/**
 * How the Lambda handlers (contract/handlers.ts) are bundled: the CDK stack and `npm run bundles` (size and init-time
 * report) use these same settings, so what is measured is what is deployed.
 */
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';

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

/** {@link BUNDLING} as the CDK's NodejsFunction takes it. */
export const FUNCTION_BUNDLING: BundlingOptions = {
  minify: BUNDLING.minify,
  sourceMap: BUNDLING.sourceMap,
  target: BUNDLING.target,
  format: OutputFormat.ESM,
  banner: BUNDLING.banner,
  mainFields: [...BUNDLING.mainFields],
  // esbuild resolves the alias's path from the project root, where CDK runs it.
  esbuildArgs: {
    '--alias': `@aws-sdk/credential-provider-node=${BUNDLING.alias['@aws-sdk/credential-provider-node']}`,
  },
  externalModules: [], // bundle the AWS SDK: pinned with the code
};
