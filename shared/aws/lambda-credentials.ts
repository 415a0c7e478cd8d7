/**
 * The AWS SDK's default credential chain, as a Lambda function needs it. Lambda puts the execution role's
 * credentials in the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), so of the whole
 * chain (environment, SSO, ini files, web identity, container and instance metadata) only the first link ever answers
 * there. Lambda bundles put this module in place of `@aws-sdk/credential-provider-node` (infra/bundling.ts,
 * `BUNDLING.alias`), which drops the other links and the nested STS/SSO clients they carry: 90 KiB of every bundle,
 * parsed at every cold start for nothing. Tests and the local stack use the SDK's full chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { FromEnvInit } from '@aws-sdk/credential-provider-env';

/** The chain's one link that answers in Lambda: credentials from the environment. */
export const defaultProvider = (init: FromEnvInit = {}) => fromEnv(init);
