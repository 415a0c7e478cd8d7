/** The credential chain Lambda bundles use in place of the SDK's (shared/aws/lambda-credentials.ts). */
import * as sdkChain from '@aws-sdk/credential-provider-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as lambdaChain from '../shared/aws/lambda-credentials.js';

afterEach(() => vi.unstubAllEnvs());

describe('the Lambda credential chain', () => {
  it('stands in for @aws-sdk/credential-provider-node: the export the SDK clients import is there', () => {
    expect(Object.keys(lambdaChain)).toEqual(['defaultProvider']);
    expect(typeof sdkChain.defaultProvider).toBe('function');
  });

  it('answers with the execution role’s credentials from the environment, as Lambda sets them', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'ASIAEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret-example');
    vi.stubEnv('AWS_SESSION_TOKEN', 'session-example');
    await expect(lambdaChain.defaultProvider()()).resolves.toMatchObject({
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret-example',
      sessionToken: 'session-example',
    });
  });

  it('fails clearly, without looking elsewhere, when the environment holds none', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', '');
    await expect(lambdaChain.defaultProvider()()).rejects.toThrow(/environment/i);
  });
});
