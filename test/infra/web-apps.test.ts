/**
 * The web apps on AWS (infra/constructs/web-apps.ts): two methods of the API per app that read its files from a
 * private bucket through S3, with WEB_HEADERS on every answer, and the deployments that put the files there.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WEB_APP_NAMES, WEB_CSP, WEB_HEADERS, webAppAssets } from '../../contract/web-apps.js';
import { ROUTE_LIST } from '../../contract/routes.js';
import { apiMethods, templateForThisFile } from '../helpers/infra.js';
import type { ApiMethod } from '../helpers/infra.js';

const stack = templateForThisFile();
const { ofType } = stack;

const APP_ROUTES = WEB_APP_NAMES.flatMap((app) => [`GET /${app}`, `GET /${app}/{file}`]).sort();

interface IntegrationResponse {
  StatusCode: string;
  SelectionPattern?: string;
  ResponseParameters: Record<string, string>;
  ResponseTemplates?: Record<string, string>;
}
interface Integration {
  Type: string;
  IntegrationHttpMethod: string;
  Uri: unknown;
  Credentials: { 'Fn::GetAtt': [string, string] };
  RequestParameters?: Record<string, string>;
  IntegrationResponses: IntegrationResponse[];
}

/** The apps' methods by route. */
function appMethods(): Map<string, ApiMethod> {
  return new Map(
    apiMethods(stack.resources)
      .filter((method) => APP_ROUTES.includes(method.route))
      .map((method) => [method.route, method]),
  );
}
const integrationOf = (method: ApiMethod) => method.properties.Integration as Integration;
/** The stack's one bucket, the apps': [logical ID, resource]. */
function appBucket() {
  const buckets = ofType('AWS::S3::Bucket');
  expect(buckets).toHaveLength(1);
  return buckets[0]!;
}

/** The static header values WEB_HEADERS gives, as method-response mapping expressions. */
const headerMappings = Object.fromEntries(
  Object.entries(WEB_HEADERS).map(([name, value]) => [`method.response.header.${name}`, `'${value}'`]),
);

describe('the web apps’ methods', () => {
  it('are GET /{app} and GET /{app}/{file}, each an S3 GetObject of the object under the app’s prefix', () => {
    const methods = appMethods();
    expect([...methods.keys()].sort()).toEqual(APP_ROUTES);
    const expectedKeys = Object.fromEntries(
      WEB_APP_NAMES.flatMap((app) => [
        [`GET /${app}`, `${app}/index.html`],
        [`GET /${app}/{file}`, `${app}/{file}`],
      ]),
    );
    for (const [route, method] of methods) {
      const integration = integrationOf(method);
      expect(integration.Type, route).toBe('AWS');
      expect(integration.IntegrationHttpMethod, route).toBe('GET');
      expect(integration.Uri, route).toEqual({
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':apigateway:',
            { Ref: 'AWS::Region' },
            ':s3:path/',
            { Ref: appBucket()[0] },
            `/${expectedKeys[route]}`,
          ],
        ],
      });
    }
    // The file is the one path segment the browser asked for.
    for (const app of WEB_APP_NAMES) {
      const file = methods.get(`GET /${app}/{file}`)!;
      expect(file.properties.RequestParameters).toEqual({ 'method.request.path.file': true });
      expect(integrationOf(file).RequestParameters).toEqual({
        'integration.request.path.file': 'method.request.path.file',
      });
    }
  });

  it('read through one role that API Gateway assumes and that may only s3:GetObject under the apps’ prefixes', () => {
    const roles = new Set(
      [...appMethods().values()].map((method) => integrationOf(method).Credentials['Fn::GetAtt'][0]),
    );
    expect(roles.size).toBe(1);
    const [roleId] = [...roles];
    const role = stack.resources[roleId!]!;
    expect(role.Type).toBe('AWS::IAM::Role');
    expect(role.Properties.AssumeRolePolicyDocument).toMatchObject({
      Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' } }],
    });
    // Nothing else grants it anything: no managed policy, no inline policy, one attached policy of one statement.
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toBeUndefined();
    const policies = ofType('AWS::IAM::Policy').filter(([, policy]) =>
      JSON.stringify(policy.Properties.Roles).includes(`"${roleId}"`),
    );
    expect(policies).toHaveLength(1);
    expect((policies[0]![1].Properties.PolicyDocument as { Statement: unknown }).Statement).toEqual(
      WEB_APP_NAMES.map((app) => ({
        Action: 's3:GetObject',
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [appBucket()[0], 'Arn'] }, `/${app}/*`]] },
      })),
    );
  });

  it('have no authorizer, while every other method keeps the authorization its route declares', () => {
    const methods = apiMethods(stack.resources);
    for (const method of methods.filter((m) => APP_ROUTES.includes(m.route))) {
      expect(method.properties.AuthorizationType, method.route).toBe('NONE');
      expect(method.properties.AuthorizerId, method.route).toBeUndefined();
    }
    const others = methods.filter((m) => !APP_ROUTES.includes(m.route));
    expect(others.map((m) => m.route).sort()).toEqual(ROUTE_LIST.map((r) => `${r.method} ${r.path}`).sort());
    for (const method of others) {
      const route = ROUTE_LIST.find((r) => `${r.method} ${r.path}` === method.route)!;
      if (route.auth === 'none') expect(method.properties.AuthorizationType, method.route).toBe('NONE');
      else {
        expect(method.properties.AuthorizationType, method.route).toBe('CUSTOM');
        expect(method.properties.AuthorizerId, method.route).toEqual({ Ref: expect.any(String) as unknown });
      }
    }
  });

  it('answer 200 with exactly WEB_HEADERS (the CSP, HSTS) and the Content-Type S3 stored with the object', () => {
    for (const [route, method] of appMethods()) {
      const ok = integrationOf(method).IntegrationResponses.filter((response) => response.StatusCode === '200');
      expect(ok, route).toHaveLength(1);
      expect(ok[0]!.SelectionPattern, route).toBeUndefined(); // the default: whatever S3 answered that is not 4xx/5xx
      expect(ok[0]!.ResponseParameters, route).toEqual({
        ...headerMappings,
        'method.response.header.Content-Type': 'integration.response.header.Content-Type',
      });
      expect(ok[0]!.ResponseParameters['method.response.header.Content-Security-Policy']).toBe(`'${WEB_CSP}'`);
      expect(ok[0]!.ResponseParameters['method.response.header.Strict-Transport-Security']).toMatch(/^'max-age=\d+/);
      // A method response declares each header the integration sets, or API Gateway refuses the mapping.
      const declared = (method.properties.MethodResponses as Array<{ StatusCode: string; ResponseParameters: object }>)
        .filter((response) => response.StatusCode === '200')
        .map((response) => Object.keys(response.ResponseParameters).sort());
      expect(declared, route).toEqual([Object.keys(ok[0]!.ResponseParameters).sort()]);
    }
  });

  it('answer S3’s 4xx (403 for a key that is not there) with 404 and its 5xx with 502, in text, with WEB_HEADERS', () => {
    for (const [route, method] of appMethods()) {
      const responses = integrationOf(method).IntegrationResponses;
      const errors = responses.filter((response) => response.StatusCode !== '200');
      // For an AWS integration, API Gateway matches the pattern against S3's whole status code.
      expect(
        errors.map((response) => [response.SelectionPattern, response.StatusCode]),
        route,
      ).toEqual([
        ['4\\d{2}', '404'],
        ['5\\d{2}', '502'],
      ]);
      for (const error of errors) {
        expect(error.ResponseParameters, `${route} ${error.StatusCode}`).toEqual({
          ...headerMappings,
          'method.response.header.Content-Type': "'text/plain; charset=utf-8'",
        });
        expect(Object.keys(error.ResponseTemplates ?? {}), `${route} ${error.StatusCode}`).toEqual(['text/plain']);
        expect(error.ResponseTemplates!['text/plain']!.length).toBeGreaterThan(0);
      }
      const declared = (method.properties.MethodResponses as Array<{ StatusCode: string }>).map((r) => r.StatusCode);
      expect(declared.sort(), route).toEqual(['200', '404', '502']);
    }
  });
});

describe('the web apps’ bucket', () => {
  it('blocks all public access, is encrypted, and refuses every request that is not over TLS', () => {
    const [id, bucket] = appBucket();
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    const policies = ofType('AWS::S3::BucketPolicy').filter(
      ([, policy]) => JSON.stringify(policy.Properties.Bucket) === JSON.stringify({ Ref: id }),
    );
    expect(policies).toHaveLength(1);
    const statements = (policies[0]![1].Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> })
      .Statement;
    expect(statements).toContainEqual({
      Action: 's3:*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Resource: [{ 'Fn::GetAtt': [id, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [id, 'Arn'] }, '/*']] }],
    });
    // Nothing is made public: every other statement names one principal of this stack.
    for (const statement of statements.filter((s) => s.Effect === 'Allow'))
      expect(statement.Principal).toEqual({ AWS: { 'Fn::GetAtt': [expect.any(String) as unknown, 'Arn'] } });
  });

  it('goes with the stack, emptied first (CloudFormation deletes only an empty bucket)', () => {
    const [id, bucket] = appBucket();
    expect((bucket as { DeletionPolicy?: string }).DeletionPolicy).toBe('Delete');
    expect(ofType('Custom::S3AutoDeleteObjects').map(([, r]) => r.Properties.BucketName)).toEqual([{ Ref: id }]);
  });
});

describe('the web apps’ deployments', () => {
  /** The BucketDeployment custom resource that ships `file` under `prefix`. */
  function deploymentOf(prefix: string, file: string) {
    const found = ofType('Custom::CDKBucketDeployment').filter(
      ([, deployment]) =>
        JSON.stringify(deployment.Properties.Include) === JSON.stringify([file]) &&
        deployment.Properties.DestinationBucketKeyPrefix === prefix,
    );
    expect(found, file).toHaveLength(1);
    return found[0]![1].Properties as {
      SourceObjectKeys: string[];
      DestinationBucketName: unknown;
      DestinationBucketKeyPrefix: string;
      Exclude: string[];
      Prune: boolean;
      SystemMetadata: Record<string, string>;
    };
  }

  it('ship each app’s page and assets under its prefix, each with its Content-Type, each touching only its own file', () => {
    const perApp = (app: (typeof WEB_APP_NAMES)[number]) => ({
      'index.html': 'text/html; charset=utf-8',
      ...webAppAssets(app),
    });
    const count = WEB_APP_NAMES.reduce((sum, app) => sum + Object.keys(perApp(app)).length, 0);
    expect(ofType('Custom::CDKBucketDeployment')).toHaveLength(count);
    for (const app of WEB_APP_NAMES)
      for (const [file, contentType] of Object.entries(perApp(app))) {
        const deployment = deploymentOf(`${app}/`, file);
        expect(deployment.DestinationBucketName, file).toEqual({ Ref: appBucket()[0] });
        expect(deployment.SystemMetadata, file).toEqual({ 'content-type': contentType });
        // Pruning deletes what the sync filters select: each deployment's filters select its own file only.
        expect(deployment.Exclude, file).toEqual(['*']);
      }
  });

  it('ship each app an index.html that loads /prod/{app}/{app}.js and /prod/{app}/{app}.css', () => {
    for (const app of WEB_APP_NAMES) {
      const [key] = deploymentOf(`${app}/`, 'index.html').SourceObjectKeys;
      const page = readFileSync(join(stack.outdir, `asset.${key!.replace(/\.zip$/, '')}`, 'index.html'), 'utf8');
      expect(page).toContain(`<script type="module" src="/prod/${app}/${app}.js"></script>`);
      expect(page).toContain(`<link rel="stylesheet" href="/prod/${app}/${app}.css" />`);
    }
  });

  it('run one function with one AWS CLI layer for all the files', () => {
    const deploymentFunctions = new Set(
      ofType('Custom::CDKBucketDeployment').map(([, d]) => JSON.stringify(d.Properties.ServiceToken)),
    );
    expect(deploymentFunctions.size).toBe(1);
    expect(ofType('AWS::Lambda::LayerVersion')).toHaveLength(1);
  });
});
