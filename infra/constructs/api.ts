/**
 * The API: API Gateway (REST, one regional stage) with throttling, access logs and tracing; gateway responses in the
 * handlers' error format; the routes of contract/routes.ts (infra/constructs/api-routes.ts); a WAF web ACL
 * (infra/constructs/waf.ts); the X-Ray sampling rule of its stage.
 *
 * Adds its resources to the stack itself, not to a nested construct (see infra/constructs/data.ts).
 */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as xray from 'aws-cdk-lib/aws-xray';
import type { HandlerName } from '../../contract/handlers.js';
import { SECURITY_HEADERS } from '../../shared/http.js';
import type { TrafficLimits } from '../parameters.js';
import { GATEWAY_RESPONSES } from '../../contract/gateway.js';
import { addRoutes } from './api-routes.js';
import { KEEP_DATA } from './data.js';
import { addWebAcl } from './waf.js';

/**
 * The API's one stage: its URL's last segment (so the first segment of every path the API serves: the console's page
 * names its assets under it), and what the X-Ray sampling rule matches.
 */
export const API_STAGE = 'prod';

/** What the API is built from. */
export interface ApiInputs {
  readonly functions: Readonly<Record<HandlerName, NodejsFunction>>;
  /** The project key: encrypts the access logs. */
  readonly dataKey: kms.IKey;
  readonly limits: TrafficLimits;
}

/** Adds the API, its routes, its WAF web ACL and its trace sampling to `stack`. */
export function addApi(stack: Stack, { functions, dataKey, limits }: ApiInputs): apigw.RestApi {
  const accessLogs = new logs.LogGroup(stack, 'ApiAccessLogs', {
    retention: logs.RetentionDays.ONE_YEAR,
    encryptionKey: dataKey,
    removalPolicy: KEEP_DATA,
  });
  const api = new apigw.RestApi(stack, 'Api', {
    // Named after the stack, unique in the account and region: API Gateway's metrics (the 5xx alarm) and X-Ray's
    // service name go by the API's name.
    restApiName: stack.stackName,
    description: 'Secure purchase orders',
    endpointTypes: [apigw.EndpointType.REGIONAL],
    cloudWatchRole: true,
    // API Gateway's logging role is an account-wide setting other APIs may rely on: kept when the stack goes.
    cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    deployOptions: {
      stageName: API_STAGE,
      tracingEnabled: true,
      loggingLevel: apigw.MethodLoggingLevel.ERROR,
      dataTraceEnabled: false, // would log request bodies: passwords and envelopes
      metricsEnabled: true,
      // The stage's default method settings (`*/*`): API Gateway applies them to each method on its own, so every
      // route has a bucket of its own. A limit shared by all routes exists only per account (or per API key).
      throttlingRateLimit: limits.apiRate,
      throttlingBurstLimit: limits.apiBurst,
      accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
      accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
        caller: false,
        httpMethod: true,
        ip: true,
        protocol: true,
        requestTime: true,
        resourcePath: true,
        responseLength: true,
        status: true,
        user: true,
      }),
    },
  });

  for (const [type, response] of Object.entries(GATEWAY_RESPONSES)) {
    const retryAfter: Record<string, string> =
      'retryAfter' in response ? { 'Retry-After': `'${response.retryAfter}'` } : {};
    api.addGatewayResponse(type, {
      type: apigw.ResponseType.of(type),
      ...(response.status === undefined ? {} : { statusCode: String(response.status) }),
      // Gateway response headers are mapping expressions: static values are single-quoted.
      responseHeaders: {
        ...Object.fromEntries(Object.entries(SECURITY_HEADERS).map(([name, value]) => [name, `'${value}'`])),
        ...retryAfter,
      },
      templates: {
        'application/json': JSON.stringify({ error: { code: response.code, message: response.message } }),
      },
    });
  }

  addRoutes(stack, api, functions);
  addWebAcl(stack, api, limits);

  // Tracing samples a little of this API's traffic: 1 request per second, then 5 % (X-Ray's default rule, pinned
  // here so that a change to the account's default does not change this API's traces or their cost). The rule
  // matches this API's stage only; API Gateway's decision carries on to the functions it calls. The notifier and the
  // sweeper are sampled by Lambda itself (1 per second, then 5 %), which no rule changes.
  new xray.CfnSamplingRule(stack, 'TraceSampling', {
    samplingRule: {
      ruleName: `${stack.stackName}-traces`.slice(0, 32),
      priority: 100,
      fixedRate: 0.05,
      reservoirSize: 1,
      serviceName: `${api.restApiName}/${API_STAGE}`,
      serviceType: 'AWS::ApiGateway::Stage',
      host: '*',
      httpMethod: '*',
      urlPath: '*',
      resourceArn: `arn:${stack.partition}:apigateway:${stack.region}::/restapis/${api.restApiId}/stages/${API_STAGE}`,
      version: 1,
    },
  });

  Validations.of(api).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    reason: "API Gateway's account-level logging role must use this AWS-managed policy.",
  });
  return api;
}
