/**
 * The web apps' files in their bucket (infra/constructs/web-apps.ts): built by the project's own build on every
 * synthesis that bundles, and copied under each app's prefix (`console/`, `portal/`) by CDK's BucketDeployment at
 * deploy time.
 *
 * Adds its resources to the stack itself, not to a nested construct (see infra/constructs/data.ts).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { AssetHashType, DefaultStackSynthesizer, DockerImage, Validations } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import type { IConstruct } from 'constructs';
import {
  WEB_APPS,
  WEB_APP_NAMES,
  webAppAssets,
  webAppBuildDirectory,
  webAppIndexHtml,
} from '../../contract/web-apps.js';
import type { WebAppName } from '../../contract/web-apps.js';
import { API_STAGE } from './api.js';
import { KEEP_DATA } from './data.js';

/** Where an app's files are in the bucket: the only keys API Gateway's role may read. */
export const webAppKeyPrefix = (app: WebAppName): string => `${app}/`;

/** The page's object, which `GET /console` answers with. */
export const WEB_APP_PAGE = 'index.html';

/**
 * Each app's files under its prefix: the page, made for the stage's path, and the assets that scripts/build-web.mjs
 * builds — each with its own Content-Type, so one deployment per file (a deployment sets one Content-Type for all it
 * copies), each syncing (and pruning) only its own file.
 */
export function deployWebAppFiles(stack: Stack, bucket: s3.Bucket, dataKey: kms.IKey): void {
  const logGroup = new logs.LogGroup(stack, 'WebAppDeploymentLogs', {
    retention: logs.RetentionDays.THREE_MONTHS,
    encryptionKey: dataKey,
    removalPolicy: KEEP_DATA,
  });
  const deployments = WEB_APP_NAMES.flatMap((app) => appDeployments(stack, bucket, logGroup, app));
  // The deployments share one function (a singleton of the stack, not a child of any of them), which the first one
  // made, with its AWS CLI layer. Each of the others made a layer of its own as well: 21 MB that nothing would use.
  for (const deployment of deployments.slice(1)) deployment.node.tryRemoveChild('AwsCliLayer');
  acknowledgeDeploymentFunction(stack, deployments[0]!.handlerRole.node.scope!, bucket);
}

function appDeployments(
  stack: Stack,
  bucket: s3.Bucket,
  logGroup: logs.LogGroup,
  app: WebAppName,
): s3deploy.BucketDeployment[] {
  const assets = s3deploy.Source.asset(`web/${app}`, {
    // The hash of what was built, not of web/<app>: the app also bundles shared/ code.
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Built here, by the project's own build, on every synthesis that bundles (as the functions are): a build left
      // in dist/<app> by an earlier run never ships. A synthesis that skips bundling (the tests that read only the
      // template) skips it too, as it skips the functions'.
      local: {
        tryBundle(outputDirectory) {
          execFileSync(process.execPath, ['scripts/build-web.mjs', app], { stdio: ['ignore', 'inherit', 'inherit'] });
          for (const file of Object.keys(webAppAssets(app)))
            copyFileSync(join(webAppBuildDirectory(app), file), join(outputDirectory, file));
          return true;
        },
      },
      // Never pulled: the local build above either succeeds or throws (CDK's bundling options require an image).
      image: DockerImage.fromRegistry('scratch'),
    },
  });
  const page = s3deploy.Source.data(WEB_APP_PAGE, webAppIndexHtml(app, `/${API_STAGE}${WEB_APPS[app].path}/`));
  const files: Array<[string, s3deploy.ISource, string]> = [
    [WEB_APP_PAGE, page, 'text/html; charset=utf-8'],
    ...Object.entries(webAppAssets(app)).map(([file, type]): [string, s3deploy.ISource, string] => [
      file,
      assets,
      type,
    ]),
  ];
  return files.map(
    ([file, source, contentType]) =>
      new s3deploy.BucketDeployment(stack, `WebAppFile-${app}-${file}`, {
        sources: [source],
        destinationBucket: bucket,
        destinationKeyPrefix: webAppKeyPrefix(app),
        exclude: ['*'],
        include: [file],
        contentType,
        logGroup,
      }),
  );
}

/**
 * CDK's BucketDeployment function: AWS's own code (the AWS CLI's `s3 sync`), run at deploy time only, with the
 * runtime and the grants that CDK writes for it. Its findings, acknowledged on that function (and its role) alone.
 */
function acknowledgeDeploymentFunction(stack: Stack, deploymentFunction: IConstruct, bucket: s3.Bucket): void {
  const bucketId = stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
  const qualifier = stack.synthesizer.bootstrapQualifier ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  const stagingBucket = `arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-<AWS::AccountId>-<AWS::Region>`;
  const reason = (what: string) => `CDK's BucketDeployment function (AWS-maintained, runs at deploy time only) ${what}`;
  Validations.of(deploymentFunction).acknowledge(
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: reason('logs through the basic execution role.'),
    },
    {
      id: 'AwsSolutions-L1',
      reason: reason('runs on the Python runtime CDK pins with the handler it ships; CDK updates both together.'),
    },
    ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((action) => ({
      id: `AwsSolutions-IAM5[Action::${action}]`,
      reason: reason(
        "reads the staged files and syncs them, pruning, into the web apps' bucket: CDK's grant, on those two buckets.",
      ),
    })),
    {
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`,
      reason: reason("writes the web apps' objects; the bucket is this stack's and holds nothing else."),
    },
    {
      id: `AwsSolutions-IAM5[Resource::${stagingBucket}/*]`,
      reason: reason("reads the staged files from CDK's bootstrap bucket, where `cdk deploy` put them."),
    },
  );
}
