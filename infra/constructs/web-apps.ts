/**
 * The web apps on AWS (contract/web-apps.ts: the OPD console and the customer portal), from the API's own origin:
 * their files in one private S3 bucket, and two methods of the API per app, e.g. `GET /console` (the page) and
 * `GET /console/{file}` (its script and style sheet), that read them from S3 through a role allowed only
 * `s3:GetObject` under the apps' prefixes (`console/`, `portal/`). The WAF web ACL, the throttling and the access logs
 * of the API cover them as they cover every route; every answer carries WEB_HEADERS, set as static method-response
 * headers. docs/design.md ("The web apps' hosting") says why not CloudFront. The files themselves:
 * infra/constructs/web-app-files.ts.
 *
 * Adds its resources to the stack itself, not to a nested construct (see infra/constructs/data.ts).
 */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { WEB_APPS, WEB_APP_NAMES, WEB_HEADERS } from '../../contract/web-apps.js';
import type { WebAppName } from '../../contract/web-apps.js';
import { WEB_APP_PAGE, deployWebAppFiles, webAppKeyPrefix } from './web-app-files.js';

/** What the web apps are built from. */
export interface WebAppInputs {
  /** The project key: encrypts the deployment function's log group, as it does every log group. */
  readonly dataKey: kms.IKey;
}

/** Adds the apps' bucket, their deployments and their methods to `stack`, on `api`. */
export function addWebApps(stack: Stack, api: apigw.RestApi, { dataKey }: WebAppInputs): void {
  const bucket = webAppBucket(stack);
  deployWebAppFiles(stack, bucket, dataKey);
  const role = readRole(stack, bucket);
  for (const app of WEB_APP_NAMES) addMethods(api, bucket, role, app);
}

/**
 * The bucket: private, TLS only, S3-managed encryption (it holds the apps' public files, nothing secret; a KMS
 * key would also have to be granted to API Gateway's role). It goes with the stack, as every other resource that holds
 * no data: what it holds is rebuilt from the repository on every deploy.
 */
function webAppBucket(stack: Stack): s3.Bucket {
  const bucket = new s3.Bucket(stack, 'WebAppBucket', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    encryption: s3.BucketEncryption.S3_MANAGED,
    removalPolicy: RemovalPolicy.DESTROY,
    // CloudFormation deletes only an empty bucket, and the deployments (web-app-files.ts) do not empty it when the
    // stack goes (each leaves files that another deployment of the same prefix still owns, as the tags on the bucket
    // say until the bucket goes): without this, `cdk destroy` and the rollback of a failed first deploy would fail on it.
    autoDeleteObjects: true,
  });
  // No server access logs, and no second bucket to hold them. Reads reach this bucket only through the apps'
  // methods (their role is the only grant of s3:GetObject here), and each is already in the API's access log (caller's
  // IP, time, path, status), kept a year. Writes are the deployments'. What the logs would add is who else wrote
  // to it, and for that they are the wrong tool: delivered best effort, hours late, in a bucket that whoever can write
  // here can likely write too. A write to an app's code is an object-level event that CloudTrail data events
  // record reliably; enabling them is the account's audit trail, not this stack's.
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason:
      "Reads come only through the API's web app methods and are in its access log; the files are public, no data. " +
      'Integrity of writes is for CloudTrail data events, not best-effort access logs in a second bucket.',
  });
  return bucket;
}

/** The role API Gateway reads the apps' files with: `s3:GetObject` under their prefixes, nothing else. */
function readRole(stack: Stack, bucket: s3.Bucket): iam.Role {
  const role = new iam.Role(stack, 'WebAppReadRole', {
    assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
    description: "API Gateway reads the web apps' files, and nothing else",
  });
  const bucketId = stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
  for (const app of WEB_APP_NAMES) {
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [bucket.arnForObjects(`${webAppKeyPrefix(app)}*`)],
      }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${webAppKeyPrefix(app)}*]`,
      reason: `The ${app}’s files are the objects under ${webAppKeyPrefix(app)} (the file is the path parameter), and only GetObject.`,
    });
  }
  return role;
}

/** `GET /{app}` and `GET /{app}/{file}`: S3 integrations through the read role, under the app's prefix. */
function addMethods(api: apigw.RestApi, bucket: s3.Bucket, role: iam.Role, app: WebAppName): void {
  // Method-response headers set by the integration: static values are single-quoted mapping expressions.
  const header = (name: string) => `method.response.header.${name}`;
  const staticHeaders = (contentType?: string) => ({
    ...Object.fromEntries(Object.entries(WEB_HEADERS).map(([name, value]) => [header(name), `'${value}'`])),
    [header('Content-Type')]:
      contentType === undefined ? 'integration.response.header.Content-Type' : `'${contentType}'`,
  });
  const text = 'text/plain; charset=utf-8';
  const integrationResponses: apigw.IntegrationResponse[] = [
    // Anything else S3 answers (its 200) is the file, with the Content-Type the deployment gave it.
    { statusCode: '200', responseParameters: staticHeaders() },
    // S3 answers 403 for a key that is not there (the role may not list the bucket, so S3 does not tell), 404 if it
    // may: both are the app's 404.
    {
      statusCode: '404',
      selectionPattern: '4\\d{2}',
      responseParameters: staticHeaders(text),
      responseTemplates: { 'text/plain': 'Not found\n' },
    },
    {
      statusCode: '502',
      selectionPattern: '5\\d{2}',
      responseParameters: staticHeaders(text),
      responseTemplates: { 'text/plain': `The ${app}’s files could not be read\n` },
    },
  ];
  const methodResponses: apigw.MethodResponse[] = ['200', '404', '502'].map((statusCode) => ({
    statusCode,
    responseParameters: Object.fromEntries(Object.keys(staticHeaders()).map((name) => [name, true])),
  }));
  const s3Object = (key: string, requestParameters?: Record<string, string>) =>
    new apigw.AwsIntegration({
      service: 's3',
      integrationHttpMethod: 'GET',
      path: `${bucket.bucketName}/${webAppKeyPrefix(app)}${key}`,
      options: {
        credentialsRole: role,
        integrationResponses,
        ...(requestParameters ? { requestParameters } : {}),
      },
    });

  const appResource = api.root.resourceForPath(WEB_APPS[app].path);
  const methods = [
    appResource.addMethod('GET', s3Object(WEB_APP_PAGE), {
      authorizationType: apigw.AuthorizationType.NONE,
      methodResponses,
    }),
    appResource
      .addResource('{file}')
      .addMethod('GET', s3Object('{file}', { 'integration.request.path.file': 'method.request.path.file' }), {
        authorizationType: apigw.AuthorizationType.NONE,
        requestParameters: { 'method.request.path.file': true },
        methodResponses,
      }),
  ];
  for (const method of methods)
    Validations.of(method).acknowledge(
      {
        id: 'AwsSolutions-APIG4',
        reason:
          'Public by design: a web app’s page, script and style sheet hold no data; every API call they make is authorized.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason: 'Public by design (see APIG4); no Cognito: sessions are the project’s own tokens.',
      },
    );
}
