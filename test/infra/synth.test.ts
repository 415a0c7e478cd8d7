/**
 * The complete synthesis of the CDK stack, as `cdk synth` does it: it succeeds, the code it bundles for the functions
 * ships as measured, and cdk-nag's AwsSolutions checks find nothing unacknowledged. A control stack proves the nag
 * harness reports violations (so a clean result means clean).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { WEB_APP_NAMES, webAppAssets, webAppBuildDirectory } from '../../contract/web-apps.js';
import { resourcesOfType, synthWithNag, synthesizeStackCompletely } from '../helpers/infra.js';
import type { Resources } from '../helpers/infra.js';

let resources: Resources;
let nagReport: unknown;
let outdirOfStack: string;
let synthesisStarted: number;

beforeAll(() => {
  // The one complete synthesis: it bundles the functions (and builds the console), which the bundle tests read.
  synthesisStarted = Date.now();
  ({ resources, nagReport, outdir: outdirOfStack } = synthesizeStackCompletely());
}, 120_000);

const ofType = (type: string) => resourcesOfType(resources, type);

describe('the deployed bundles', () => {
  /** The bundled code CDK synthesized for a function, from its asset directory. */
  function deployedBundle(name: string): { files: string[]; code: string } {
    const [, fn] = ofType('AWS::Lambda::Function').find(([id]) => id.startsWith(`${name}Function`))!;
    const key = (fn.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '');
    const directory = join(outdirOfStack, `asset.${key}`);
    return { files: readdirSync(directory), code: readFileSync(join(directory, 'index.mjs'), 'utf8') };
  }

  it('the order function ships as measured: one file under 400 KiB, no source map, no X-Ray SDK, no full credential chain', () => {
    const { files, code } = deployedBundle('order');
    expect(files).toEqual(['index.mjs']);
    expect(Buffer.byteLength(code)).toBeLessThanOrEqual(400 * 1024);
    expect(code).not.toContain('sourceMappingURL');
    expect(code).not.toContain('AWS_XRAY_CONTEXT_MISSING'); // aws-xray-sdk-core
    expect(code).not.toContain('defaultProvider::fromSSO'); // @aws-sdk/credential-provider-node's chain
    expect(code).toContain('AWS_ACCESS_KEY_ID'); // …replaced by the environment's credentials, which Lambda sets
  });

  it('the web apps ship as built by this synthesis (scripts/build-web.mjs), not a build left by an earlier one', () => {
    for (const [app, file] of WEB_APP_NAMES.flatMap((name) =>
      Object.keys(webAppAssets(name)).map((f) => [name, f] as const),
    )) {
      const [, deployment] = ofType('Custom::CDKBucketDeployment').find(
        ([, d]) =>
          JSON.stringify(d.Properties.Include) === JSON.stringify([file]) &&
          d.Properties.DestinationBucketKeyPrefix === `${app}/`,
      )!;
      const [key] = deployment.Properties.SourceObjectKeys as string[];
      const built = join(webAppBuildDirectory(app), file);
      // Milliseconds are truncated differently by the clock and the file system: allow one.
      expect(statSync(built).mtimeMs, file).toBeGreaterThanOrEqual(synthesisStarted - 1);
      expect(readFileSync(join(outdirOfStack, `asset.${key!.replace(/\.zip$/, '')}`, file)), file).toEqual(
        readFileSync(built),
      );
    }
  });

  it('no function runs with source maps enabled', () => {
    for (const [, fn] of ofType('AWS::Lambda::Function'))
      expect(JSON.stringify(fn.Properties.Environment ?? {})).not.toContain('enable-source-maps');
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  it('reports no unacknowledged finding', () => {
    const violations = JSON.stringify(nagReport ?? {}).match(/"ruleName":"AwsSolutions-[^"]+"/g) ?? [];
    expect(violations).toEqual([]);
  });

  it('does report findings when there are some (control: a table without PITR or a customer key)', () => {
    const { report, error } = synthWithNag((app) => {
      new dynamodb.Table(new Stack(app, 'Control'), 'Bare', {
        partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      });
    });
    expect((error instanceof Error ? error.message : '') + JSON.stringify(report ?? {})).toMatch(/AwsSolutions-DDB3/);
  });

  it('acknowledges the "*" resource only for actions that have no resource-level permissions', () => {
    for (const [, policy] of ofType('AWS::IAM::Policy')) {
      const statements = (
        policy.Properties.PolicyDocument as { Statement: Array<{ Action: string | string[]; Resource: unknown }> }
      ).Statement;
      for (const statement of statements.filter((s) => s.Resource === '*')) {
        for (const action of [statement.Action].flat())
          expect(action).toMatch(/^(xray:PutTraceSegments|xray:PutTelemetryRecords|dynamodb:ListStreams)$/);
      }
    }
  });
});
